/**
 * Admission webhook benchmark on the real control plane (test/cluster, API mode: etcd + kube-apiserver).
 *
 * The bundled reconciler (`npm run build:reconciler`'s file, run with plain `node`) serves the webhooks with
 * self-managed certificates, registered by URL on 127.0.0.1 as a ValidatingWebhookConfiguration. Then, in rounds,
 * this process sends C Workspace creates at once through the API server (each round: real creates that the webhook
 * admits, and dry-run creates that it refuses), and once more with the webhook unregistered, as the baseline.
 * Each burst starts once the controllers are idle (work queues empty) after the previous one.
 * Reported per round: the API server's create latency p50/p99 as clients see it, creates per second, the webhook's
 * own answer time (p50/p99 from its histogram, as bucket bounds), the option reservations the admitted creates
 * wrote on their (one) kind and how many of those writes conflicted, and the reconciler's peak resident memory
 * (VmHWM) over the quiet rounds, with the controllers reconciling every created Workspace at the same time.
 *
 * Then the same admitted burst under the slow-body attack of issue 19, from this process to 127.0.0.1 only: 60 TLS
 * connections at a time, each declaring a body of 8 MiB (then, in a second attack, 3,000,000 bytes: under the
 * limit) and trickling 64 KiB every 50 ms, reconnecting when cut off, for the burst and 10 s more. Reported: the
 * burst's figures, the attack's connections and how they ended, and the reconciler's peak RSS during the attack
 * (VmRSS sampled every 100 ms). During every admitted burst, quiet or attacked, legitimate reviews also go straight to
 * the webhook (one every 50 ms, as the API server sends them), timed by the client: whether they are answered within
 * 1 s under attack. A last table puts the quiet and the attacked figures side by side.
 *
 * Usage: npm run bench:webhook [-- --concurrency 200 --rounds 3 --attackers 60]
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as https from 'node:https';
import * as tls from 'node:tls';
import { peakMiB, stopProcess } from './process';
import { ClusterConnection } from '../test/cluster/connection';
import { ControlPlane, ControlPlaneMode, writeKubeconfig } from '../test/cluster/control-plane';
import { Api, controllerKind, controllerWorkspace, createNamespace, ensureCrds, reconcilerToken } from '../test/reconciler/cluster-helpers';
import { freePort, httpGet } from '../test/e2e/helpers';
import { grantWebhookCertificates, registerWebhooks, VWC_PATH } from '../test/reconciler/webhook-helpers';

const ROOT = path.join(__dirname, '..');
const NAMESPACE = 'bench';
const CONTROLLER_NAMESPACE = 'kfws-system';
const KIND = 'jupyterlab';
const SECRET = 'webhook-cert';
const VWC = 'kfws-bench-webhook';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Cumulative histogram buckets `le -> count` of `kfws_admission_duration_seconds`, summed over webhooks. */
function admissionBuckets(text: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const m of text.matchAll(/^kfws_admission_duration_seconds_bucket\{[^}]*le="([^"]+)"[^}]*\} (\S+)$/gm)) {
    const le = m[1] === '+Inf' ? Infinity : Number(m[1]);
    out.set(le, (out.get(le) ?? 0) + Number(m[2]));
  }
  return out;
}

/** The smallest bucket bound holding quantile q of the observations between two scrapes. */
function bucketQuantile(before: Map<number, number>, after: Map<number, number>, q: number): string {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  if (total === 0) return 'n/a';
  for (const le of bounds) {
    if ((after.get(le) ?? 0) - (before.get(le) ?? 0) >= q * total) return le === Infinity ? '> 1000' : `≤ ${Number((le * 1000).toPrecision(2))}`;
  }
  return 'n/a';
}

interface Round {
  readonly name: string;
  readonly requests: number;
  readonly seconds: number;
  readonly p50: number;
  readonly p99: number;
  readonly statuses: string;
  readonly webhookP50: string;
  readonly webhookP99: string;
  readonly reservations: string;
  /** Reviews sent straight to the webhook during the burst: p50 / p99 / max in ms, and how many failed. */
  readonly direct?: string;
}

/** Current resident set size of a process (Linux, VmRSS), in MiB. */
function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
}

/** `kfws_webhook_reservation_writes_total` by result. */
function reservationWrites(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^kfws_webhook_reservation_writes_total\{result="([^"]+)"\} (\S+)$/gm)) out.set(m[1], Number(m[2]));
  return out;
}

interface AttackReport {
  connections: number;
  /** How the connections ended: the HTTP status seen, or `reset` when the server's close reached the client first. */
  readonly endings: Map<string, number>;
}

/**
 * `attackers` slow bodies at a time against 127.0.0.1:`port` until `stop` resolves: each declares `declared` bytes and
 * sends 64 KiB every 50 ms; a connection the server ends is replaced at once.
 */
async function slowBodies(port: number, attackers: number, declared: number, stop: Promise<void>): Promise<AttackReport> {
  const report: AttackReport = { connections: 0, endings: new Map() };
  let stopped = false;
  void stop.then(() => (stopped = true));
  const chunk = Buffer.alloc(64 * 1024, 'x');
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      report.connections++;
      const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
      let received = '';
      let timer: NodeJS.Timeout | undefined;
      socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
      socket.on('error', () => undefined);
      socket.once('secureConnect', () => {
        socket.write(`POST /validate-kubeflow-org-v1beta1-workspace HTTP/1.1\r\nHost: webhook\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n`);
        timer = setInterval(() => (stopped ? socket.destroy() : socket.write(chunk)), 50);
      });
      socket.once('close', () => {
        clearInterval(timer);
        const ending = stopped ? 'still open at the end' : (/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 'reset');
        report.endings.set(ending, (report.endings.get(ending) ?? 0) + 1);
        resolve();
      });
    });
  await Promise.all(Array.from({ length: attackers }, async () => {
    while (!stopped) await one();
  }));
  return report;
}

/**
 * Legitimate reviews sent straight to the webhook, as the API server sends them (keep-alive TLS, two connections),
 * one every 50 ms until `stop` resolves: dry-run Workspace creates the webhook admits (a dry run writes no
 * reservation; the reservation's cost is in the burst's own webhook answer figures). Returns the latencies of the
 * answered ones (ms) and how many failed or took over 10 s.
 */
async function directReviews(port: number, stop: Promise<void>): Promise<{ latencies: number[]; failed: number }> {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 2, rejectUnauthorized: false });
  const latencies: number[] = [];
  let failed = 0;
  let stopped = false;
  void stop.then(() => (stopped = true));
  for (let i = 0; !stopped; i++) {
    const object = controllerWorkspace(`direct-${i}`, KIND);
    object.metadata.namespace = NAMESPACE;
    const body = JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: `direct-${i}`,
        kind: { group: 'kubeflow.org', version: 'v1beta1', kind: 'Workspace' },
        resource: { group: 'kubeflow.org', version: 'v1beta1', resource: 'workspaces' },
        namespace: NAMESPACE,
        name: object.metadata.name,
        operation: 'CREATE',
        userInfo: { username: 'bench' },
        object,
        dryRun: true,
      },
    });
    const t0 = process.hrtime.bigint();
    const ok = await new Promise<boolean>((resolve) => {
      const req = https.request(
        { host: '127.0.0.1', port, path: '/validate-kubeflow-org-v1beta1-workspace', method: 'POST', agent, timeout: 10_000, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve(res.statusCode === 200 && /"allowed":true/.test(text)));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve(false));
      req.end(body);
    });
    if (ok) latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    else failed++;
    await new Promise((r) => setTimeout(r, 50));
  }
  agent.destroy();
  return { latencies: latencies.sort((a, b) => a - b), failed };
}

async function main(): Promise<void> {
  const concurrency = Number(option('concurrency', '200'));
  const rounds = Number(option('rounds', '3'));
  const attackers = Number(option('attackers', '60'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfws-bench-webhook-'));
  const bundle = path.join(dir, 'reconciler.js');
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-reconciler.mjs'), '--outfile', bundle], { stdio: 'inherit' });
  const cp = await ControlPlane.start({ mode: ControlPlaneMode.API });
  const cluster = { ...cp.info, request: cp.request.bind(cp) } as unknown as ClusterConnection;
  let child: ChildProcess | undefined;
  const results: Round[] = [];
  let peak = NaN;
  const attacks: { name: string; report: AttackReport; peakRss: number; round: Round }[] = [];
  try {
    const api = new Api(cluster);
    await ensureCrds(api);
    await createNamespace(api, NAMESPACE);
    await createNamespace(api, CONTROLLER_NAMESPACE);
    await api.create('/apis/kubeflow.org/v1beta1/workspacekinds', controllerKind(KIND));
    const token = await reconcilerToken(api, CONTROLLER_NAMESPACE);
    await grantWebhookCertificates(api, CONTROLLER_NAMESPACE, SECRET, VWC);
    const webhookPort = await freePort();
    await registerWebhooks(api, VWC, webhookPort);
    const kubeconfig = writeKubeconfig(cp.workDir, cp.server, cp.caData, token, 'reconciler');
    const [health, metrics] = await Promise.all([freePort(), freePort()]);
    child = spawn(
      process.execPath,
      [
        bundle, '--kubeconfig', kubeconfig, '--leader-elect', '--bind-address=127.0.0.1', `--health-port=${health}`, `--metrics-port=${metrics}`,
        '--culling=false', '--log-level=warn', `--webhook-port=${webhookPort}`, '--webhook-certificates=self-managed',
        `--webhook-secret=${SECRET}`, `--webhook-configuration=${VWC}`, '--webhook-hosts=127.0.0.1',
      ],
      { env: { ...process.env, POD_NAMESPACE: CONTROLLER_NAMESPACE }, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    child.once('exit', (code, signal) => console.error(`bench: the reconciler exited (code ${code}, signal ${signal})`));
    for (let i = 0; ; i++) {
      if ((await httpGet(health, '/readyz').catch(() => ({ status: 0 }))).status === 200) break;
      if (i > 300) throw new Error('the reconciler did not become ready in 60 s');
      await new Promise((r) => setTimeout(r, 200));
    }

    // Each burst starts with the controllers idle, so that it competes with nothing but itself.
    const settle = async (): Promise<void> => {
      let idle = 0;
      for (let i = 0; i < 600 && idle < 3; i++) {
        const text = (await httpGet(metrics, '/metrics')).body;
        const depth = [...text.matchAll(/^kfws_workqueue_depth\{[^}]*\} (\S+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
        idle = depth === 0 ? idle + 1 : 0;
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    const burst = async (name: string, build: (i: number) => { path: string; body: unknown }, probe = false): Promise<Round> => {
      await settle();
      let stopProbe!: () => void;
      const probing = probe ? directReviews(webhookPort, new Promise<void>((r) => (stopProbe = r))) : undefined;
      const beforeText = (await httpGet(metrics, '/metrics')).body;
      const before = admissionBuckets(beforeText);
      const writesBefore = reservationWrites(beforeText);
      const latencies: number[] = [];
      const statuses = new Map<number, number>();
      const started = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: concurrency }, async (_, i) => {
          const { path: p, body } = build(i);
          const t0 = process.hrtime.bigint();
          const r = await cluster.request(p, { method: 'POST', body });
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        }),
      );
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      stopProbe?.();
      const direct = await probing;
      const afterText = (await httpGet(metrics, '/metrics')).body;
      const after = admissionBuckets(afterText);
      const writesAfter = reservationWrites(afterText);
      const delta = (result: string) => (writesAfter.get(result) ?? 0) - (writesBefore.get(result) ?? 0);
      latencies.sort((a, b) => a - b);
      return {
        name,
        requests: concurrency,
        seconds,
        p50: quantile(latencies, 0.5),
        p99: quantile(latencies, 0.99),
        statuses: [...statuses].map(([s, n]) => `${n}×${s}`).join(' '),
        webhookP50: bucketQuantile(before, after, 0.5),
        webhookP99: bucketQuantile(before, after, 0.99),
        reservations: `${delta('written')} (${delta('conflict')})`,
        direct: direct && `${[0.5, 0.99, 1].map((q) => quantile(direct.latencies, q).toFixed(1)).join(' / ')}${direct.failed ? `, ${direct.failed} failed` : ''} (${direct.latencies.length + direct.failed})`,
      };
    };
    const workspaces = `/apis/kubeflow.org/v1beta1/namespaces/${NAMESPACE}/workspaces`;
    for (let round = 1; round <= rounds; round++) {
      console.error(`bench: round ${round}: ${concurrency} creates (admitted) and ${concurrency} dry-run creates (refused)`);
      results.push(await burst(`round ${round}: creates, admitted`, (i) => ({ path: workspaces, body: controllerWorkspace(`ws-${round}-${i}`, KIND) }), true));
      results.push(await burst(`round ${round}: dry-run creates, refused (unknown podConfig)`, (i) => ({
        path: `${workspaces}?dryRun=All`,
        body: controllerWorkspace(`bad-${round}-${i}`, KIND, (w) => (w.spec.podTemplate.options.podConfig = 'missing')),
      })));
    }
    peak = peakMiB(child.pid!);
    for (const [name, declared] of [['8 MiB declared', 8 * 1024 * 1024], ['3,000,000 bytes declared (under the limit)', 3_000_000]] as const) {
      await settle();
      console.error(`bench: ${concurrency} creates under ${attackers} slow bodies, ${name}`);
      let maxRss = rssMiB(child.pid!);
      const sampler = setInterval(() => (maxRss = Math.max(maxRss, rssMiB(child!.pid!))), 100);
      let stop!: () => void;
      const stopping = new Promise<void>((r) => (stop = r));
      const attack = slowBodies(webhookPort, attackers, declared, stopping);
      await new Promise((r) => setTimeout(r, 2000));
      const attacked = await burst(`under attack (${attackers} slow bodies, ${name}): creates, admitted`, (i) => ({ path: workspaces, body: controllerWorkspace(`attacked-${declared}-${i}`, KIND) }), true);
      results.push(attacked);
      await new Promise((r) => setTimeout(r, 10_000));
      stop();
      const report = await attack;
      clearInterval(sampler);
      attacks.push({ name, report, peakRss: maxRss, round: attacked });
    }
    expectOk(await cluster.request(`${VWC_PATH}/${VWC}`, { method: 'DELETE' }));
    // the API server drops the registration from its cache within a moment
    await new Promise((r) => setTimeout(r, 2000));
    results.push(await burst('baseline: creates, no webhook registered', (i) => ({ path: workspaces, body: controllerWorkspace(`base-${i}`, KIND) })));
  } finally {
    await stopProcess(child);
    await cp.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\nadmission webhook benchmark: ${concurrency} concurrent creates per burst, Node ${process.version}, ${os.cpus().length} CPUs, kube-apiserver ${cp.version} (${ControlPlaneMode.API} mode)\n`);
  const header = ['burst', 'statuses', 'API create p50 (ms)', 'API create p99 (ms)', 'creates/s', 'webhook answer p50 (ms)', 'webhook answer p99 (ms)', 'reservation writes (conflicts)', 'direct reviews p50 / p99 / max (ms) (count)'];
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const r of results) {
    console.log(`| ${[r.name, r.statuses, r.p50.toFixed(1), r.p99.toFixed(1), (r.requests / r.seconds).toFixed(0), r.webhookP50, r.webhookP99, r.reservations, r.direct ?? '—'].join(' | ')} |`);
  }
  console.log(`\nreconciler peak RSS over the quiet rounds (VmHWM, webhooks and controllers): ${peak.toFixed(0)} MiB\n`);
  console.log('| slow-body attack | attacker connections | how they ended | reconciler peak RSS during the attack (MiB) |');
  console.log('|---|---|---|---|');
  for (const a of attacks) {
    const endings = [...a.report.endings].map(([e, n]) => `${n}× ${e}`).join(', ');
    console.log(`| ${a.name} | ${a.report.connections} | ${endings} | ${a.peakRss.toFixed(0)} |`);
  }
  // Quiet and attacked side by side: the worst quiet round against each attack.
  const quiet = results.filter((r) => r.direct && !r.name.startsWith('under attack'));
  const worst = (rows: Round[], pick: (r: Round) => string) => rows.map(pick).join(', ');
  console.log('\n| | reconciler peak RSS (MiB) | API create p99 (ms) | webhook answer p99 (ms) | direct reviews p50 / p99 / max (ms) (count) |');
  console.log('|---|---|---|---|---|');
  console.log(`| quiet (${quiet.length} rounds) | ${peak.toFixed(0)} | ${worst(quiet, (r) => r.p99.toFixed(0))} | ${worst(quiet, (r) => r.webhookP99)} | ${worst(quiet, (r) => r.direct!)} |`);
  for (const a of attacks) {
    console.log(`| ${attackers} slow bodies, ${a.name} | ${a.peakRss.toFixed(0)} | ${a.round.p99.toFixed(0)} | ${a.round.webhookP99} | ${a.round.direct} |`);
  }
}

function expectOk(r: { status: number; body: string }): void {
  if (r.status >= 300) throw new Error(`HTTP ${r.status}: ${r.body.slice(0, 300)}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exitCode = 1;
});
