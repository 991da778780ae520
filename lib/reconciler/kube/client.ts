/**
 * The reconciler's HTTP layer to the Kubernetes API server: JSON requests and watch streams over one keep-alive
 * connection pool, with per-request accounting (verb, resource, status) for metrics, the RBAC check and the benchmark.
 *
 * Authentication comes from a {@link ClusterAccess}, built from @kubernetes/client-node's KubeConfig in production
 * (kubeconfig.ts) and from the test control plane's connection in tests.
 */
import * as http from 'node:http';
import * as https from 'node:https';

/** Where the API server is and how to authenticate to it. */
export interface ClusterAccess {
  /** `https://host:port` (a path prefix is allowed). */
  readonly server: string;
  /** TLS settings of the connection, fixed for the lifetime of the client. */
  readonly tls: {
    readonly ca?: string | Buffer;
    readonly cert?: string | Buffer;
    readonly key?: string | Buffer;
    readonly rejectUnauthorized?: boolean;
    readonly servername?: string;
  };
  /** Headers (authorization) for the next request; called per request so that rotated tokens are picked up. */
  headers(): Promise<Record<string, string>>;
}

/** A failed API request; `status` is the HTTP status, `reason` the Status reason (e.g. `Conflict`, `AlreadyExists`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly verb: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.status === 404;
}

/** 409 from optimistic concurrency (a stale resourceVersion), as opposed to AlreadyExists. */
export function isConflict(err: unknown): boolean {
  return err instanceof ApiError && err.status === 409 && err.reason !== 'AlreadyExists';
}

export function isGone(err: unknown): boolean {
  return err instanceof ApiError && err.status === 410;
}

/** One API request as RBAC sees it. */
export interface RequestRecord {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly namespace?: string;
  readonly status: number;
}

/**
 * What an API path addresses, in RBAC terms: `/apis/apps/v1/namespaces/ns/statefulsets/x` is group `apps`, resource
 * `statefulsets`; `/api/v1/namespaces/ns/services/svc:8888/proxy/...` is resource `services/proxy`.
 */
export function describePath(path: string): { group: string; resource: string; namespace?: string; named: boolean } {
  const parts = path.split('?')[0].split('/').filter(Boolean);
  let rest: string[];
  let group: string;
  if (parts[0] === 'api') {
    group = '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis') {
    group = parts[1];
    rest = parts.slice(3);
  } else {
    return { group: '', resource: parts.join('/'), named: false };
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length > 2) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const resource = rest.length > 2 ? `${rest[0]}/${rest[2]}` : rest[0];
  return { group, resource, namespace, named: rest.length > 1 };
}

/** The RBAC verb of a request. */
export function rbacVerb(method: string, path: string, query: Record<string, string | number | boolean | undefined>): string {
  switch (method) {
    case 'GET':
      if (query.watch) return 'watch';
      return describePath(path).named ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    default:
      return method.toLowerCase();
  }
}

export interface RequestOptions {
  readonly query?: Record<string, string | number | boolean | undefined>;
  readonly body?: unknown;
  /** Content type of the body; PATCH defaults to a JSON merge patch. */
  readonly contentType?: string;
  readonly timeoutMs?: number;
  /** Return the raw body text instead of parsing JSON (service proxy responses). */
  readonly raw?: boolean;
  readonly signal?: AbortSignal;
}

export const MERGE_PATCH = 'application/merge-patch+json';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface KubeClientOptions {
  readonly userAgent?: string;
  /** Default request timeout. */
  readonly timeoutMs?: number;
  /** Called after every request (metrics, RBAC accounting). */
  readonly onRequest?: (record: RequestRecord) => void;
}

export class KubeClient {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;

  constructor(
    private readonly access: ClusterAccess,
    private readonly options: KubeClientOptions = {},
  ) {
    this.base = new URL(access.server);
    const secure = this.base.protocol === 'https:';
    this.transport = secure ? https : http;
    const agentOptions = { keepAlive: true, maxSockets: 32, ...(secure ? access.tls : {}) };
    this.agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  }

  /** Closes idle connections (shutdown). */
  close(): void {
    this.agent.destroy();
  }

  async get<T>(path: string, options?: RequestOptions): Promise<T> {
    return this.request<T>('GET', path, options);
  }

  async create<T>(path: string, body: unknown, query?: RequestOptions['query']): Promise<T> {
    return this.request<T>('POST', path, { body, query });
  }

  async update<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, { body });
  }

  async mergePatch<T>(path: string, patch: unknown): Promise<T> {
    return this.request<T>('PATCH', path, { body: patch, contentType: MERGE_PATCH });
  }

  /** Sends a request and returns the parsed JSON body; throws {@link ApiError} for statuses >= 400. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const query = options.query ?? {};
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const contentType = options.contentType ?? (method === 'PATCH' ? MERGE_PATCH : 'application/json');
    const req = await this.open(method, path, query, {
      accept: options.raw ? '*/*' : 'application/json',
      ...(payload !== undefined ? { 'content-type': contentType, 'content-length': String(Buffer.byteLength(payload)) } : {}),
    });
    const timeout = options.timeoutMs ?? this.options.timeoutMs ?? 30_000;
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        req.destroy(new Error(`${method} ${path} aborted`));
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      req.setTimeout(timeout, () => req.destroy(new Error(`${method} ${path} timed out after ${timeout} ms`)));
      req.on('error', (err) => {
        options.signal?.removeEventListener('abort', onAbort);
        this.account(method, path, query, 0);
        reject(err);
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          options.signal?.removeEventListener('abort', onAbort);
          const status = res.statusCode ?? 0;
          this.account(method, path, query, status);
          const text = Buffer.concat(chunks).toString('utf8');
          if (status >= 400) {
            reject(this.toError(status, text, method, path));
            return;
          }
          if (options.raw) {
            resolve(text as unknown as T);
            return;
          }
          try {
            resolve((text ? JSON.parse(text) : undefined) as T);
          } catch (err) {
            reject(new Error(`${method} ${path}: invalid JSON in response: ${(err as Error).message}`));
          }
        });
      });
      req.end(payload);
    });
  }

  /**
   * Streams a watch: calls `onEvent` for every event until the server ends the stream (resolves) or the request
   * fails (rejects with {@link ApiError}, e.g. 410 when the resourceVersion is too old). Abort with `signal`.
   */
  async watch(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    onEvent: (type: WatchEventType, object: any) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const fullQuery = { ...query, watch: true };
    const req = await this.open('GET', path, fullQuery, { accept: 'application/json' });
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (err?: Error): void => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const onAbort = (): void => {
        req.destroy();
        finish();
      };
      req.on('error', (err) => finish(signal.aborted ? undefined : err));
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        this.account('GET', path, fullQuery, status);
        if (status >= 400) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => finish(this.toError(status, Buffer.concat(chunks).toString('utf8'), 'GET', path)));
          return;
        }
        // No data for 2x the server-side timeout means a dead connection.
        const idleMs = (Number(query.timeoutSeconds) || 300) * 2000;
        req.setTimeout(idleMs, () => req.destroy(new Error(`watch ${path} idle for ${idleMs} ms`)));
        let buffered = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffered += chunk;
          let nl: number;
          while ((nl = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, nl).trim();
            buffered = buffered.slice(nl + 1);
            if (!line) continue;
            let event: { type: WatchEventType; object: unknown };
            try {
              event = JSON.parse(line);
            } catch (err) {
              req.destroy(new Error(`watch ${path}: invalid JSON event: ${(err as Error).message}`));
              return;
            }
            onEvent(event.type, event.object);
          }
        });
        res.on('end', () => finish());
        res.on('error', (err) => finish(signal.aborted ? undefined : err));
      });
      req.end();
    });
  }

  private async open(
    method: string,
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    headers: Record<string, string>,
  ): Promise<http.ClientRequest> {
    const url = new URL(this.base.href.replace(/\/$/, '') + path);
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const auth = await this.access.headers();
    return this.transport.request(url, {
      method,
      agent: this.agent,
      headers: {
        ...auth,
        ...headers,
        'user-agent': this.options.userAgent ?? 'kfws-reconciler',
      },
    });
  }

  private account(
    method: string,
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    status: number,
  ): void {
    if (!this.options.onRequest) return;
    const { group, resource, namespace } = describePath(path);
    this.options.onRequest({ verb: rbacVerb(method, path, query), group, resource, namespace, status });
  }

  private toError(status: number, text: string, method: string, path: string): ApiError {
    let reason = '';
    let message = text.trim() || `HTTP ${status}`;
    try {
      const body = JSON.parse(text) as { reason?: string; message?: string };
      reason = body.reason ?? '';
      message = body.message ?? message;
    } catch {
      // not a Status object: keep the raw text
    }
    return new ApiError(status, reason, `${method} ${path}: ${status} ${message}`, method, path);
  }
}
