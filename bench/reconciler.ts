/**
 * Reconciler benchmark on the real control plane (test/cluster, API mode: etcd + kube-apiserver).
 *
 * For each count N: a fresh control plane, the CRDs, one WorkspaceKind and N Workspaces are created first; then the
 * bundled reconciler (the file `npm run build:reconciler` makes) is started cold with plain `node`, as a
 * ServiceAccount holding exactly its RBAC rules, and the clock runs until every Workspace has a status and its
 * StatefulSet and Service exist (observed through watches by this process). Reported: that time, the reconciler's
 * API requests by verb (from its /metrics), its reconcile passes, and its peak resident memory (VmHWM).
 *
 * Usage: npm run bench:reconciler [-- --counts 500,2000 --workers 4]
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { peakMiB, stopProcess } from './process';
import { ClusterConnection } from '../test/cluster/connection';
import { ControlPlane, ControlPlaneMode, writeKubeconfig } from '../test/cluster/control-plane';
import { freePort, httpGet } from '../test/e2e/helpers';
import { accessFor, Api, controllerKind, controllerWorkspace, createNamespace, ensureCrds, reconcilerToken } from '../test/reconciler/cluster-helpers';
import { KubeClient } from '../lib/reconciler/kube/client';
import { Informer } from '../lib/reconciler/kube/informer';
import { silentLogger } from '../lib/reconciler/log';

const ROOT = path.join(__dirname, '..');
const NAMESPACE = 'bench';
const CONTROLLER_NAMESPACE = 'kfws-system';
const KIND = 'jupyterlab';
const CREATE_CONCURRENCY = 16;
const TIMEOUT_MS = 15 * 60_000;

interface Result {
  readonly count: number;
  readonly seconds: number;
  readonly requests: Record<string, number>;
  readonly reconciles: number;
  readonly peakMiB: number;
}

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

function sumMetric(text: string, name: string, by: string): Record<string, number> {
  const out: Record<string, number> = {};
  const re = new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, 'gm');
  for (const m of text.matchAll(re)) {
    const key = new RegExp(`${by}="([^"]*)"`).exec(m[1])?.[1] ?? '';
    out[key] = (out[key] ?? 0) + Number(m[2]);
  }
  return out;
}

async function createAll(api: Api, count: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      await api.create(`/apis/kubeflow.org/v1beta1/namespaces/${NAMESPACE}/workspaces`, controllerWorkspace(`ws-${i}`, KIND));
    }
  };
  await Promise.all(Array.from({ length: CREATE_CONCURRENCY }, worker));
}

/** Resolves when all N Workspaces have a status and their two objects, watched from this process. */
async function converged(cluster: ClusterConnection, count: number): Promise<void> {
  const client = new KubeClient(accessFor(cluster, cluster.adminToken));
  const logger = silentLogger();
  const withStatus = new Informer<any>({
    name: 'bench-workspaces',
    client,
    path: `/apis/kubeflow.org/v1beta1/namespaces/${NAMESPACE}/workspaces`,
    transform: (o: any) => ({ metadata: o.metadata, state: o.status?.state }),
    logger,
  });
  const owned = (p: string, name: string) =>
    new Informer<any>({ name, client, path: p, labelSelector: 'notebooks.kubeflow.org/workspace-name', transform: (o: any) => ({ metadata: o.metadata }), logger });
  const sts = owned(`/apis/apps/v1/namespaces/${NAMESPACE}/statefulsets`, 'bench-sts');
  const svc = owned(`/api/v1/namespaces/${NAMESPACE}/services`, 'bench-svc');
  const informers = [withStatus, sts, svc];
  await Promise.all(informers.map((i) => i.start()));
  try {
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`not converged within ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
      const check = (): void => {
        const statuses = [...withStatus.values()].filter((w) => w.state).length;
        if (statuses === count && sts.size === count && svc.size === count) {
          clearTimeout(deadline);
          resolve();
        }
      };
      for (const i of informers) i.addHandlers({ onAdd: check, onUpdate: check });
      check();
    });
  } finally {
    await Promise.all(informers.map((i) => i.stop()));
    client.close();
  }
}

async function measure(count: number, bundle: string, workers: string): Promise<Result> {
  const cp = await ControlPlane.start({ mode: ControlPlaneMode.API });
  const cluster = { ...cp.info, request: cp.request.bind(cp) } as unknown as ClusterConnection;
  let child: ChildProcess | undefined;
  try {
    const api = new Api(cluster);
    await ensureCrds(api);
    await createNamespace(api, NAMESPACE);
    await createNamespace(api, CONTROLLER_NAMESPACE);
    await api.create('/apis/kubeflow.org/v1beta1/workspacekinds', controllerKind(KIND));
    await createAll(api, count);
    const token = await reconcilerToken(api, CONTROLLER_NAMESPACE);
    const kubeconfig = writeKubeconfig(cp.workDir, cp.server, cp.caData, token, 'reconciler');
    const [health, metrics] = await Promise.all([freePort(), freePort()]);

    const done = converged(cluster, count);
    const started = process.hrtime.bigint();
    child = spawn(
      process.execPath,
      [bundle, '--kubeconfig', kubeconfig, '--leader-elect', '--bind-address=127.0.0.1', `--health-port=${health}`, `--metrics-port=${metrics}`, `--workers=${workers}`, '--culling=false', '--log-level=warn'],
      { env: { ...process.env, POD_NAMESPACE: CONTROLLER_NAMESPACE }, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    await done;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const text = (await httpGet(metrics, '/metrics')).body;
    const result: Result = {
      count,
      seconds,
      requests: sumMetric(text, 'kfws_api_requests_total', 'verb'),
      reconciles: Object.values(sumMetric(text, 'kfws_reconcile_total', 'controller')).reduce((a, b) => a + b, 0),
      peakMiB: peakMiB(child.pid!),
    };
    return result;
  } finally {
    await stopProcess(child);
    await cp.stop();
  }
}

async function main(): Promise<void> {
  const counts = option('counts', '500,2000').split(',').map(Number);
  const workers = option('workers', '4');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfws-bench-'));
  const bundle = path.join(dir, 'reconciler.js');
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-reconciler.mjs'), '--outfile', bundle], { stdio: 'inherit' });
  const results: Result[] = [];
  try {
    for (const count of counts) {
      console.error(`bench: ${count} Workspaces...`);
      results.push(await measure(count, bundle, workers));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const verbs = [...new Set(results.flatMap((r) => Object.keys(r.requests)))].sort();
  const header = ['Workspaces', 'time to converge (s)', 'reconcile passes', ...verbs.map((v) => `${v} requests`), 'all requests', 'peak RSS (MiB)'];
  const rows = results.map((r) => [
    String(r.count),
    r.seconds.toFixed(1),
    String(r.reconciles),
    ...verbs.map((v) => String(r.requests[v] ?? 0)),
    String(Object.values(r.requests).reduce((a, b) => a + b, 0)),
    r.peakMiB.toFixed(0),
  ]);
  console.log(`\nreconciler benchmark: ${workers} workers, Node ${process.version}, ${os.cpus().length} CPUs, kube-apiserver ${ControlPlaneMode.API} mode\n`);
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exitCode = 1;
});
