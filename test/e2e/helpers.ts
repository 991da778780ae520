/**
 * Helpers of the end-to-end suites (test/e2e): REST paths from the API server's discovery, server-side apply,
 * field paths of API errors and of our violations in one notation, and the reconciler bundle as a child process.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { ClusterConnection } from '../cluster/connection';
import { KubeResponse } from '../cluster/control-plane';

export const ROOT = path.join(__dirname, '..', '..');

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
}

interface ResourceInfo {
  readonly name: string;
  readonly namespaced: boolean;
}

/** apiVersion + kind to REST paths, from the API server's discovery documents (as kubectl's RESTMapper does). */
export class RestMapper {
  private readonly groupVersions = new Map<string, Promise<Map<string, ResourceInfo>>>();

  constructor(private readonly cluster: ClusterConnection) {}

  async resource(apiVersion: string, kind: string): Promise<ResourceInfo> {
    let gv = this.groupVersions.get(apiVersion);
    if (!gv) {
      gv = this.discover(apiVersion);
      this.groupVersions.set(apiVersion, gv);
      gv.catch(() => this.groupVersions.delete(apiVersion));
    }
    const info = (await gv).get(kind);
    if (!info) throw new Error(`the API server serves no kind ${kind} in ${apiVersion}`);
    return info;
  }

  /** `/api/v1/namespaces/ns/services` or `/apis/g/v/plural` (the collection of the object). */
  async collectionPath(obj: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): Promise<string> {
    const { name, namespaced } = await this.resource(obj.apiVersion, obj.kind);
    const prefix = obj.apiVersion.includes('/') ? `/apis/${obj.apiVersion}` : `/api/${obj.apiVersion}`;
    if (namespaced && !obj.metadata.namespace) throw new Error(`${obj.kind} ${obj.metadata.name} has no namespace`);
    return namespaced ? `${prefix}/namespaces/${obj.metadata.namespace}/${name}` : `${prefix}/${name}`;
  }

  async objectPath(obj: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): Promise<string> {
    return `${await this.collectionPath(obj)}/${obj.metadata.name}`;
  }

  private async discover(apiVersion: string): Promise<Map<string, ResourceInfo>> {
    const p = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const r = await this.cluster.request(p);
    if (r.status !== 200) throw new Error(`discovery ${p}: HTTP ${r.status} ${r.body.slice(0, 200)}`);
    const out = new Map<string, ResourceInfo>();
    for (const res of r.json.resources as { name: string; kind: string; namespaced: boolean }[]) {
      if (!res.name.includes('/')) out.set(res.kind, { name: res.name, namespaced: res.namespaced });
    }
    return out;
  }
}

export interface ApplyOptions {
  readonly fieldManager: string;
  /** `dryRun=All`: admission and validation run, nothing is stored. */
  readonly dryRun?: boolean;
  /** Take over fields owned by other managers (the shared control plane is used by other suites too). */
  readonly force?: boolean;
}

/** Server-side apply (`PATCH application/apply-patch+yaml`) with strict field validation. */
export async function serverSideApply(cluster: ClusterConnection, mapper: RestMapper, obj: KubeObject, opts: ApplyOptions): Promise<KubeResponse> {
  const query = new URLSearchParams({ fieldManager: opts.fieldManager, fieldValidation: 'Strict' });
  if (opts.dryRun) query.set('dryRun', 'All');
  if (opts.force) query.set('force', 'true');
  // JSON is YAML: the body is sent as JSON with the apply-patch content type
  return cluster.request(`${await mapper.objectPath(obj)}?${query}`, { method: 'PATCH', body: obj, contentType: 'application/apply-patch+yaml' });
}

/** The `details.causes` of an API error (field `<nil>` where the API server has no field path). */
export function causes(r: KubeResponse): { field: string; message: string; reason: string }[] {
  return (r.json?.details?.causes ?? []).map((c: any) => ({ field: c.field ?? '<nil>', message: c.message ?? '', reason: c.reason ?? '' }));
}

/**
 * A field path in list-index notation: list items named by their key (the webhook's `values[tiny_cpu]`,
 * `ports[jupyterlab]`, `extraEnv[NB_PREFIX]`) are replaced by their index in `obj` (`values[2]`), so that paths
 * of our violations and of the API server's errors compare as strings. Other paths are returned unchanged.
 */
export function toIndexPath(fieldPath: string, obj: unknown): string {
  const tokens = fieldPath.match(/[^.[\]]+|\[[^\]]*\]/g);
  if (!tokens) return fieldPath;
  let cur: any = obj;
  let out = '';
  for (const t of tokens) {
    if (t.startsWith('[')) {
      const key = t.slice(1, -1);
      let index = /^\d+$/.test(key) ? Number(key) : -1;
      if (index < 0 && Array.isArray(cur)) {
        index = cur.findIndex((item: any) => [item?.id, item?.name, item?.mountPath, item?.key].includes(key));
      }
      out += index >= 0 ? `[${index}]` : t;
      cur = Array.isArray(cur) && index >= 0 ? cur[index] : undefined;
    } else {
      out += out ? `.${t}` : t;
      cur = cur !== null && typeof cur === 'object' ? cur[t] : undefined;
    }
  }
  return out;
}

export async function eventually<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** What the controller needs to run against a cluster: the CRDs, Namespaces, ServiceAccounts and RBAC. */
const CONTROLLER_ACCESS_KINDS = new Set(['CustomResourceDefinition', 'Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);

/**
 * Applies (server-side, in order) the objects of `objects` that give the controller its access — CRDs, Namespaces,
 * ServiceAccounts, RBAC; not the Deployment, which tests run themselves, nor the webhook registration — and waits for
 * each CRD to be Established.
 */
export async function applyControllerAccess(cluster: ClusterConnection, objects: readonly KubeObject[], fieldManager: string): Promise<void> {
  const mapper = new RestMapper(cluster);
  for (const o of objects.filter((x) => CONTROLLER_ACCESS_KINDS.has(x.kind))) {
    const r = await serverSideApply(cluster, mapper, o, { fieldManager, force: true });
    if (r.status !== 200 && r.status !== 201) throw new Error(`${o.kind} ${o.metadata.name}: HTTP ${r.status} ${r.body.slice(0, 300)}`);
    if (o.kind === 'CustomResourceDefinition') {
      await eventually(`CRD ${o.metadata.name} Established`, async () =>
        (await cluster.request(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${o.metadata.name}`)).json?.status?.conditions?.some(
          (c: any) => c.type === 'Established' && c.status === 'True',
        ),
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// the reconciler bundle as a child process

/**
 * Builds the reconciler bundle exactly as `npm run build:reconciler` does (scripts/build-reconciler.mjs), into `dir`
 * (`--outfile`): always from the current sources, and out of the way of `cdk8s synth`, which empties its output
 * folder. Returns the bundle's path.
 */
export function buildBundle(dir: string): string {
  const outfile = path.join(dir, 'reconciler.js');
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-reconciler.mjs'), '--outfile', outfile], { stdio: 'pipe', cwd: ROOT });
  if (!fs.existsSync(outfile)) throw new Error(`scripts/build-reconciler.mjs did not write ${outfile}`);
  return outfile;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = http.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** GET http://127.0.0.1:PORT/PATH, its status and body (5 s timeout). */
export function httpGet(port: number, p: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: p, timeout: 5_000 }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject)
      .on('timeout', function (this: http.ClientRequest) {
        this.destroy(new Error('timeout'));
      });
  });
}

/** Prometheus text: the sum of the samples of `name` whose labels include `labels`. */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[4]);
  }
  return sum;
}

export interface BundleOptions {
  /** Replica name: `POD_NAME` (the Lease identity is `<name>_<random>`) and the log prefix. */
  readonly name: string;
  readonly kubeconfig: string;
  /** Lease namespace (`POD_NAMESPACE`). */
  readonly namespace: string;
  /** More flags, e.g. `--leader-election-id=x`, `--lease-duration=8s` (health and metrics ports, 127.0.0.1 and
   * `--culling=false` are set). */
  readonly args?: readonly string[];
}

/** How a child process ended. */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A child process whose stdout and stderr are kept as lines (JSON logs parsed on demand), and its exit. */
export class LoggedChild {
  readonly lines: string[] = [];
  readonly exited: Promise<ChildExit>;
  exit?: ChildExit;
  private partial = '';

  constructor(readonly child: ChildProcess) {
    const collect = (chunk: Buffer): void => {
      this.partial += chunk.toString('utf8');
      const parts = this.partial.split('\n');
      this.partial = parts.pop() ?? '';
      this.lines.push(...parts.filter((l) => l.trim() !== ''));
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      }),
    );
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Parsed log lines (non-JSON lines are kept as `{ msg: <line> }`). */
  logs(): Record<string, any>[] {
    return this.lines.map((l) => {
      try {
        return JSON.parse(l);
      } catch {
        return { msg: l };
      }
    });
  }

  /** The last log lines, for failure messages. */
  tail(n = 30): string {
    return this.lines.slice(-n).join('\n');
  }
}

/** One reconciler process: `node dist/reconciler/reconciler.js`, its logs (JSON lines), health and metrics. */
export class ReconcilerProcess extends LoggedChild {
  static async start(bundle: string, opts: BundleOptions): Promise<ReconcilerProcess> {
    const [health, metrics] = [await freePort(), await freePort()];
    const args = [
      bundle,
      `--kubeconfig=${opts.kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--health-port=${health}`,
      `--metrics-port=${metrics}`,
      '--culling=false',
      ...(opts.args ?? []),
    ];
    const env: NodeJS.ProcessEnv = { ...process.env, POD_NAME: opts.name, POD_NAMESPACE: opts.namespace };
    for (const k of Object.keys(env)) if (/^(https?_proxy|all_proxy|kubeconfig)$/i.test(k)) delete env[k];
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    return new ReconcilerProcess(opts.name, child, health, metrics);
  }

  private constructor(
    readonly name: string,
    child: ChildProcess,
    readonly healthPort: number,
    readonly metricsPort: number,
  ) {
    super(child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The Lease identity it logged (`<name>_<random>`), once it logged `starting`. */
  identity(): string | undefined {
    return this.logs().find((l) => l.msg === 'starting')?.identity;
  }

  async ready(): Promise<boolean> {
    return (await httpGet(this.healthPort, '/readyz').catch(() => ({ status: 0 }))).status === 200;
  }

  async metrics(): Promise<string> {
    const r = await httpGet(this.metricsPort, '/metrics');
    if (r.status !== 200) throw new Error(`${this.name} /metrics: HTTP ${r.status}`);
    return r.body;
  }

  /** Sends `signal` to exactly this process and waits for its exit. */
  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) this.child.kill(signal);
    return this.exited;
  }

  /** Stops it (SIGTERM, SIGKILL after 10 s) if still running; for afterAll/finally. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGCONT'); // in case a test left it stopped
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}
