/**
 * The webhook's decisions (AdmissionReview in, API-server-shaped Status out), its HTTPS server (routing, malformed
 * requests, graceful stop with a request in flight, certificate swap) and the certificates it issues. Decisions on
 * the real API server: webhook.cluster.test.ts.
 */
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as tls from 'node:tls';
import * as os from 'node:os';
import * as path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { WorkspaceKindObject, WorkspaceObject } from '../../lib/core/api';
import { parseConfig } from '../../lib/core/contract/flags';
import { Logger, LogLevel } from '../../lib/reconciler/log';
import { metricValue, ReconcilerMetrics } from '../../lib/reconciler/metrics';
import { admit, AdmissionRequest, AdmissionSource, Verdict } from '../../lib/reconciler/webhook/admission';
import { FileCertificates } from '../../lib/reconciler/webhook/cert-keeper';
import { certificateFacts, issueCertificates, KeyPair, serialNumberHex } from '../../lib/reconciler/webhook/certificates';
import { WORKSPACE_WEBHOOK, WORKSPACEKIND_WEBHOOK, WebhookServerLimits } from '../../lib/core/contract/webhooks';
import { RefusalReason, WEBHOOK_STALLED_AFTER_MS, WebhookServer } from '../../lib/reconciler/webhook/server';
import { compareResourceVersions, readReservations, RESERVATION_TTL_MS, RESERVATIONS_ANNOTATION, writeReservations } from '../../lib/reconciler/webhook/reservations';
import { ReservationRequest } from '../../lib/reconciler/webhook/reserver';
import { kind, NS, workspace } from './helpers';

function source(kinds: WorkspaceKindObject[], workspaces: WorkspaceObject[] = [], synced = true): AdmissionSource {
  return {
    synced,
    kind: async (name) => kinds.find((k) => k.metadata.name === name),
    workspacesOfKind: (name) => workspaces.filter((w) => w.spec?.kind === name),
    reserve: async (r) => r.check(kinds.find((k) => k.metadata.name === r.kindName)),
    workspacesCaughtUp: async () => true,
    identity: async () => 'system:serviceaccount:kfws:controller',
    now: () => Date.now(),
  };
}

function request(operation: string, object?: unknown, oldObject?: unknown): AdmissionRequest {
  return { uid: 'req-1', operation, object, oldObject, name: (object ?? oldObject as any)?.metadata?.name, namespace: NS };
}

describe('admission decisions', () => {
  const k = kind();
  const kindName = k.metadata.name;

  it('refuses with 503 ServiceUnavailable until the caches have synced (fail closed)', async () => {
    const r = await admit(WORKSPACE_WEBHOOK, request('CREATE', workspace()), source([k], [], false));
    expect(r.verdict).toBe(Verdict.ERROR);
    expect(r.response).toEqual({
      uid: 'req-1',
      allowed: false,
      status: { status: 'Failure', code: 503, reason: 'ServiceUnavailable', message: expect.stringContaining('caches of Workspaces and WorkspaceKinds have not synced yet') },
    });
  });

  it('allows a valid Workspace, and answers with the request uid', async () => {
    expect(await admit(WORKSPACE_WEBHOOK, request('CREATE', workspace()), source([k]))).toEqual({ response: { uid: 'req-1', allowed: true }, verdict: Verdict.ALLOWED });
  });

  it('a Workspace of an unknown Kind: 422 Invalid with one cause at spec.kind', async () => {
    const r = await admit(WORKSPACE_WEBHOOK, request('CREATE', workspace((w) => (w.spec.kind = 'nope'))), source([k]));
    expect(r.verdict).toBe(Verdict.DENIED);
    expect(r.response.status).toEqual({
      status: 'Failure',
      code: 422,
      reason: 'Invalid',
      message: 'Workspace.kubeflow.org "jupyterlab-workspace" is invalid: spec.kind: Invalid value: "nope": workspace kind "nope" not found',
      details: { name: 'jupyterlab-workspace', group: 'kubeflow.org', kind: 'Workspace', causes: [{ reason: 'FieldValueInvalid', field: 'spec.kind', message: 'Invalid value: "nope": workspace kind "nope" not found' }] },
    });
  });

  it('several violations are listed in brackets, in the webhook\'s order', async () => {
    const ws = workspace((w) => {
      w.spec.podTemplate.options.imageConfig = 'x';
      w.spec.podTemplate.options.podConfig = 'y';
    });
    const r = await admit(WORKSPACE_WEBHOOK, request('CREATE', ws), source([k]));
    expect(r.response.status?.message).toBe(
      `Workspace.kubeflow.org "jupyterlab-workspace" is invalid: [spec.podTemplate.options.imageConfig: Invalid value: "x": imageConfig with id "x" not found in workspace kind "${kindName}"; expected one of its imageConfig ids: "jupyterlab_scipy_180", "jupyterlab_scipy_190", spec.podTemplate.options.podConfig: Invalid value: "y": podConfig with id "y" not found in workspace kind "${kindName}"; expected one of its podConfig ids: "tiny_cpu", "big_gpu", "small_cpu"]`,
    );
    expect(r.response.status?.details?.causes?.map((c) => c.field)).toEqual(['spec.podTemplate.options.imageConfig', 'spec.podTemplate.options.podConfig']);
  });

  it('a Kind lookup that fails is an internal error at spec.kind', async () => {
    const failing: AdmissionSource = { ...source([]), kind: async () => Promise.reject(new Error('connection refused')) };
    const r = await admit(WORKSPACE_WEBHOOK, request('CREATE', workspace()), failing);
    expect(r.response.status?.message).toContain('spec.kind: Internal error: connection refused');
    expect(r.response.status?.details?.causes?.[0].reason).toBe('InternalError');
  });

  it('a Workspace update that changes nothing the webhook checks is allowed without a Kind', async () => {
    const old = workspace();
    const paused = workspace((w) => (w.spec.paused = true));
    expect((await admit(WORKSPACE_WEBHOOK, request('UPDATE', paused, old), source([]))).verdict).toBe(Verdict.ALLOWED);
    const other = workspace((w) => (w.spec.podTemplate.options.podConfig = 'missing'));
    expect((await admit(WORKSPACE_WEBHOOK, request('UPDATE', other, old), source([k]))).response.status?.message).toContain('podConfig with id "missing" not found');
  });

  it('removing an option in use (usage from the cache) is refused; an unused one is allowed', async () => {
    const used = workspace((w) => (w.spec.podTemplate.options.podConfig = 'small_cpu'));
    const without = kind((x) => (x.spec.podTemplate.options.podConfig.values = x.spec.podTemplate.options.podConfig.values.filter((v: any) => v.id !== 'small_cpu')));
    const refused = await admit(WORKSPACEKIND_WEBHOOK, request('UPDATE', without, k), source([k], [used]));
    expect(refused.response.status?.message).toContain('podConfig value "small_cpu" is in use and cannot be removed');
    expect(refused.response.status?.details?.causes?.[0].field).toBe('spec.podTemplate.options.podConfig.values[small_cpu]');
    expect((await admit(WORKSPACEKIND_WEBHOOK, request('UPDATE', without, k), source([k], []))).verdict).toBe(Verdict.ALLOWED);
  });

  it('deleting a Kind: 409 while its status or the cache counts Workspaces or its finalizer is set; allowed otherwise', async () => {
    const counted = kind((x) => (x.status = { workspaces: 2 }));
    const r = await admit(WORKSPACEKIND_WEBHOOK, request('DELETE', undefined, counted), source([counted]));
    expect(r.response.status).toEqual({
      status: 'Failure',
      code: 409,
      reason: 'Conflict',
      message: `Operation cannot be fulfilled on WorkspaceKind.kubeflow.org "${kindName}": WorkspaceKind is used by 2 workspace(s)`,
      details: { name: kindName, group: 'kubeflow.org', kind: 'WorkspaceKind' },
    });
    const unprotected = kind((x) => (x.metadata.finalizers = []));
    const cachedOnly = await admit(WORKSPACEKIND_WEBHOOK, request('DELETE', undefined, unprotected), source([unprotected], [workspace()]));
    expect(cachedOnly.response.status?.message).toContain('WorkspaceKind is used by 1 workspace(s)');
    expect((await admit(WORKSPACEKIND_WEBHOOK, request('DELETE', undefined, kind()), source([]))).verdict).toBe(Verdict.DENIED);
    expect((await admit(WORKSPACEKIND_WEBHOOK, request('DELETE', undefined, unprotected), source([]))).verdict).toBe(Verdict.ALLOWED);
  });
});

describe('option reservations (the option-removal race)', () => {
  const OWN = 'system:serviceaccount:kfws:controller';
  const now = Date.now();
  const withBook = (entries: object[], seen = '') => kind((x) => (x.metadata.annotations = { [RESERVATIONS_ANNOTATION]: writeReservations({ seen, entries: entries as any }) }));
  const reservation = (over: object = {}) => ({ uid: 'ws-uid-1', workspace: `${NS}/racing`, podConfig: 'small_cpu', imageConfig: 'jupyterlab_scipy_180', expires: now + 60_000, ...over });
  const withoutSmall = (base: any) => {
    const copy = JSON.parse(JSON.stringify(base));
    copy.spec.podTemplate.options.podConfig.values = copy.spec.podTemplate.options.podConfig.values.filter((v: any) => v.id !== 'small_cpu');
    return copy;
  };
  const as = (username: string, req: AdmissionRequest): AdmissionRequest => ({ ...req, userInfo: { username } });

  function recording(kinds: WorkspaceKindObject[], extra: Partial<AdmissionSource> = {}): { src: AdmissionSource; reserved: ReservationRequest[] } {
    const reserved: ReservationRequest[] = [];
    const src = { ...source(kinds), ...extra, reserve: async (r: ReservationRequest) => {
      reserved.push(r);
      return r.check(kinds.find((k) => k.metadata.name === r.kindName));
    } };
    return { src, reserved };
  }

  it('the annotation round-trips, and an unreadable one is an empty book', () => {
    const book = { seen: '812', entries: [reservation(), reservation({ uid: 'u2', imageConfig: undefined })] };
    expect(readReservations(withBook(book.entries, '812'))).toEqual(book);
    expect(readReservations(kind((x) => (x.metadata.annotations = { [RESERVATIONS_ANNOTATION]: '{oops' })))).toEqual({ seen: '', entries: [] });
    expect(readReservations(kind())).toEqual({ seen: '', entries: [] });
    expect(compareResourceVersions('99', '100')).toBe(-1);
    expect(compareResourceVersions('100', '100')).toBe(0);
    expect(compareResourceVersions('12345678901234567890', '9')).toBe(1);
    expect(compareResourceVersions('abc', '1')).toBeNaN();
  });

  it('a Workspace create is admitted only once its options are reserved on its kind; dry runs reserve nothing', async () => {
    const k = kind();
    const { src, reserved } = recording([k]);
    expect((await admit(WORKSPACE_WEBHOOK, request('CREATE', workspace()), src)).verdict).toBe(Verdict.ALLOWED);
    expect(reserved.map((r) => [r.kindName, r.reservation])).toEqual([[k.metadata.name, { uid: workspace().metadata.uid, workspace: `${NS}/jupyterlab-workspace`, imageConfig: 'jupyterlab_scipy_190', podConfig: 'tiny_cpu' }]]);
    await admit(WORKSPACE_WEBHOOK, { ...request('CREATE', workspace()), dryRun: true }, src);
    // refused on the cached kind: nothing to reserve
    await admit(WORKSPACE_WEBHOOK, request('CREATE', workspace((w) => (w.spec.podTemplate.options.podConfig = 'gone'))), src);
    expect(reserved).toHaveLength(1);
  });

  it('the reservation is checked against the kind it lands on: an option removed meanwhile refuses the Workspace', async () => {
    const k = kind();
    const src: AdmissionSource = { ...source([k]), reserve: async (r) => r.check(withoutSmall(k)) };
    const r = await admit(WORKSPACE_WEBHOOK, request('CREATE', workspace((w) => (w.spec.podTemplate.options.podConfig = 'small_cpu'))), src);
    expect(r.verdict).toBe(Verdict.DENIED);
    expect(r.response.status?.message).toContain('podConfig with id "small_cpu" not found');
  });

  it('updates reserve only when they move the Workspace to other options (pausing, relabelling do not)', async () => {
    const k = kind();
    const { src, reserved } = recording([k]);
    const old = workspace();
    await admit(WORKSPACE_WEBHOOK, request('UPDATE', workspace((w) => (w.spec.paused = true)), old), src);
    await admit(WORKSPACE_WEBHOOK, request('UPDATE', workspace((w) => (w.spec.podTemplate.podMetadata = { labels: { a: 'b' } })), old), src);
    expect(reserved).toHaveLength(0);
    await admit(WORKSPACE_WEBHOOK, request('UPDATE', workspace((w) => (w.spec.podTemplate.options.podConfig = 'small_cpu')), old), src);
    expect(reserved.map((r) => r.reservation.podConfig)).toEqual(['small_cpu']);
  });

  it('a kind update cannot remove an option reserved by a Workspace being admitted; expired reservations do not count', async () => {
    const k = withBook([reservation()]);
    const r = await admit(WORKSPACEKIND_WEBHOOK, as('admin', request('UPDATE', withoutSmall(k), k)), source([k]));
    expect(r.verdict).toBe(Verdict.DENIED);
    expect(r.response.status?.message).toContain('podConfig value "small_cpu" is in use and cannot be removed');
    const expired = withBook([reservation({ expires: now - 1 })]);
    expect((await admit(WORKSPACEKIND_WEBHOOK, as('admin', request('UPDATE', withoutSmall(expired), expired)), source([expired]))).verdict).toBe(Verdict.ALLOWED);
    expect(RESERVATION_TTL_MS).toBeGreaterThan(60_000);
  });

  it('a Workspace in the cache whose reservation is still live is counted once, on delete and on update', async () => {
    const ws = workspace();
    const own = reservation({ uid: ws.metadata.uid, workspace: `${NS}/${ws.metadata.name}`, imageConfig: ws.spec.podTemplate.options.imageConfig, podConfig: ws.spec.podTemplate.options.podConfig });
    const k = withBook([own, reservation({ uid: 'other-uid', workspace: `${NS}/racing` })]);
    const del = await admit(WORKSPACEKIND_WEBHOOK, request('DELETE', undefined, k), source([k], [ws]));
    expect(del.response.status?.code).toBe(409);
    expect(del.response.status?.message).toContain('WorkspaceKind is used by 2 workspace(s)');
    const onlyOwn = withBook([own]);
    const del1 = await admit(WORKSPACEKIND_WEBHOOK, request('DELETE', undefined, onlyOwn), source([onlyOwn], [ws]));
    expect(del1.response.status?.message).toContain('WorkspaceKind is used by 1 workspace(s)');
    // an option change in flight: the cached Workspace still has its old options, so the reserved one counts too
    const moving = withBook([{ ...own, podConfig: 'small_cpu' }]);
    const upd = await admit(WORKSPACEKIND_WEBHOOK, as('admin', request('UPDATE', withoutSmall(moving), moving)), source([moving], [ws]));
    expect(upd.verdict).toBe(Verdict.DENIED);
  });

  it('only the webhook\'s own identity may drop live reservations; others get 409 naming the Workspaces', async () => {
    const k = withBook([reservation()]);
    const dropped = kind((x) => (x.spec.spawner.displayName = 'renamed'));
    const r = await admit(WORKSPACEKIND_WEBHOOK, as('admin', request('UPDATE', dropped, k)), source([k]));
    expect(r.response.status).toMatchObject({ code: 409, reason: 'Conflict' });
    expect(r.response.status?.message).toContain(`holds the options of Workspaces being admitted right now (${NS}/racing)`);
    const cleared = withBook([], '900');
    expect((await admit(WORKSPACEKIND_WEBHOOK, as(OWN, request('UPDATE', cleared, k)), source([k]))).verdict).toBe(Verdict.ALLOWED);
    // keeping them (kubectl apply, a merge patch) is fine for anyone
    const kept = withBook([reservation()]);
    kept.spec.spawner.displayName = 'renamed';
    expect((await admit(WORKSPACEKIND_WEBHOOK, as('admin', request('UPDATE', kept, k)), source([k]))).verdict).toBe(Verdict.ALLOWED);
  });

  it('a kind update waits for the Workspace cache to catch up with cleared reservations, and fails closed if it does not', async () => {
    const k = withBook([], '900');
    const behind = { ...source([k]), workspacesCaughtUp: async (rv: string) => compareResourceVersions('850', rv) >= 0 };
    const r = await admit(WORKSPACEKIND_WEBHOOK, as('admin', request('UPDATE', withoutSmall(k), k)), behind);
    expect(r.response.status).toMatchObject({ code: 503, reason: 'ServiceUnavailable' });
    expect(r.response.status?.message).toContain('cache of Workspaces is behind');
  });

  it('a kind cannot be deleted while Workspaces are being admitted into it', async () => {
    const k = withBook([reservation()]);
    k.metadata.finalizers = [];
    const r = await admit(WORKSPACEKIND_WEBHOOK, request('DELETE', undefined, k), source([k]));
    expect(r.response.status).toMatchObject({ code: 409, message: expect.stringContaining('WorkspaceKind is used by 1 workspace(s)') });
  });
});

describe('certificates', () => {
  it('issues a CA and a serving certificate for DNS names and IPs, signed by the CA, valid for the requested time', async () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const { ca, serving } = await issueCertificates({ hosts: ['svc.ns.svc', 'svc.ns.svc.cluster.local', '127.0.0.1'], validityMs: 3600_000, caCommonName: 'test CA', now });
    const facts = certificateFacts(serving.cert);
    expect(facts.hosts).toEqual(['svc.ns.svc', 'svc.ns.svc.cluster.local', '127.0.0.1']);
    expect(facts.issuedBy(ca.cert)).toBe(true);
    expect(facts.issuedBy(serving.cert)).toBe(false);
    expect(facts.notAfter.toISOString()).toBe('2030-01-01T01:00:00.000Z');
    const x = new X509Certificate(ca.cert);
    expect(x.ca).toBe(true);
    expect(new X509Certificate(serving.cert).ca).toBe(false);
    // OpenSSL reads both strictly (a CA it cannot read would be left out of a trust store without an error)
    expect(() => tls.createSecureContext({ cert: ca.cert, key: ca.key })).not.toThrow();
    expect(() => tls.createSecureContext({ cert: serving.cert, key: serving.key })).not.toThrow();
  });

  it('serial numbers are positive and minimal in DER whatever the random bytes (a zero or high first byte included)', () => {
    for (const first of [0x00, 0x01, 0x7f, 0x80, 0xff]) {
      const random = Buffer.alloc(16, 0xab);
      random[0] = first;
      const serial = Buffer.from(serialNumberHex(random), 'hex');
      expect({ first, length: serial.length, positive: serial[0] < 0x80, minimal: serial[0] !== 0 }).toEqual({ first, length: 16, positive: true, minimal: true });
      expect(serial.subarray(1)).toEqual(random.subarray(1));
    }
  });
});

function post(port: number, ca: string, path: string, body: unknown, method = 'POST'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = typeof body === 'string' ? body : JSON.stringify(body);
    const req = https.request({ host: '127.0.0.1', port, path, method, ca, agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

describe('webhook server', () => {
  let certs: { ca: KeyPair; serving: KeyPair };
  const log = new Logger(LogLevel.ERROR, {}, () => undefined);
  const review = (operation: string, object: unknown) => ({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u-1', operation, object } });

  beforeAll(async () => {
    certs = await issueCertificates({ hosts: ['127.0.0.1'], validityMs: 3600_000, caCommonName: 'test CA' });
  });

  it('answers AdmissionReviews on the webhook paths, 400 for malformed ones, 404/405 otherwise, and counts requests', async () => {
    const metrics = new ReconcilerMetrics({ queueDepth: () => undefined, workspacesByState: () => undefined });
    const server = new WebhookServer({ host: '127.0.0.1', port: 0, certificate: certs.serving, source: source([kind()]), log, metrics });
    await server.listen();
    try {
      const ok = await post(server.port, certs.ca.cert, WORKSPACE_WEBHOOK.path, review('CREATE', workspace()));
      expect(ok.status).toBe(200);
      expect(JSON.parse(ok.body)).toEqual({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'u-1', allowed: true } });
      const denied = await post(server.port, certs.ca.cert, WORKSPACE_WEBHOOK.path, review('CREATE', workspace((w) => (w.spec.kind = 'gone'))));
      expect(JSON.parse(denied.body).response.allowed).toBe(false);
      expect((await post(server.port, certs.ca.cert, WORKSPACE_WEBHOOK.path, '{not json')).status).toBe(400);
      expect((await post(server.port, certs.ca.cert, WORKSPACE_WEBHOOK.path, { kind: 'Pod' })).status).toBe(400);
      expect((await post(server.port, certs.ca.cert, '/other', review('CREATE', {}))).status).toBe(404);
      expect((await post(server.port, certs.ca.cert, WORKSPACE_WEBHOOK.path, '', 'GET')).status).toBe(405);
      expect(await metricValue(metrics.admissionRequests, { webhook: 'vworkspace.kb.io', operation: 'CREATE', verdict: 'allowed' })).toBe(1);
      expect(await metricValue(metrics.admissionRequests, { webhook: 'vworkspace.kb.io', operation: 'CREATE', verdict: 'denied' })).toBe(1);
      expect(await metrics.registry.render()).toContain('kfws_admission_duration_seconds_count{webhook="vworkspace.kb.io"} 5');
    } finally {
      await server.stop(1000);
    }
  });

  it('graceful stop: a request in flight is answered, new connections are refused', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const slow: AdmissionSource = {
      ...source([kind()]),
      kind: async (name) => {
        entered();
        await gate;
        return name === kind().metadata.name ? kind() : undefined;
      },
    };
    const server = new WebhookServer({ host: '127.0.0.1', port: 0, certificate: certs.serving, source: slow, log });
    await server.listen();
    const port = server.port;
    const inFlight = post(port, certs.ca.cert, WORKSPACE_WEBHOOK.path, review('CREATE', workspace()));
    await inside;
    const stopped = server.stop(5000);
    await expect(post(port, certs.ca.cert, WORKSPACE_WEBHOOK.path, review('CREATE', workspace()))).rejects.toThrow(/ECONNREFUSED/);
    release();
    const answered = await inFlight;
    expect(answered.status).toBe(200);
    expect(JSON.parse(answered.body).response.allowed).toBe(true);
    await stopped;
  });

  it('serves a new certificate on new connections after setCertificate (rotation)', async () => {
    const next = await issueCertificates({ hosts: ['127.0.0.1'], validityMs: 3600_000, caCommonName: 'next CA' });
    const server = new WebhookServer({ host: '127.0.0.1', port: 0, certificate: certs.serving, source: source([kind()]), log });
    await server.listen();
    try {
      server.setCertificate(next.serving);
      expect((await post(server.port, next.ca.cert, WORKSPACE_WEBHOOK.path, review('CREATE', workspace()))).status).toBe(200);
      await expect(post(server.port, certs.ca.cert, WORKSPACE_WEBHOOK.path, review('CREATE', workspace()))).rejects.toThrow();
    } finally {
      await server.stop(1000);
    }
  });
});

describe('certificates from files (cert-manager\'s Secret, mounted)', () => {
  it('loads tls.crt and tls.key, picks up a renewed pair, and keeps serving the last good one when the files are bad', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfws-certs-'));
    const write = (pair: KeyPair) => {
      fs.writeFileSync(path.join(dir, 'tls.crt'), pair.cert);
      fs.writeFileSync(path.join(dir, 'tls.key'), pair.key);
    };
    const errors: string[] = [];
    const log = new Logger(LogLevel.ERROR, {}, (line) => errors.push(line));
    try {
      const first = await issueCertificates({ hosts: ['127.0.0.1'], validityMs: 3600_000, caCommonName: 'first' });
      write(first.serving);
      const source = new FileCertificates(dir, 50, log);
      expect(await source.start()).toEqual(first.serving);
      const changes: KeyPair[] = [];
      source.watch((pair) => changes.push(pair));
      const second = await issueCertificates({ hosts: ['127.0.0.1'], validityMs: 3600_000, caCommonName: 'second' });
      write(second.serving);
      await waitFor(() => changes.length === 1);
      expect(changes[0]).toEqual(second.serving);
      fs.writeFileSync(path.join(dir, 'tls.crt'), 'not a certificate');
      await waitFor(() => errors.length > 0);
      expect(changes).toHaveLength(1);
      source.stop();
      await expect(new FileCertificates(path.join(dir, 'missing'), 50, log).start()).rejects.toThrow(/webhook certificate: cannot read .*missing\/tls.crt/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A raw TLS connection to the webhook: what an attacker in the cluster can send. */
class RawClient {
  readonly socket: tls.TLSSocket;
  received = '';
  readonly connected: Promise<void>;
  readonly closed: Promise<string>;

  constructor(port: number, extra: tls.ConnectionOptions = {}) {
    this.socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...extra });
    this.connected = new Promise((resolve, reject) => {
      this.socket.once('secureConnect', () => resolve());
      this.socket.once('error', reject);
      this.socket.once('close', () => reject(new Error('closed before the handshake')));
    });
    this.socket.on('data', (d: Buffer) => (this.received += d.toString('latin1')));
    this.socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve(this.received)));
    this.connected.catch(() => undefined);
  }

  head(length: number | 'chunked', path = WORKSPACE_WEBHOOK.path): void {
    const framing = length === 'chunked' ? 'Transfer-Encoding: chunked' : `Content-Length: ${length}`;
    this.socket.write(`POST ${path} HTTP/1.1\r\nHost: webhook\r\nContent-Type: application/json\r\n${framing}\r\n\r\n`);
  }
}

const status = (raw: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);

describe('webhook server limits (bodies, timeouts, connections, TLS)', () => {
  let certs: { ca: KeyPair; serving: KeyPair };
  const log = new Logger(LogLevel.ERROR, {}, () => undefined);
  const review = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u-1', operation: 'CREATE', object: workspace() } };
  let server: WebhookServer;
  let metrics: ReconcilerMetrics;

  beforeAll(async () => {
    certs = await issueCertificates({ hosts: ['127.0.0.1'], validityMs: 3600_000, caCommonName: 'test CA' });
  });

  async function start(limits: Partial<WebhookServerLimits> = {}): Promise<number> {
    metrics = new ReconcilerMetrics({ queueDepth: () => undefined, workspacesByState: () => undefined });
    const all = { maxRequestBytes: 3 << 20, maxBufferedBytes: 32 << 20, maxConnections: 256, requestTimeoutMs: 5_000, ...limits };
    server = new WebhookServer({ host: '127.0.0.1', port: 0, certificate: certs.serving, source: source([kind()]), log, metrics, limits: all });
    await server.listen();
    return server.port;
  }

  afterEach(async () => server?.stop(100));

  it('a declared Content-Length over the limit gets 413 and a closed connection before any of the body is sent', async () => {
    const port = await start();
    const c = new RawClient(port);
    await c.connected;
    c.head(8 * 1024 * 1024);
    const answer = await c.closed;
    expect(status(answer)).toBe(413);
    expect(answer).toContain('request body over the webhook\'s limit of 3145728 bytes (--webhook-max-request-bytes)');
    expect(await metricValue(metrics.webhookRefusals, { reason: RefusalReason.TOO_LARGE })).toBe(1);
    // a review at the limit's scale is still answered
    expect((await post(port, certs.ca.cert, WORKSPACE_WEBHOOK.path, review)).status).toBe(200);
  });

  it('a chunked body is cut off with 413 as soon as it passes the limit', async () => {
    const port = await start({ maxRequestBytes: 64 * 1024 });
    const c = new RawClient(port);
    await c.connected;
    c.head('chunked');
    const piece = 'x'.repeat(16 * 1024);
    for (let i = 0; i < 5 && !c.socket.destroyed; i++) c.socket.write(`${piece.length.toString(16)}\r\n${piece}\r\n`);
    const answer = await c.closed;
    expect(status(answer)).toBe(413);
    expect(await metricValue(metrics.webhookRefusals, { reason: RefusalReason.TOO_LARGE })).toBe(1);
  });

  it('a body that stalls is answered 408 and closed within the request timeout plus the 0.5 s check interval', async () => {
    const port = await start({ requestTimeoutMs: 600 });
    const c = new RawClient(port);
    await c.connected;
    const started = Date.now();
    c.head(1000);
    c.socket.write('{"apiVersion":');
    const answer = await c.closed;
    const elapsed = Date.now() - started;
    expect(status(answer)).toBe(408);
    expect(elapsed).toBeGreaterThanOrEqual(550);
    expect(elapsed).toBeLessThan(600 + 500 + 400);
  });

  it('headers that never end, and a TLS handshake that never starts, are closed by the same timeout', async () => {
    const port = await start({ requestTimeoutMs: 600 });
    const c = new RawClient(port);
    await c.connected;
    c.socket.write('POST / HTTP/1.1\r\nHost: x\r\n');
    const plainTcp = await import('node:net').then((net) => net.connect(port, '127.0.0.1'));
    const tcpClosed = new Promise<void>((resolve) => plainTcp.once('close', () => resolve()));
    plainTcp.on('error', () => undefined);
    const started = Date.now();
    await Promise.all([c.closed, tcpClosed]);
    expect(Date.now() - started).toBeLessThan(600 + 500 + 400);
  });

  it('slow bodies together hold at most the byte budget: the largest in progress is cut off with 503, reviews go on being answered', async () => {
    const port = await start({ maxRequestBytes: 256 * 1024, maxBufferedBytes: 512 * 1024 });
    const slow = [0, 1, 2].map(() => new RawClient(port));
    await Promise.all(slow.map((c) => c.connected));
    for (const c of slow) c.head(250 * 1024);
    // 200 KiB each: the third takes the total over 512 KiB, and one of the largest is cut
    for (const c of slow) {
      c.socket.write('x'.repeat(200 * 1024));
      await new Promise((r) => setTimeout(r, 50));
    }
    const cut = await Promise.race(slow.map((c) => c.closed));
    expect(status(cut)).toBe(503);
    expect(cut).toContain('--webhook-max-buffered-bytes');
    expect(await metricValue(metrics.webhookRefusals, { reason: RefusalReason.BUDGET })).toBe(1);
    const ok = await post(port, certs.ca.cert, WORKSPACE_WEBHOOK.path, review);
    expect(ok.status).toBe(200);
    for (const c of slow) c.socket.destroy();
  });

  it('connections over the cap are closed at once, without a handshake, and counted; freed slots serve again', async () => {
    const port = await start({ maxConnections: 3 });
    const held = [0, 1, 2].map(() => new RawClient(port));
    await Promise.all(held.map((c) => c.connected));
    const started = Date.now();
    const extra = new RawClient(port);
    await expect(extra.connected).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(500);
    expect(await metricValue(metrics.webhookRefusals, { reason: RefusalReason.CONNECTIONS })).toBe(1);
    held[0].socket.destroy();
    await held[0].closed;
    await new Promise((r) => setTimeout(r, 50));
    expect((await post(port, certs.ca.cert, WORKSPACE_WEBHOOK.path, review)).status).toBe(200);
    for (const c of held) c.socket.destroy();
  });

  it('at the cap, a new connection takes the slot of the one stalled longest (over 1 s without an answer), so stalled connections cannot keep reviews out', async () => {
    const port = await start({ maxConnections: 3 });
    // one connection that was answered a moment ago, two that stall in their headers
    const answered = new RawClient(port);
    await answered.connected;
    const stalled = [new RawClient(port), new RawClient(port)];
    await Promise.all(stalled.map((c) => c.connected));
    for (const c of stalled) c.socket.write('POST /validate-kubeflow-org-v1beta1-workspace HTTP/1.1\r\nHost: webhook\r\n');
    await new Promise((r) => setTimeout(r, WEBHOOK_STALLED_AFTER_MS + 200));
    const body = JSON.stringify(review);
    answered.socket.write(`POST ${WORKSPACE_WEBHOOK.path} HTTP/1.1\r\nHost: webhook\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    for (let i = 0; i < 100 && status(answered.received) !== 200; i++) await new Promise((r) => setTimeout(r, 20));
    expect(status(answered.received)).toBe(200);
    // a review on a new connection is answered: the oldest stalled one gave up its slot
    const started = Date.now();
    expect((await post(port, certs.ca.cert, WORKSPACE_WEBHOOK.path, review)).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await stalled[0].closed).toBe('');
    expect(stalled[1].socket.destroyed).toBe(false);
    expect(answered.socket.destroyed).toBe(false);
    expect(await metricValue(metrics.webhookRefusals, { reason: RefusalReason.EVICTED })).toBe(1);
    expect(await metricValue(metrics.webhookRefusals, { reason: RefusalReason.CONNECTIONS })).toBe(0);
    for (const c of [answered, ...stalled]) c.socket.destroy();
  });

  it('TLS: 1.3, and 1.2 only with ECDHE and AEAD; RSA key exchange, CBC and TLS 1.1 handshakes fail', async () => {
    const port = await start();
    const handshake = async (options: tls.ConnectionOptions): Promise<string> => {
      const c = new RawClient(port, options);
      try {
        await c.connected;
        return `${c.socket.getProtocol()} ${c.socket.getCipher().name}`;
      } catch {
        return 'refused';
      } finally {
        c.socket.destroy();
      }
    };
    const tls12 = (ciphers: string) => handshake({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers });
    expect(await handshake({})).toBe('TLSv1.3 TLS_AES_128_GCM_SHA256');
    expect(await handshake({ minVersion: 'TLSv1.3', ciphers: 'TLS_CHACHA20_POLY1305_SHA256' })).toMatch(/^TLSv1.3 /);
    expect(await tls12('ECDHE-RSA-AES128-GCM-SHA256')).toBe('TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256');
    expect(await tls12('ECDHE-RSA-AES256-GCM-SHA384')).toBe('TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384');
    expect(await tls12('ECDHE-RSA-CHACHA20-POLY1305')).toBe('TLSv1.2 ECDHE-RSA-CHACHA20-POLY1305');
    // no forward secrecy (RSA key exchange), with and without an AEAD cipher
    for (const suite of ['AES128-SHA', 'AES256-SHA', 'AES128-SHA256', 'AES256-SHA256', 'AES128-GCM-SHA256', 'AES256-GCM-SHA384']) {
      expect([suite, await tls12(suite)]).toEqual([suite, 'refused']);
    }
    // forward secret, but CBC
    expect(await tls12('ECDHE-RSA-AES128-SHA')).toBe('refused');
    expect(await tls12('DHE-RSA-AES128-GCM-SHA256')).toBe('refused');
    expect(await handshake({ minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' })).toBe('refused');
  });

  it('a rotated certificate keeps the same protocol versions and suites', async () => {
    const port = await start();
    const next = await issueCertificates({ hosts: ['127.0.0.1'], validityMs: 3600_000, caCommonName: 'next CA' });
    server.setCertificate(next.serving);
    const c = new RawClient(port, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'AES256-GCM-SHA384' });
    await expect(c.connected).rejects.toThrow();
    expect((await post(port, next.ca.cert, WORKSPACE_WEBHOOK.path, review)).status).toBe(200);
  });
});

describe('webhook flags', () => {
  it('self-managed certificates need the Secret, the configuration and the hosts; files need a folder', () => {
    expect(() => parseConfig(['--webhook-port=9443'], {})).toThrow('--webhook-certificates=self-managed needs --webhook-secret, --webhook-configuration, --webhook-hosts');
    expect(() => parseConfig(['--webhook-port=9443', '--webhook-certificates=files'], {})).toThrow('needs --webhook-cert-dir');
    expect(() => parseConfig(['--webhook-port=9443', '--webhook-certificates=files', '--webhook-cert-dir=/c', '--webhook-cert-check-interval=0'], {})).toThrow('--webhook-cert-check-interval must be at least 1s');
    expect(() => parseConfig(['--webhook-port=70000', '--webhook-certificates=files', '--webhook-cert-dir=/c'], {})).toThrow('--webhook-port is 70000; expected a port up to 65535');
    expect(() => parseConfig(['--webhook-certificates=vault'], {})).toThrow('--webhook-certificates: expected self-managed or files, got "vault"');
    const c = parseConfig(['--webhook-port=9443', '--webhook-secret=s', '--webhook-configuration=v', '--webhook-hosts=a.ns.svc, a.ns.svc.cluster.local'], {});
    expect(c.webhookHosts).toEqual(['a.ns.svc', 'a.ns.svc.cluster.local']);
    expect(() => parseConfig(['--webhook-port=9443', '--webhook-secret=s', '--webhook-configuration=v', '--webhook-hosts=a', '--webhook-cert-validity=1h', '--webhook-cert-renew-before=2h'], {})).toThrow('--webhook-cert-renew-before must be shorter');
  });

  it('server limits: sizes with Ki/Mi/Gi, defaults of 3 MiB per body, 16 MiB in all, 256 connections and 5 s', () => {
    const files = ['--webhook-port=9443', '--webhook-certificates=files', '--webhook-cert-dir=/c'];
    const d = parseConfig(files, {});
    expect([d.webhookMaxRequestBytes, d.webhookMaxBufferedBytes, d.webhookMaxConnections, d.webhookRequestTimeoutMs]).toEqual([3 * 1024 * 1024, 16 * 1024 * 1024, 256, 5000]);
    const c = parseConfig([...files, '--webhook-max-request-bytes=512Ki', '--webhook-max-buffered-bytes=1Gi', '--webhook-max-connections=10', '--webhook-request-timeout=2500ms'], {});
    expect([c.webhookMaxRequestBytes, c.webhookMaxBufferedBytes, c.webhookMaxConnections, c.webhookRequestTimeoutMs]).toEqual([512 * 1024, 1024 ** 3, 10, 2500]);
    expect(parseConfig(files, { RECONCILER_WEBHOOK_MAX_REQUEST_BYTES: '4194304' }).webhookMaxRequestBytes).toBe(4194304);
    expect(() => parseConfig([...files, '--webhook-max-request-bytes=3MB'], {})).toThrow('--webhook-max-request-bytes: invalid size "3MB": use a number of bytes, or e.g. 512Ki, 3Mi, 1Gi');
    expect(() => parseConfig([...files, '--webhook-max-request-bytes=1Ki'], {})).toThrow('expected at least 64Ki');
    expect(() => parseConfig([...files, '--webhook-max-buffered-bytes=1Mi'], {})).toThrow('--webhook-max-buffered-bytes (1048576) is under --webhook-max-request-bytes (3145728)');
    expect(() => parseConfig([...files, '--webhook-max-connections=0'], {})).toThrow('--webhook-max-connections must be at least 1');
    expect(() => parseConfig([...files, '--webhook-request-timeout=31s'], {})).toThrow('--webhook-request-timeout is 31000ms; expected 100ms to 30s');
  });
});
