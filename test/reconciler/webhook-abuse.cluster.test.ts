/**
 * The webhook under attack, on a real kube-apiserver (a control plane of this suite's own): two replicas behind a
 * round-robin balancer, as in webhook.cluster.test.ts, with a 2 s request timeout and 64 connections per replica.
 * All attack traffic goes to 127.0.0.1, bounded in count and time.
 *
 *  - the option-removal race, many rounds through the API server: a Workspace created on an option while a patch
 *    removes it from the kind, a Workspace moved to an option while it is removed, a Workspace created in a kind
 *    being deleted; never a Workspace on an option (or kind) that no longer exists;
 *  - oversized bodies, declared (413 before reading) and actual (chunked: 413 at the limit; past a declared
 *    length: never read), slow bodies (closed by the request timeout) and many connections (the excess closed at once, or
 *    taking the slot of a connection stalled for over a second) while the API server's reviews go on being answered;
 *  - the TLS versions and suites offered;
 *  - the second line: a Workspace stored without the webhook on a missing option is in state Error naming it, with
 *    one Warning Event and the kfws_workspaces_on_missing_options metric.
 */
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { ClusterConnection, describeCluster } from '../cluster/connection';
import { ControlPlane } from '../cluster/control-plane';
import { metricValue } from '../../lib/reconciler/metrics';
import { RESERVATIONS_ANNOTATION } from '../../lib/reconciler/webhook/reservations';
import { RefusalReason } from '../../lib/reconciler/webhook/server';
import { Api, controllerKind, controllerWorkspace, eventually, paths, suffix } from './cluster-helpers';
import { RoundRobinBalancer, startTwoReplicaPlane, startWebhookReplica, WebhookReplica } from './webhook-helpers';

const TIMEOUT_MS = 180_000;
const CONTROLLER_NS = 'kfws-abuse';
const NS = 'team-abuse';
const SECRET = 'webhook-cert';
const VWC = 'kubeflow-workspaces-webhook-abuse';
const REQUEST_TIMEOUT_MS = 2_000;
const MAX_CONNECTIONS = 64;
/** Objects with this label bypass the webhooks (objectSelector): the "webhook not registered" case. */
const UNCHECKED = 'kfws-test/unchecked';
const ROUNDS = 30;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const podValues = (k: any): any[] => k.spec.podTemplate.options.podConfig.values;
const status = (raw: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);

/** A raw TLS connection, as an attacker in the cluster opens one. */
function attacker(port: number, options: tls.ConnectionOptions = {}): { socket: tls.TLSSocket; connected: Promise<boolean>; closed: Promise<string> } {
  const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...options });
  let received = '';
  socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
  socket.on('error', () => undefined);
  const connected = new Promise<boolean>((resolve) => {
    socket.once('secureConnect', () => resolve(true));
    socket.once('close', () => resolve(false));
  });
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(received)));
  return { socket, connected, closed };
}

describeCluster('the webhook under attack: the option-removal race with two replicas, slow and oversized bodies, many connections, TLS offers', () => {
  let cp: ControlPlane;
  let api: Api;
  let balancer: RoundRobinBalancer;
  const replicas: WebhookReplica[] = [];
  const ports: number[] = [];
  const id = suffix();

  const createWorkspace = (w: any, dryRun = false) => cp.request(`${paths.workspaces(NS)}${dryRun ? '?dryRun=All' : ''}`, { method: 'POST', body: w });

  /** A fresh kind, in the caches of both replicas (as a kind created a while ago would be). */
  async function freshKind(name: string): Promise<any> {
    const k = controllerKind(name);
    const r = await cp.request(paths.kinds, { method: 'POST', body: k });
    expect([r.status, r.body.slice(0, 300)]).toEqual([201, expect.anything()]);
    await eventually(`kind ${name} in both caches`, async () => replicas.every((x) => x.manager.caches.kinds.get(name)));
    return k;
  }

  /** Stored Workspaces whose kind is gone or lacks their podConfig. */
  async function strandedWorkspaces(kindNames: readonly string[]): Promise<string[]> {
    const out: string[] = [];
    for (const ws of await api.list(paths.workspaces(NS))) {
      if (!kindNames.includes(ws.spec.kind)) continue;
      const k = await api.get(paths.kind(ws.spec.kind));
      const option = ws.spec.podTemplate.options.podConfig;
      if (!k || k.metadata.deletionTimestamp) out.push(`${ws.metadata.name}: kind ${ws.spec.kind} ${k ? 'being deleted' : 'gone'}`);
      else if (!podValues(k).some((v) => v.id === option)) out.push(`${ws.metadata.name}: podConfig ${option} missing from kind ${ws.spec.kind}`);
    }
    return out;
  }

  beforeAll(async () => {
    const plane = await startTwoReplicaPlane({ controllerNamespace: CONTROLLER_NS, namespace: NS, secretName: SECRET, configurationName: VWC, objectSelector: { matchExpressions: [{ key: UNCHECKED, operator: 'DoesNotExist' }] } });
    ({ cp, api, balancer } = plane);
    const { token } = plane;
    ports.push(...plane.ports);
    const cluster: ClusterConnection = cp;
    const overrides = { webhookRequestTimeoutMs: REQUEST_TIMEOUT_MS, webhookMaxConnections: MAX_CONNECTIONS };
    for (const port of ports) {
      replicas.push(await startWebhookReplica(cluster, token, { namespace: CONTROLLER_NS, secretName: SECRET, configurationName: VWC, port, leaseName: 'kfws-abuse', overrides }));
    }
    await eventually('a leader', async () => replicas.some((r) => r.manager.isLeader));
    // the CA bundle is in place once a Workspace is decided by the webhook
    await eventually('the webhook answering', async () => (await createWorkspace(controllerWorkspace('probe', 'missing-kind'), true)).status === 422);
  }, TIMEOUT_MS);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.manager.stop()));
    await balancer?.stop();
    await cp?.stop();
  }, TIMEOUT_MS);

  describe('the option-removal race, through the API server with two replicas', () => {
    const kinds: string[] = [];

    it(`create vs removal, ${ROUNDS} rounds: never a Workspace stored on a removed option; each side wins some rounds`, async () => {
      const outcomes = { workspace: 0, removal: 0, neither: 0 };
      for (let i = 0; i < ROUNDS; i++) {
        const name = `race-c-${i}-${id}`;
        kinds.push(name);
        const k = await freshKind(name);
        const without = podValues(k).filter((v) => v.id !== 'small_cpu');
        const offset = (i % 3) * 4; // the create first, at once, or the removal first
        const [ws, removal] = await Promise.all([
          sleep(offset).then(() => createWorkspace(controllerWorkspace(`ws-${name}`, name, (w) => (w.spec.podTemplate.options.podConfig = 'small_cpu')))),
          sleep(8 - offset).then(() => api.patch(paths.kind(name), { spec: { podTemplate: { options: { podConfig: { values: without } } } } })),
        ]);
        expect([ws.status, removal.status].every((s) => [200, 201, 409, 422].includes(s))).toBe(true);
        if (ws.status === 201 && removal.status === 200) throw new Error(`round ${i}: both admitted`);
        if (ws.status === 201) outcomes.workspace++;
        else if (removal.status === 200) outcomes.removal++;
        else outcomes.neither++;
      }
      expect(await strandedWorkspaces(kinds)).toEqual([]);
      expect(outcomes.workspace).toBeGreaterThan(0);
      expect(outcomes.removal).toBeGreaterThan(0);
    }, TIMEOUT_MS);

    it(`option change vs removal, ${ROUNDS} rounds: a Workspace moved to an option is never left on it once removed`, async () => {
      const kindName = `race-u-${id}`;
      kinds.push(kindName);
      for (let i = 0; i < ROUNDS; i++) {
        const name = `ws-u-${i}-${id}`;
        const k = i === 0 ? await freshKind(kindName) : await api.get(paths.kind(kindName));
        const values = podValues(controllerKind(kindName));
        // small_cpu back in the kind, the Workspace on tiny_cpu and in both caches
        if (!podValues(k).some((v) => v.id === 'small_cpu')) {
          await api.patchOk(paths.kind(kindName), { spec: { podTemplate: { options: { podConfig: { values } } } } });
        }
        expect((await createWorkspace(controllerWorkspace(name, kindName))).status).toBe(201);
        await eventually('the Workspace in both caches', async () => replicas.every((x) => x.manager.caches.workspaces.get(`${NS}/${name}`)));
        const offset = (i % 3) * 4;
        const [move, removal] = await Promise.all([
          sleep(offset).then(() => api.patch(paths.workspace(NS, name), { spec: { podTemplate: { options: { podConfig: 'small_cpu' } } } })),
          sleep(8 - offset).then(() => api.patch(paths.kind(kindName), { spec: { podTemplate: { options: { podConfig: { values: values.filter((v) => v.id !== 'small_cpu') } } } } })),
        ]);
        if (move.status === 200 && removal.status === 200) throw new Error(`round ${i}: both admitted`);
        expect(await strandedWorkspaces([kindName])).toEqual([]);
        expect(await api.del(paths.workspace(NS, name))).toBe(200);
        await eventually('the Workspace gone from both caches', async () => replicas.every((x) => !x.manager.caches.workspaces.get(`${NS}/${name}`)));
      }
    }, TIMEOUT_MS);

    it(`create vs kind delete, ${ROUNDS} rounds: never a Workspace stored in a deleted kind`, async () => {
      const deleted: string[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const name = `race-d-${i}-${id}`;
        deleted.push(name);
        await freshKind(name);
        const offset = (i % 3) * 4;
        await Promise.all([
          sleep(offset).then(() => createWorkspace(controllerWorkspace(`ws-${name}`, name))),
          sleep(8 - offset).then(() => api.del(paths.kind(name))),
        ]);
      }
      expect(await strandedWorkspaces(deleted)).toEqual([]);
    }, TIMEOUT_MS);

    it('reservations were written and are cleared once the Workspaces are cached', async () => {
      let written = 0;
      for (const r of replicas) written += await metricValue(r.manager.metrics.reservationWrites, { result: 'written' });
      expect(written).toBeGreaterThan(ROUNDS);
      await eventually('every reservation cleared', async () => {
        for (const name of kinds) {
          const k = await api.get(paths.kind(name));
          const book = k?.metadata.annotations?.[RESERVATIONS_ANNOTATION];
          if (book && JSON.parse(book).r.length > 0) return false;
        }
        return true;
      });
    }, TIMEOUT_MS);
  });

  describe('bodies, timeouts and connections', () => {
    /**
     * Admitted dry-run creates through the API server while the attack runs: all answered (how fast is measured by
     * `npm run bench:webhook`, not by a timed test).
     */
    async function reviewsDuring<T>(attack: Promise<T>): Promise<{ answered: number; slowestMs: number; result: T }> {
      const kindName = `abuse-${suffix()}`;
      await freshKind(kindName);
      let done = false;
      let answered = 0;
      let slowestMs = 0;
      const reviews = (async () => {
        for (let i = 0; !done || i < 10; i++) {
          const started = Date.now();
          const r = await createWorkspace(controllerWorkspace(`abuse-${i}`, kindName), true);
          expect([r.status, r.body.slice(0, 200)]).toEqual([201, expect.anything()]);
          slowestMs = Math.max(slowestMs, Date.now() - started);
          answered++;
          await sleep(50);
        }
      })();
      const result = await attack;
      done = true;
      await reviews;
      return { answered, slowestMs, result };
    }

    it('60 connections declaring 8 MiB bodies get 413 before sending any, while reviews are answered', async () => {
      const { result, answered } = await reviewsDuring(Promise.all(Array.from({ length: 60 }, async () => {
        const a = attacker(balancer.port);
        if (!(await a.connected)) return 0;
        a.socket.write('POST /validate-kubeflow-org-v1beta1-workspace HTTP/1.1\r\nHost: webhook\r\nContent-Type: application/json\r\nContent-Length: 8388608\r\n\r\n');
        return status(await a.closed);
      })));
      expect(result.filter((s) => s === 413).length).toBeGreaterThanOrEqual(55);
      expect(answered).toBeGreaterThanOrEqual(10);
    }, TIMEOUT_MS);

    it('bodies over the limit that declare no length (chunked) are cut off at the limit with 413, while reviews are answered', async () => {
      const refused = async (reason: RefusalReason) => metricValue(replicas[0].manager.metrics.webhookRefusals, { reason });
      const reasons = [RefusalReason.TOO_LARGE, RefusalReason.BUDGET, RefusalReason.TIMEOUT];
      const before = await Promise.all(reasons.map(refused));
      const chunk = Buffer.alloc(256 * 1024, 'x');
      const frame = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
      // four bodies (12 MiB in all, under the 16 MiB budget) to one replica
      const { result, answered } = await reviewsDuring(Promise.all(Array.from({ length: 4 }, async () => {
        const a = attacker(ports[0]);
        if (!(await a.connected)) return { status: 0, sent: 0 };
        a.socket.write('POST /validate-kubeflow-org-v1beta1-workspace HTTP/1.1\r\nHost: webhook\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
        // 8 MiB offered, as fast as the socket takes it; the server stops reading at 3 MiB
        let sent = 0;
        for (let i = 0; i < 32 && !a.socket.destroyed; i++) {
          if (!a.socket.write(frame)) await Promise.race([new Promise((r) => a.socket.once('drain', r)), a.closed]);
          sent += chunk.length;
        }
        return { status: status(await a.closed), sent };
      })));
      expect(result.filter((r) => r.sent > 0).length).toBe(4);
      const [tooLarge, budget, incomplete] = (await Promise.all(reasons.map(refused))).map((n, i) => n - before[i]);
      // every body was cut: at the limit, or (on a machine slow enough to take 2 s for 3 MiB) by the request timeout
      expect(tooLarge + budget + incomplete).toBe(4);
      expect(tooLarge).toBeGreaterThanOrEqual(1);
      // those that read the answer before the reset saw the 413
      expect(result.every((r) => [413, 503, 408, 0].includes(r.status))).toBe(true);
      expect(answered).toBeGreaterThanOrEqual(10);
    }, TIMEOUT_MS);

    it('a body longer than its declared length is read up to the declared length only (the rest is a bad next request)', async () => {
      const a = attacker(ports[0]);
      expect(await a.connected).toBe(true);
      a.socket.write('POST /validate-kubeflow-org-v1beta1-workspace HTTP/1.1\r\nHost: webhook\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n');
      a.socket.write(Buffer.alloc(4 * 1024 * 1024, 'x'));
      const raw = await Promise.race([a.closed, sleep(REQUEST_TIMEOUT_MS + 2_000).then(() => 'still open')]);
      a.socket.destroy();
      // the 16 bytes are not an AdmissionReview (400); the rest does not parse as a request (400, closed)
      expect(raw === '' || status(raw) === 400).toBe(true);
    }, TIMEOUT_MS);

    it('60 connections trickling bodies under the limit are closed by the request timeout, while reviews are answered', async () => {
      const started = Date.now();
      const { result, answered } = await reviewsDuring(Promise.all(Array.from({ length: 60 }, async () => {
        const a = attacker(balancer.port);
        if (!(await a.connected)) return { status: 0, ms: 0 };
        a.socket.write('POST /validate-kubeflow-org-v1beta1-workspace HTTP/1.1\r\nHost: webhook\r\nContent-Type: application/json\r\nContent-Length: 3000000\r\n\r\n');
        const timer = setInterval(() => a.socket.write('x'.repeat(16 * 1024)), 200);
        const raw = await a.closed;
        clearInterval(timer);
        return { status: status(raw), ms: Date.now() - started };
      })));
      // Node answers 408 and closes; the client, still sending, mostly sees the reset instead of the answer
      expect(result.filter((r) => r.ms > 0).length).toBeGreaterThanOrEqual(55);
      expect(Math.max(...result.map((r) => r.ms))).toBeLessThan(REQUEST_TIMEOUT_MS + 2_000);
      expect(answered).toBeGreaterThanOrEqual(10);
      let cut = 0;
      for (const r of replicas) cut += await metricValue(r.manager.metrics.webhookRefusals, { reason: RefusalReason.TIMEOUT });
      expect(cut).toBeGreaterThanOrEqual(55);
    }, TIMEOUT_MS);

    it(`${MAX_CONNECTIONS * 3} connections to one replica: never more than ${MAX_CONNECTIONS} open; stalled past 1 s they give way to a review on a new connection; all closed by the timeout`, async () => {
      const port = ports[0];
      const refusals = (reason: RefusalReason) => metricValue(replicas[0].manager.metrics.webhookRefusals, { reason });
      const [dropped0, evicted0] = [await refusals(RefusalReason.CONNECTIONS), await refusals(RefusalReason.EVICTED)];
      const flood = Array.from({ length: MAX_CONNECTIONS * 3 }, () => attacker(port));
      const connected = await Promise.all(flood.map((a) => a.connected));
      const started = Date.now();
      // each stalls in its headers
      flood.forEach((a, i) => connected[i] && a.socket.write('POST /validate-kubeflow-org-v1beta1-workspace HTTP/1.1\r\nHost: webhook\r\n'));
      const [dropped, evicted] = [(await refusals(RefusalReason.CONNECTIONS)) - dropped0, (await refusals(RefusalReason.EVICTED)) - evicted0];
      // every connection past the cap was refused at once, or took the slot of one stalled for over a second
      expect(dropped + evicted).toBeGreaterThanOrEqual(MAX_CONNECTIONS * 2);
      expect(connected.filter(Boolean).length).toBeLessThanOrEqual(MAX_CONNECTIONS + evicted);
      await sleep(1_200);
      const review = JSON.stringify({
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        request: { uid: `direct-${id}`, operation: 'CREATE', namespace: NS, name: 'direct', dryRun: true, object: controllerWorkspace('direct', 'missing-kind') },
      });
      const answer = await new Promise<number>((resolve) => {
        const req = https.request({ host: '127.0.0.1', port, path: '/validate-kubeflow-org-v1beta1-workspace', method: 'POST', rejectUnauthorized: false, timeout: REQUEST_TIMEOUT_MS,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(review) } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('timeout', () => req.destroy());
        req.on('error', () => resolve(0));
        req.end(review);
      });
      expect(answer).toBe(200);
      await Promise.all(flood.map((a) => a.closed));
      expect(Date.now() - started).toBeLessThan(REQUEST_TIMEOUT_MS + 1_500);
      const { answered } = await reviewsDuring(Promise.resolve());
      expect(answered).toBeGreaterThanOrEqual(10);
    }, TIMEOUT_MS);

    it('a TCP connection that never starts its TLS handshake is closed by the request timeout', async () => {
      const socket = net.connect(ports[1], '127.0.0.1');
      socket.on('error', () => undefined);
      const started = Date.now();
      await new Promise((r) => socket.once('close', r));
      expect(Date.now() - started).toBeLessThan(REQUEST_TIMEOUT_MS + 1_500);
    }, TIMEOUT_MS);

    it('TLS: 1.3, and 1.2 with ECDHE and AEAD only; the RSA key-exchange suites, CBC and TLS 1.1 are refused', async () => {
      const offer = async (options: tls.ConnectionOptions) => {
        const a = attacker(balancer.port, options);
        const ok = await a.connected;
        const agreed = ok ? `${a.socket.getProtocol()} ${a.socket.getCipher().name}` : 'refused';
        a.socket.destroy();
        return agreed;
      };
      const tls12 = (ciphers: string) => offer({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers });
      expect(await offer({})).toMatch(/^TLSv1\.3 TLS_/);
      expect(await tls12('ECDHE-RSA-AES128-GCM-SHA256')).toBe('TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256');
      for (const suite of ['AES128-SHA', 'AES256-SHA', 'AES128-SHA256', 'AES256-SHA256', 'AES128-GCM-SHA256', 'AES256-GCM-SHA384', 'ECDHE-RSA-AES256-SHA', 'DHE-RSA-AES256-GCM-SHA384']) {
        expect([suite, await tls12(suite)]).toEqual([suite, 'refused']);
      }
      expect(await offer({ minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' })).toBe('refused');
    }, TIMEOUT_MS);
  });

  it('second line: a Workspace stored without the webhook on a missing option is in Error naming it, with one Warning Event and a metric', async () => {
    const kindName = `second-line-${id}`;
    await freshKind(kindName);
    const name = `stranded-${id}`;
    const ws = controllerWorkspace(name, kindName, (w) => {
      w.metadata.labels = { [UNCHECKED]: 'true' };
      w.spec.podTemplate.options.podConfig = 'removed_cpu';
    });
    expect((await createWorkspace(ws)).status).toBe(201);
    const stored = await eventually('state Error', async () => {
      const w = await api.get(paths.workspace(NS, name));
      return w?.status?.state === 'Error' ? w : undefined;
    });
    expect(stored.status.stateMessage).toBe('Workspace has invalid podConfig: podConfig with id "removed_cpu" not found');
    const leader = replicas.find((r) => r.manager.isLeader)!;
    await eventually('the metric', async () => (await leader.manager.metrics.registry.render()).includes(`kfws_workspaces_on_missing_options{kind="${kindName}",type="podConfig"} 1`));
    await sleep(3_000); // further passes: still one Event
    const events = (await api.list(`/api/v1/namespaces/${NS}/events?fieldSelector=involvedObject.name=${name}`)).filter((e) => e.type === 'Warning');
    expect(events.map((e) => [e.reason, e.message])).toEqual([['InvalidPodConfig', 'Workspace has invalid podConfig: podConfig with id "removed_cpu" not found']]);
  }, TIMEOUT_MS);
});
