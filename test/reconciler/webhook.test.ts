/**
 * The webhook's decisions (AdmissionReview in, API-server-shaped Status out), its HTTPS server (routing, malformed
 * requests, graceful stop with a request in flight, certificate swap) and the certificates it issues. Decisions on
 * the real API server: webhook.cluster.test.ts.
 */
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { WorkspaceKindObject, WorkspaceObject } from '../../lib/core/api';
import { parseConfig } from '../../lib/core/contract/flags';
import { Logger, LogLevel } from '../../lib/reconciler/log';
import { metricValue, ReconcilerMetrics } from '../../lib/reconciler/metrics';
import { admit, AdmissionRequest, AdmissionSource, Verdict } from '../../lib/reconciler/webhook/admission';
import { FileCertificates } from '../../lib/reconciler/webhook/cert-keeper';
import { certificateFacts, issueCertificates, KeyPair } from '../../lib/reconciler/webhook/certificates';
import { WORKSPACE_WEBHOOK, WORKSPACEKIND_WEBHOOK } from '../../lib/core/contract/webhooks';
import { WebhookServer } from '../../lib/reconciler/webhook/server';
import { kind, NS, workspace } from './helpers';

function source(kinds: WorkspaceKindObject[], workspaces: WorkspaceObject[] = [], synced = true): AdmissionSource {
  return {
    synced,
    kind: async (name) => kinds.find((k) => k.metadata.name === name),
    workspacesOfKind: (name) => workspaces.filter((w) => w.spec?.kind === name),
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
});
