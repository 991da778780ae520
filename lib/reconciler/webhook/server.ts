/**
 * The HTTPS server of the admission webhooks, on every replica (the API server calls whichever Pod the Service
 * picks): AdmissionReview v1 over HTTP/1.1, one path per webhook, the serving certificate swappable at run time
 * (rotation), and a graceful stop that refuses new connections and lets the requests in flight finish.
 *
 * It is reachable by anything the NetworkPolicy admits, without authentication (as every admission webhook), so it
 * is bounded (docs/security.md): TLS as Kubernetes' own servers offer it, a body limit checked on the declared length
 * before reading, a budget of body bytes held by all requests together, timeouts for the handshake, headers and
 * request under the registration's timeout, and a cap on open connections. All of them are Node's own server knobs
 * except the byte budget, which Node has no knob for, and the connection cap, whose Node knob (`maxConnections`)
 * drops new connections only, never a stalled old one.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';
import * as tls from 'node:tls';
import { Logger } from '../log';
import { ReconcilerMetrics } from '../metrics';
import { AdmissionReviewError, AdmissionSource, admit, admissionReview, parseAdmissionReview, Verdict } from './admission';
import { KeyPair } from './certificates';
import { DEFAULT_WEBHOOK_SERVER_LIMITS, WEBHOOK_CONNECTIONS_CHECK_MS, WEBHOOKS, WebhookServerLimits } from '../../core/contract/webhooks';

/**
 * TLS 1.2 suites of Kubernetes' components and Go's secure defaults: forward secret (ECDHE) with an AEAD cipher
 * only, so no RSA key exchange and no CBC. TLS 1.3 (whose suites are all forward secret and AEAD) is preferred.
 */
export const WEBHOOK_TLS12_CIPHERS: readonly string[] = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
];
const TLS13_SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];
/** The API server sends a handful of short headers. */
const MAX_HEADER_BYTES = 16 * 1024;
/**
 * How long an idle connection is kept for the API server's next request (Go keeps its side 90 s and retries a
 * request on a connection closed while idle): long enough to save handshakes in a burst, short enough that idle
 * connections do not hold the connection cap.
 */
const KEEP_ALIVE_MS = 10_000;
/** After a refusal that leaves a body unread, how long the connection may take to take the answer before it is cut. */
const LINGER_MS = 1_000;
/**
 * At the connection cap, a connection that has answered nothing for this long (since it opened or since its last
 * answer) gives its slot to a new one. The API server's reviews are answered in milliseconds, so only stalled
 * handshakes, headers and bodies, and idle keep-alive connections, are ever this old.
 */
export const WEBHOOK_STALLED_AFTER_MS = 1_000;

/** An open connection, as the cap sees it. */
interface OpenConnection {
  readonly key: string;
  readonly socket: net.Socket;
  /** When it opened, or when it last had an answer written. */
  lastProgress: number;
}

export interface WebhookServerOptions {
  readonly host: string;
  /** 0 picks a free port (tests); see {@link WebhookServer.port}. */
  readonly port: number;
  readonly certificate: KeyPair;
  readonly source: AdmissionSource;
  readonly log: Logger;
  readonly metrics?: ReconcilerMetrics;
  /** @default DEFAULT_WEBHOOK_SERVER_LIMITS */
  readonly limits?: WebhookServerLimits;
}

export class WebhookServer {
  private readonly server: https.Server;
  private inFlight = 0;
  private idle?: () => void;
  private stopping = false;

  private readonly limits: WebhookServerLimits;
  private readonly budget: BodyBudget;
  /** Open connections by remote address and port, in the order they opened. */
  private readonly connections = new Map<string, OpenConnection>();

  constructor(private readonly options: WebhookServerOptions) {
    const limits = (this.limits = options.limits ?? DEFAULT_WEBHOOK_SERVER_LIMITS);
    this.budget = new BodyBudget(limits.maxBufferedBytes);
    this.server = https.createServer(
      {
        ...tlsOptions(options.certificate),
        ALPNProtocols: ['http/1.1'],
        handshakeTimeout: limits.requestTimeoutMs,
        // Node checks its header and request timeouts only this often; its default 30 s let stalled requests live
        // almost twice as long as their timeout.
        connectionsCheckingInterval: WEBHOOK_CONNECTIONS_CHECK_MS,
        headersTimeout: limits.requestTimeoutMs,
        requestTimeout: limits.requestTimeoutMs,
        keepAliveTimeout: KEEP_ALIVE_MS,
        maxHeaderSize: MAX_HEADER_BYTES,
      },
      (req, res) => void this.handle(req, res),
    );
    // The cap on connections (Node's own `maxConnections` drops every new one at the cap, which lets a client that
    // holds the cap with stalled connections keep the API server out for a whole request timeout).
    this.server.on('connection', (socket: net.Socket) => this.admitConnection(socket));
    this.server.on('tlsClientError', (err) => options.log.debug('webhook TLS handshake failed', { error: err.message }));
    // `Expect: 100-continue` with a body over the limit is refused before the client sends it.
    this.server.on('checkContinue', (req: http.IncomingMessage, res: http.ServerResponse) => {
      if (declaredLength(req) > limits.maxRequestBytes) return void this.handle(req, res);
      res.writeContinue();
      void this.handle(req, res);
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  /** Serves `pair` on new TLS connections from now on (certificate rotation); open connections keep theirs. */
  setCertificate(pair: KeyPair): void {
    this.server.setSecureContext(tlsOptions(pair));
  }

  /**
   * Stops accepting connections, answers the requests in flight, and closes; connections still busy after
   * `drainMs` are cut.
   */
  async stop(drainMs: number): Promise<void> {
    this.stopping = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, drainMs);
        this.idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.server.closeAllConnections();
    await closed;
  }

  /**
   * Counts a new TCP connection against the cap, before any TLS work. At the cap, the connection that has gone
   * longest without an answer gives up its slot, if that is over {@link WEBHOOK_STALLED_AFTER_MS}; otherwise the new
   * one is closed at once. A client holding every slot with stalled connections therefore cannot keep the API server
   * out, and the API server's own connections, answered every few milliseconds in a burst, are the last to go.
   */
  private admitConnection(socket: net.Socket): void {
    if (socket.remoteAddress === undefined) {
      socket.destroy(); // closed already
      return;
    }
    const key = connectionKey(socket);
    if (this.connections.size >= this.limits.maxConnections) {
      const stalled = this.mostStalled(Date.now() - WEBHOOK_STALLED_AFTER_MS);
      if (!stalled) {
        this.options.metrics?.webhookRefusals.inc({ reason: RefusalReason.CONNECTIONS });
        socket.destroy();
        return;
      }
      this.options.metrics?.webhookRefusals.inc({ reason: RefusalReason.EVICTED });
      this.connections.delete(stalled.key);
      stalled.socket.destroy();
    }
    const connection: OpenConnection = { key, socket, lastProgress: Date.now() };
    this.connections.set(key, connection);
    socket.once('close', () => {
      if (this.connections.get(key) === connection) this.connections.delete(key);
    });
  }

  /** The connection with the oldest progress, if it is older than `before`. */
  private mostStalled(before: number): OpenConnection | undefined {
    let oldest: OpenConnection | undefined;
    for (const c of this.connections.values()) {
      if (c.lastProgress < before && (!oldest || c.lastProgress < oldest.lastProgress)) oldest = c;
    }
    return oldest;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.inFlight++;
    res.once('finish', () => {
      const connection = this.connections.get(connectionKey(req.socket));
      if (connection) connection.lastProgress = Date.now();
    });
    const started = process.hrtime.bigint();
    const path = (req.url ?? '/').split('?')[0];
    const webhook = WEBHOOKS.find((w) => w.path === path);
    let verdict = Verdict.ERROR;
    let operation = '';
    try {
      if (this.stopping) res.setHeader('connection', 'close');
      if (!webhook) return plain(res, 404, 'not found\n');
      if (req.method !== 'POST') return plain(res, 405, 'method not allowed: POST an AdmissionReview\n');
      if (declaredLength(req) > this.limits.maxRequestBytes) {
        // Refused on the declared length, before a byte of the body is read. A plain 413: the review's uid is in
        // the body, so no AdmissionReview can answer it; the API server reports the status and this text.
        this.options.metrics?.webhookRefusals.inc({ reason: RefusalReason.TOO_LARGE });
        return refuseAndClose(req, res, 413, tooLarge(this.limits.maxRequestBytes));
      }
      const body = await this.budget.read(req, this.limits.maxRequestBytes);
      const request = parseAdmissionReview(JSON.parse(body.toString('utf8')));
      operation = request.operation;
      const result = await admit(webhook, request, this.options.source);
      verdict = result.verdict;
      if (result.verdict !== Verdict.ALLOWED) {
        this.options.log.info('admission refused', {
          webhook: webhook.name,
          operation,
          object: `${request.namespace ? `${request.namespace}/` : ''}${request.name ?? ''}`,
          code: result.response.status?.code,
          message: result.response.status?.message,
        });
      }
      const payload = JSON.stringify(admissionReview(result.response));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }).end(payload);
    } catch (err) {
      if (err instanceof BodyRefusedError) {
        this.options.metrics?.webhookRefusals.inc({ reason: err.reason });
        if (err.reason === RefusalReason.TIMEOUT) return;
        return refuseAndClose(req, res, err.status, `${err.message}\n`);
      }
      const bad = err instanceof AdmissionReviewError || err instanceof SyntaxError;
      if (!bad) this.options.log.error('admission failed', { webhook: webhook?.name, error: (err as Error).message });
      plain(res, bad ? 400 : 500, `${(err as Error).message}\n`);
    } finally {
      if (webhook) {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        this.options.metrics?.admissionRequests.inc({ webhook: webhook.name, operation, verdict });
        this.options.metrics?.admissionDuration.observe({ webhook: webhook.name }, seconds);
      }
      this.inFlight--;
      if (this.inFlight === 0) this.idle?.();
    }
  }
}

/** The serving certificate with the protocol versions and suites (also for a rotated certificate). */
function tlsOptions(pair: KeyPair): tls.SecureContextOptions {
  return {
    cert: pair.cert,
    key: pair.key,
    minVersion: 'TLSv1.2',
    // Node takes TLS 1.3 suites (TLS_*) and TLS 1.2 ones (OpenSSL names) in the one list.
    ciphers: [...TLS13_SUITES, ...WEBHOOK_TLS12_CIPHERS].join(':'),
  };
}

function plain(res: http.ServerResponse, status: number, text: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(text);
}

/**
 * Answers and closes the connection without reading the rest of the body (Node would otherwise read and discard it
 * to reuse the connection); a client that keeps sending is cut after {@link LINGER_MS}.
 */
function refuseAndClose(req: http.IncomingMessage, res: http.ServerResponse, status: number, text: string): void {
  req.pause();
  if (!res.headersSent) {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), connection: 'close' }).end(text);
  }
  const socket = req.socket;
  res.once('finish', () => socket.setTimeout(LINGER_MS, () => socket.destroy()));
}

/** The remote end of a TCP connection, the same on the raw socket and on the TLS socket wrapping it. */
function connectionKey(socket: net.Socket): string {
  return `${socket.remoteAddress}|${socket.remotePort}`;
}

function declaredLength(req: http.IncomingMessage): number {
  const header = req.headers['content-length'];
  return header === undefined ? 0 : Number(header);
}

function tooLarge(limit: number): string {
  return `request body over the webhook's limit of ${limit} bytes (--webhook-max-request-bytes)\n`;
}

/** Why the server refused a connection or request before deciding it (label of `kfws_webhook_refusals_total`). */
export enum RefusalReason {
  /** The body (declared or received) is over the limit: 413. */
  TOO_LARGE = 'too-large',
  /** Cut off to keep the bytes held by all requests under the budget: 503. */
  BUDGET = 'budget',
  /** The connection closed before the body was complete, mostly by the request timeout. */
  TIMEOUT = 'incomplete',
  /** A new connection past the cap, closed at once (no open one had stalled long enough to give up its slot). */
  CONNECTIONS = 'connections',
  /** An open connection that had answered nothing for a while, closed at the cap to admit a new one. */
  EVICTED = 'evicted',
}

class BodyRefusedError extends Error {
  constructor(
    readonly status: number,
    readonly reason: RefusalReason,
    message: string,
  ) {
    super(message);
  }
}

interface BodyInProgress {
  bytes: number;
  refuse(err: BodyRefusedError): void;
}

/**
 * The request body bytes held by all requests together. When a chunk takes the total over the budget, the bodies
 * holding the most are cut off until it fits again: a flood of slow large bodies loses its largest members, while
 * the API server's reviews (a few KiB each, sent at once) go on being answered.
 */
class BodyBudget {
  private held = 0;
  private readonly bodies = new Set<BodyInProgress>();

  constructor(private readonly maxBytes: number) {}

  read(req: http.IncomingMessage, maxRequestBytes: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      const body: BodyInProgress = {
        bytes: 0,
        refuse: (err) => {
          this.release(body);
          chunks.length = 0;
          req.off('data', onData);
          reject(err);
        },
      };
      this.bodies.add(body);
      const onData = (chunk: Buffer) => {
        if (body.bytes + chunk.length > maxRequestBytes) {
          return body.refuse(new BodyRefusedError(413, RefusalReason.TOO_LARGE, tooLarge(maxRequestBytes).trimEnd()));
        }
        body.bytes += chunk.length;
        this.held += chunk.length;
        chunks.push(chunk);
        while (this.held > this.maxBytes) {
          const largest = [...this.bodies].reduce((a, b) => (b.bytes > a.bytes ? b : a));
          largest.refuse(new BodyRefusedError(503, RefusalReason.BUDGET, `the webhook holds ${this.maxBytes} bytes of request bodies at most (--webhook-max-buffered-bytes); this request was the largest in progress; retry`));
        }
      };
      req.on('data', onData);
      req.on('end', () => {
        if (!this.bodies.has(body)) return;
        this.release(body);
        resolve(Buffer.concat(chunks));
      });
      // Closed or reset before the end: by the client, or by the request timeout (Node has answered 408 then).
      const incomplete = () => {
        if (this.bodies.has(body)) body.refuse(new BodyRefusedError(408, RefusalReason.TIMEOUT, 'connection closed before the body was complete'));
      };
      req.on('error', incomplete);
      req.on('close', incomplete);
    });
  }

  private release(body: BodyInProgress): void {
    if (!this.bodies.delete(body)) return;
    this.held -= body.bytes;
  }
}
