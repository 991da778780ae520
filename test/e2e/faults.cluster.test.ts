/**
 * Faults, with the reconciler bundle (built as by `npm run build:reconciler`) running as child processes authenticated as the
 * synthesized controller ServiceAccount under the synthesized ClusterRole and leader-election Role (the install
 * chart's RBAC objects, applied unchanged):
 *
 *  (a) SIGKILL of the reconciler while it reconciles a batch of Workspaces, then a restart: convergence;
 *  (b) a restart of the kube-apiserver while the reconciler runs: its informers recover, changes converge;
 *  (c) two replicas with leader election: only the leader writes; the leader is killed, the other takes over
 *      within the lease duration and reconciles a new Workspace;
 *  (d) watch expiry: the reconciler is partitioned from the apiserver (a TCP proxy.closeds its connections) while
 *      Workspaces change and etcd is compacted past its watches' resourceVersion; the apiserver runs without watch
 *      cache since (b), so the resumed watches reach etcd: 410 Gone, relist, convergence.
 *
 * Every case ends with the same check: each Workspace has exactly one StatefulSet and one Service, owned by it
 * (controller reference with its UID), no labelled object is left without its Workspace, and every status is complete.
 *
 * These faults need control over the control-plane processes (the apiserver restart, etcd compaction), which
 * would break the suites running in parallel on the run's shared control plane, so this suite starts its own FULL
 * control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok) on 127.0.0.1. It runs when the run's
 * control plane is FULL, i.e. when the binaries for one are present.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Testing } from 'cdk8s';
import { LABEL_WORKSPACE_NAME } from '../../lib/core/api';
import { ControllerWriteScope, PlatformNames, WorkspacesInstallChart } from '../../lib/platform';
import { ClusterConnection, describeCluster } from '../cluster/connection';
import { ControlPlane, ControlPlaneMode, writeKubeconfig } from '../cluster/control-plane';
import { TcpProxy } from '../cluster/proxy';
import { Api, controllerKind, controllerWorkspace, paths } from '../reconciler/cluster-helpers';
import { applyControllerAccess, buildBundle, eventually, KubeObject, metricSum, ReconcilerProcess } from './helpers';

const CASE_TIMEOUT_MS = 90_000;
const CONVERGE_MS = 60_000;
const LEASES = `/apis/coordination.k8s.io/v1/namespaces/${PlatformNames.DEFAULT_CONTROLLER_NAMESPACE}/leases`;

/** What the reconciler has made of the Workspaces of a namespace, checked for the invariants of every case. */
interface Convergence {
  readonly workspaces: number;
  readonly statefulSets: number;
  readonly services: number;
  /** Problems found; empty when converged. */
  readonly problems: string[];
}

describeCluster(
  'faults: the reconciler bundle under SIGKILL, apiserver restarts, leader failover and watch expiry',
  () => {
    let cp: ControlPlane;
    let api: Api;
    let bundle: string;
    let bundleDir: string | undefined;
    let kubeconfig: string;
    let token: string;
    const processes: ReconcilerProcess[] = [];
    const scenario: string[] = [];
    /** Set by (b), which brings the apiserver back without watch cache; (d) needs that. */
    let watchCacheOff = false;
    /** (d)'s namespace, the Workspace it deletes during the partition, and when the partition began. */
    const expiry = { ns: 'faults-expiry', deletedUid: '', outageStart: 0 };

    beforeAll(async () => {
      bundleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfws-e2e-faults-'));
      // KFWS_E2E_RECONCILER_BUNDLE: run that bundle instead (e.g. a build of another revision)
      bundle = process.env.KFWS_E2E_RECONCILER_BUNDLE || buildBundle(bundleDir);
      cp = await ControlPlane.start({ mode: ControlPlaneMode.FULL });
      const cluster: ClusterConnection = cp;
      api = new Api(cluster);
      console.log(`faults: own FULL control plane, kube-apiserver ${cp.version} at ${cp.server}; bundle ${bundle}`);
      // the install chart's CRDs, Namespace, ServiceAccount and RBAC, applied as synthesized (not its Deployment: the
      // suite runs the reconciler itself, as processes it can kill, nor its webhook registration); writes cluster-wide,
      // since the cases' namespaces have no tenant
      const app = Testing.app();
      const install = new WorkspacesInstallChart(app, 'install', { controller: { writeScope: ControllerWriteScope.CLUSTER } });
      await applyControllerAccess(cluster, Testing.synth(install) as KubeObject[], 'kfws-e2e-faults');
      const tr = await api.create(`/api/v1/namespaces/${PlatformNames.DEFAULT_CONTROLLER_NAMESPACE}/serviceaccounts/${PlatformNames.CONTROLLER}/token`, {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 3600 },
      });
      token = tr.status.token;
      kubeconfig = cp.kubeconfigFor(token, PlatformNames.CONTROLLER);
    }, CASE_TIMEOUT_MS);

    // every reconciler watches all namespaces: only the current case's replicas may run
    afterEach(async () => {
      for (const p of processes.splice(0)) await p.stop();
    }, 30_000);

    afterAll(async () => {
      for (const p of processes) await p.stop();
      console.log(
        `faults scenarios (kube-apiserver ${cp?.version}):\n${scenario.map((s) => `  ${s}`).join('\n')}\n` +
          `  control-plane components restarted by the harness after an exit: ${JSON.stringify(cp?.restarts ?? {})}`,
      );
      await cp?.stop();
      if (bundleDir) fs.rmSync(bundleDir, { recursive: true, force: true });
    }, 30_000);

    async function startReconciler(
      name: string,
      leaseId: string,
      timing: { lease: number; renew: number; retry: number },
      config = kubeconfig,
    ): Promise<ReconcilerProcess> {
      const p = await ReconcilerProcess.start(bundle, {
        name,
        kubeconfig: config,
        namespace: PlatformNames.DEFAULT_CONTROLLER_NAMESPACE,
        args: [
          '--leader-elect=true',
          `--leader-election-id=${leaseId}`,
          `--lease-duration=${timing.lease}s`,
          `--renew-deadline=${timing.renew}s`,
          `--retry-period=${timing.retry}s`,
          '--backoff-base=200ms',
          '--backoff-max=5s',
          '--log-level=info',
        ],
      });
      processes.push(p);
      const deadline = Date.now() + 30_000;
      while (!(await p.ready())) {
        if (!p.running) throw new Error(`${name} exited: ${JSON.stringify(p.exit)}\n${p.tail()}`);
        if (Date.now() > deadline) throw new Error(`${name} not ready after 30 s:\n${p.tail()}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      return p;
    }

    async function leaseHolder(leaseId: string): Promise<string> {
      return (await api.get(`${LEASES}/${leaseId}`))?.spec?.holderIdentity ?? '';
    }

    /** A namespace with the ServiceAccount the fixture Kind's Pods run as, and the Kind. */
    async function workloadNamespace(ns: string, kind: string): Promise<void> {
      await api.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      await api.create(`/api/v1/namespaces/${ns}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default-editor' } });
      await api.create(paths.kinds, controllerKind(kind));
    }

    function workspace(name: string, kind: string): any {
      return controllerWorkspace(name, kind, (w) => {
        w.spec.podTemplate.volumes = {}; // no storage provisioner here
        w.spec.podTemplate.options.imageConfig = 'jupyterlab_scipy_190';
      });
    }

    /**
     * The invariants of every case for the Workspaces of `ns`: exactly one StatefulSet and one Service each, owned by
     * it (controller reference with its UID); no labelled StatefulSet or Service without its Workspace; a complete
     * status (`expect` gives the state per Workspace, default Running).
     */
    async function convergence(ns: string, expect: Record<string, string> = {}, deletedOwners: ReadonlySet<string> = new Set()): Promise<Convergence> {
      const [workspaces, sets, services] = await Promise.all([
        api.list(paths.workspaces(ns)),
        api.list(paths.statefulSets(ns, LABEL_WORKSPACE_NAME)),
        api.list(paths.services(ns, LABEL_WORKSPACE_NAME)),
      ]);
      const problems: string[] = [];
      const byUid = new Map(workspaces.map((w) => [w.metadata.uid, w]));
      for (const [what, list] of [['StatefulSet', sets], ['Service', services]] as const) {
        for (const o of list.filter((x) => !x.metadata.deletionTimestamp)) {
          const owner = (o.metadata.ownerReferences ?? []).find((r: any) => r.controller);
          if (owner && deletedOwners.has(owner.uid)) continue; // the garbage collector's to delete
          const ws = owner && byUid.get(owner.uid);
          if (!ws || ws.metadata.name !== o.metadata.labels[LABEL_WORKSPACE_NAME]) problems.push(`orphaned ${what} ${o.metadata.name}`);
        }
      }
      for (const ws of workspaces) {
        const name = ws.metadata.name;
        const owned = (list: any[]) => list.filter((o) => !o.metadata.deletionTimestamp && o.metadata.ownerReferences?.some((r: any) => r.controller && r.uid === ws.metadata.uid));
        const [s, v] = [owned(sets), owned(services)];
        if (s.length !== 1) problems.push(`${name}: ${s.length} StatefulSets`);
        if (v.length !== 1) problems.push(`${name}: ${v.length} Services`);
        const st = ws.status ?? {};
        const state = expect[name] ?? 'Running';
        if (st.state !== state) problems.push(`${name}: state ${st.state ?? '(none)'} (${st.stateMessage ?? ''}), want ${state}`);
        if (!st.podTemplateOptions?.imageConfig?.desired || !st.podTemplateOptions?.podConfig?.desired) problems.push(`${name}: status without podTemplateOptions`);
        if (state === 'Running' && !st.podTemplatePod?.name) problems.push(`${name}: status without podTemplatePod`);
        if (state === 'Paused' && !(st.pauseTime > 0)) problems.push(`${name}: paused without pauseTime`);
      }
      return { workspaces: workspaces.length, statefulSets: sets.length, services: services.length, problems };
    }

    async function converged(ns: string, count: number, expect: Record<string, string> = {}, deletedOwners?: ReadonlySet<string>): Promise<Convergence> {
      let last: Convergence | undefined;
      try {
        return await eventually(
          `the ${count} Workspaces of ${ns} to converge`,
          async () => {
            last = await convergence(ns, expect, deletedOwners);
            return last.workspaces === count && last.problems.length === 0 ? last : undefined;
          },
          CONVERGE_MS,
          500,
        );
      } catch (e) {
        throw new Error(`${(e as Error).message}; last: ${JSON.stringify(last)}\n${processes.map((p) => `--- ${p.name}:\n${p.tail(15)}`).join('\n')}`);
      }
    }

    it(`prints the kube-apiserver version of the suite's own control plane`, async () => {
      const v = await api.get('/version');
      expect(v.gitVersion).toBe(cp.version);
      console.log(`faults: kube-apiserver ${v.gitVersion}`);
    });

    it(
      '(a) SIGKILL while reconciling a batch of 40 Workspaces, then a restart: each gets exactly one StatefulSet and one Service and a complete status, nothing orphaned',
      async () => {
        const ns = 'faults-kill';
        const kind = 'faults-kill';
        const count = 40;
        await workloadNamespace(ns, kind);
        const timing = { lease: 8, renew: 6, retry: 1 };
        const first = await startReconciler('kill-1', 'faults-kill', timing);
        await eventually('kill-1 leading', async () => (await leaseHolder('faults-kill')) === first.identity());

        // create the batch; kill the reconciler as soon as it has made some of the objects, while creates go on
        let killedAt: Convergence | undefined;
        const killer = (async () => {
          await eventually('the reconciler to be half-way', async () => (await api.list(paths.statefulSets(ns, LABEL_WORKSPACE_NAME))).length >= 8, CONVERGE_MS, 20);
          first.child.kill('SIGKILL');
          await first.exited;
          killedAt = await convergence(ns);
        })();
        const names = Array.from({ length: count }, (_, i) => `ws-${String(i).padStart(2, '0')}`);
        for (let i = 0; i < names.length; i += 4) {
          await Promise.all(names.slice(i, i + 4).map((n) => api.create(paths.workspaces(ns), workspace(n, kind))));
        }
        await killer;
        expect(first.exit).toEqual({ code: null, signal: 'SIGKILL' });
        // the kill landed in the middle of the batch: some objects made, not all
        expect(killedAt!.statefulSets).toBeGreaterThanOrEqual(8);
        expect(killedAt!.problems.length).toBeGreaterThan(0);

        const restartedAt = Date.now();
        const second = await startReconciler('kill-2', 'faults-kill', timing);
        const done = await converged(ns, count);
        const took = Date.now() - restartedAt;
        expect(done).toEqual({ workspaces: count, statefulSets: count, services: count, problems: [] });
        // it waited for the dead replica's Lease to expire, then led and reconciled
        expect(await leaseHolder('faults-kill')).toBe(second.identity());
        expect(metricSum(await second.metrics(), 'kfws_reconcile_total', { controller: 'workspace' })).toBeGreaterThan(0);
        scenario.push(
          `(a) SIGKILL at ${killedAt!.statefulSets}/${count} StatefulSets, ${killedAt!.services} Services (${killedAt!.problems.length} problems); after the restart: converged in ${took} ms (incl. the ${timing.lease} s Lease expiry): PASS`,
        );
      },
      CASE_TIMEOUT_MS,
    );

    it(
      '(b) kube-apiserver restart while the reconciler runs: it keeps the leadership, its informers recover, a changed, a paused and a new Workspace converge',
      async () => {
        const ns = 'faults-restart';
        const kind = 'faults-restart';
        await workloadNamespace(ns, kind);
        // renew deadline longer than the outage: a leader keeps leading across a short API outage
        const r = await startReconciler('restart', 'faults-restart', { lease: 40, renew: 30, retry: 2 });
        await eventually('restart leading', async () => (await leaseHolder('faults-restart')) === r.identity());
        for (const n of ['ws-0', 'ws-1', 'ws-2']) await api.create(paths.workspaces(ns), workspace(n, kind));
        await converged(ns, 3);
        const watchesBefore = metricSum(await r.metrics(), 'kfws_api_requests_total', { verb: 'watch', resource: 'workspaces.kubeflow.org', code: '200' });

        // it comes back without watch cache, so that in (d) resumed watches reach etcd (and its compaction)
        const { downMs } = await cp.restartApiServer({ extraArgs: ['--watch-cache=false'] });
        watchCacheOff = true;

        await api.patchOk(paths.workspace(ns, 'ws-0'), { spec: { podTemplate: { options: { podConfig: 'small_cpu' } } } });
        await api.patchOk(paths.workspace(ns, 'ws-1'), { spec: { paused: true } });
        await api.create(paths.workspaces(ns), workspace('ws-3', kind));
        const done = await converged(ns, 4, { 'ws-1': 'Paused' });
        expect(done.problems).toEqual([]);
        const [sts0] = await api.list(paths.statefulSets(ns, `${LABEL_WORKSPACE_NAME}=ws-0`));
        expect(['1', '1000m']).toContain(sts0.spec.template.spec.containers[0].resources.requests.cpu);
        const [sts1] = await api.list(paths.statefulSets(ns, `${LABEL_WORKSPACE_NAME}=ws-1`));
        expect(sts1.spec.replicas).toBe(0);
        // the same process, still the leader, with its watches established again
        expect(r.running).toBe(true);
        expect(await leaseHolder('faults-restart')).toBe(r.identity());
        const watchesAfter = metricSum(await r.metrics(), 'kfws_api_requests_total', { verb: 'watch', resource: 'workspaces.kubeflow.org', code: '200' });
        expect(watchesAfter).toBeGreaterThan(watchesBefore);
        scenario.push(
          `(b) kube-apiserver down ${downMs} ms (restart on the same port and etcd, back with --watch-cache=false); ${watchesAfter - watchesBefore} new Workspace watches; 4 Workspaces converged: PASS`,
        );
      },
      CASE_TIMEOUT_MS,
    );

    it(
      '(c) two replicas with leader election: only the leader writes; after SIGKILL of the leader the other takes over within the lease duration and reconciles a new Workspace',
      async () => {
        const ns = 'faults-leader';
        const kind = 'faults-leader';
        await workloadNamespace(ns, kind);
        const timing = { lease: 8, renew: 6, retry: 1 };
        const replicas = [await startReconciler('replica-a', 'faults-leader', timing), await startReconciler('replica-b', 'faults-leader', timing)];
        const holder = await eventually('a leader', async () => {
          const h = await leaseHolder('faults-leader');
          return replicas.some((p) => p.identity() === h) ? h : undefined;
        });
        const leader = replicas.find((p) => p.identity() === holder)!;
        const follower = replicas.find((p) => p !== leader)!;
        await api.create(paths.workspaces(ns), workspace('ws-0', kind));
        await converged(ns, 1);

        // only the leader reconciled and wrote: the follower made no write at all, not even to its Lease
        const [lm, fm] = [await leader.metrics(), await follower.metrics()];
        expect(metricSum(lm, 'kfws_leader')).toBe(1);
        expect(metricSum(fm, 'kfws_leader')).toBe(0);
        expect(metricSum(lm, 'kfws_reconcile_total', { controller: 'workspace' })).toBeGreaterThan(0);
        expect(metricSum(fm, 'kfws_reconcile_total')).toBe(0);
        const writes = (m: string) => ['create', 'update', 'patch', 'delete'].reduce((n, verb) => n + metricSum(m, 'kfws_api_requests_total', { verb }), 0);
        expect(writes(lm)).toBeGreaterThan(0);
        expect(writes(fm)).toBe(0);
        expect(follower.logs().filter((l) => l.workspace)).toEqual([]);
        // and the Events about the Workspace come from the leader
        const ws0 = await api.get(paths.workspace(ns, 'ws-0'));
        const events = await api.list(`/api/v1/namespaces/${ns}/events?fieldSelector=${encodeURIComponent(`involvedObject.uid=${ws0.metadata.uid}`)}`);
        expect(events.length).toBeGreaterThan(0);
        expect([...new Set(events.map((e) => e.reportingInstance))]).toEqual([leader.identity()]);
        const transitions = (await api.get(`${LEASES}/faults-leader`)).spec.leaseTransitions ?? 0;

        const killedAt = Date.now();
        leader.child.kill('SIGKILL');
        await leader.exited;
        await eventually('the follower to take the Lease', async () => (await leaseHolder('faults-leader')) === follower.identity(), 30_000, 100);
        const takeover = Date.now() - killedAt;
        // not before the Lease expired (client-go rules: observed unchanged for leaseDuration), and soon after
        expect(takeover).toBeGreaterThanOrEqual((timing.lease - timing.retry - 1) * 1000);
        expect(takeover).toBeLessThanOrEqual((timing.lease + 2 * timing.retry + 3) * 1000);
        expect((await api.get(`${LEASES}/faults-leader`)).spec.leaseTransitions).toBe(transitions + 1);

        await api.create(paths.workspaces(ns), workspace('ws-1', kind));
        const done = await converged(ns, 2);
        expect(done).toEqual({ workspaces: 2, statefulSets: 2, services: 2, problems: [] });
        const nm = await follower.metrics();
        expect(metricSum(nm, 'kfws_leader')).toBe(1);
        expect(metricSum(nm, 'kfws_reconcile_total', { controller: 'workspace' })).toBeGreaterThan(0);
        expect(follower.logs().some((l) => l.workspace === `${ns}/ws-1`)).toBe(true);
        scenario.push(`(c) leader ${leader.name} SIGKILLed; ${follower.name} took the Lease after ${takeover} ms (lease ${timing.lease} s, retry ${timing.retry} s) and reconciled ws-1; the follower wrote nothing before: PASS`);
      },
      CASE_TIMEOUT_MS,
    );

    it(
      '(d) watch expiry: the reconciler is cut off (network partition) while etcd is compacted past its watches\' resourceVersion; the resumed watches get 410 Gone, it relists and converges a Workspace created, one changed and one deleted meanwhile',
      async () => {
        const { ns } = expiry;
        const kind = 'faults-expiry';
        const t0 = Date.now();
        const phases: string[] = [];
        const phase = (what: string): void => {
          phases.push(`${what} +${Date.now() - t0} ms`);
        };
        // the apiserver runs without watch cache since (b) (or from here, when (d) runs alone): a resumed watch goes to etcd
        if (!watchCacheOff) {
          await cp.restartApiServer({ extraArgs: ['--watch-cache=false'] });
          watchCacheOff = true;
        }
        await workloadNamespace(ns, kind);
        // this reconciler reaches the apiserver through a proxy that the test can cut
        const proxy = await TcpProxy.start(Number(new URL(cp.server).port));
        try {
          const viaProxy = writeKubeconfig(cp.workDir, proxy.url, cp.caData, token, `${PlatformNames.CONTROLLER}-via-proxy`);
          const r = await startReconciler('expiry', 'faults-expiry', { lease: 60, renew: 50, retry: 2 }, viaProxy);
          await eventually('expiry leading', async () => (await leaseHolder('faults-expiry')) === r.identity());
          for (const n of ['ws-0', 'ws-1']) await api.create(paths.workspaces(ns), workspace(n, kind));
          await converged(ns, 2);
          phase('converged before the partition');
          const lists = async () => metricSum(await r.metrics(), 'kfws_api_requests_total', { verb: 'list', resource: 'workspaces.kubeflow.org', code: '200' });
          const listsBefore = await lists();
          expiry.deletedUid = (await api.get(paths.workspace(ns, 'ws-1'))).metadata.uid;

          // the partition: the reconciler's connections are closed (its watches end) and it cannot reconnect, while
          // Workspaces are created, changed and deleted and etcd compacts its history to the current revision
          expiry.outageStart = Date.now();
          proxy.cut();
          let compactedTo = 0;
          try {
            await api.create(paths.workspaces(ns), workspace('ws-2', kind));
            await api.patchOk(paths.workspace(ns, 'ws-0'), { spec: { podTemplate: { options: { podConfig: 'small_cpu' } } } });
            expect(await api.del(paths.workspace(ns, 'ws-1'))).toBe(200);
            for (let i = 0; i < 20; i++) {
              await api.create(`/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `churn-${i}` }, data: { i: String(i) } });
            }
            compactedTo = await cp.compactEtcd();
          } finally {
            proxy.heal();
          }
          phase('partition over');
          expect(proxy.closed).toBeGreaterThan(0);

          // ws-1's StatefulSet and Service are the garbage collector's to delete (checked below), not the reconciler's
          const done = await converged(ns, 2, {}, new Set([expiry.deletedUid]));
          phase('converged after');
          expect(done.problems).toEqual([]);
          const [sts0] = await api.list(paths.statefulSets(ns, `${LABEL_WORKSPACE_NAME}=ws-0`));
          expect(['1', '1000m']).toContain(sts0.spec.template.spec.containers[0].resources.requests.cpu);
          // the resumed watch was answered with 410 Gone: the informer listed again (it lists only at start and after 410)
          const listsAfter = await lists();
          expect(listsAfter).toBeGreaterThan(listsBefore);
          // the relist dropped the deleted Workspace from the reconciler's cache: the Kind counts the 2 that are left
          await eventually('the Kind status to count 2 Workspaces', async () => (await api.get(paths.kind(kind)))?.status?.workspaces === 2);
          phase('Kind status');
          // and the reconciler made nothing for it after its deletion
          const madeLater = [...(await api.list(paths.statefulSets(ns))), ...(await api.list(paths.services(ns)))].filter(
            (o) => o.metadata.ownerReferences?.some((ref: any) => ref.uid === expiry.deletedUid) && Date.parse(o.metadata.creationTimestamp) > expiry.outageStart,
          );
          expect(madeLater.map((o) => o.metadata.name)).toEqual([]);
          // the garbage collector removes them (the rest of the control plane was not partitioned)
          await eventually('the deleted Workspace\'s objects to be gone', async () =>
            [...(await api.list(paths.statefulSets(ns))), ...(await api.list(paths.services(ns)))].every(
              (o) => !o.metadata.ownerReferences?.some((ref: any) => ref.uid === expiry.deletedUid),
            ),
          );
          phase('garbage collected');
          expect(await convergence(ns)).toEqual({ workspaces: 2, statefulSets: 2, services: 2, problems: [] });
          expect(r.running).toBe(true);
          expect(await leaseHolder('faults-expiry')).toBe(r.identity());
          scenario.push(
            `(d) partition of the reconciler (${proxy.closed} connections closed); etcd compacted to revision ${compactedTo} meanwhile; Workspace lists ${listsBefore} -> ${listsAfter} (relist after 410); created, changed and deleted Workspaces converged (${phases.join(', ')}): PASS`,
          );
        } finally {
          await proxy.stop();
        }
      },
      CASE_TIMEOUT_MS,
    );

  },
  ControlPlaneMode.FULL,
);
