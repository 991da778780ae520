/**
 * The HTTPS server of the admission webhooks, on every replica (the API server calls whichever Pod the Service
 * picks): AdmissionReview v1 over HTTP/1.1, one path per webhook, the serving certificate swappable at run time
 * (rotation), and a graceful stop that refuses new connections and lets the requests in flight finish.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { Logger } from '../log';
import { ReconcilerMetrics } from '../metrics';
import { AdmissionReviewError, AdmissionSource, admit, admissionReview, parseAdmissionReview, Verdict } from './admission';
import { KeyPair } from './certificates';
import { WEBHOOKS } from '../../core/contract/webhooks';

/** AdmissionReviews carry the new and the old object, each up to etcd's 1.5 MiB limit. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface WebhookServerOptions {
  readonly host: string;
  /** 0 picks a free port (tests); see {@link WebhookServer.port}. */
  readonly port: number;
  readonly certificate: KeyPair;
  readonly source: AdmissionSource;
  readonly log: Logger;
  readonly metrics?: ReconcilerMetrics;
}

export class WebhookServer {
  private readonly server: https.Server;
  private inFlight = 0;
  private idle?: () => void;
  private stopping = false;

  constructor(private readonly options: WebhookServerOptions) {
    this.server = https.createServer(
      { ...tlsOf(options.certificate), minVersion: 'TLSv1.2', ALPNProtocols: ['http/1.1'] },
      (req, res) => void this.handle(req, res),
    );
    this.server.keepAliveTimeout = 30_000;
    this.server.requestTimeout = 30_000;
    this.server.headersTimeout = 10_000;
    this.server.on('tlsClientError', (err) => options.log.debug('webhook TLS handshake failed', { error: err.message }));
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
    this.server.setSecureContext({ ...tlsOf(pair), minVersion: 'TLSv1.2' });
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

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.inFlight++;
    const started = process.hrtime.bigint();
    const path = (req.url ?? '/').split('?')[0];
    const webhook = WEBHOOKS.find((w) => w.path === path);
    let verdict = Verdict.ERROR;
    let operation = '';
    try {
      if (this.stopping) res.setHeader('connection', 'close');
      if (!webhook) return plain(res, 404, 'not found\n');
      if (req.method !== 'POST') return plain(res, 405, 'method not allowed: POST an AdmissionReview\n');
      const body = await readBody(req);
      const request = parseAdmissionReview(JSON.parse(body));
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
      const bad = err instanceof AdmissionReviewError || err instanceof SyntaxError || err instanceof BodyTooLargeError;
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

function tlsOf(pair: KeyPair): { cert: string; key: string } {
  return { cert: pair.cert, key: pair.key };
}

function plain(res: http.ServerResponse, status: number, text: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(text);
}

class BodyTooLargeError extends Error {}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLargeError(`request body over ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
