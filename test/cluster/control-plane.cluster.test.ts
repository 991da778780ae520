/**
 * Checks the test control plane itself: version, RBAC-authenticated ServiceAccount tokens from the
 * TokenRequest API, and (FULL mode) a StatefulSet Pod becoming Running and Ready on the kwok Node.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { ClusterConnection, describeCluster } from './connection';
import * as path from 'node:path';
import { ControlPlane, ControlPlaneMode, kubeRequest, NODE_LEASE_DURATION_SECONDS } from './control-plane';
import { TcpProxy } from './proxy';

const TIMEOUT_MS = 60_000;

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

function expectStatus(r: { status: number; body: string }, ...ok: number[]) {
  if (!ok.includes(r.status)) throw new Error(`HTTP ${r.status}, expected ${ok.join('/')}: ${r.body.slice(0, 500)}`);
}

describeCluster('test control plane', (cluster: ClusterConnection) => {
  const ns = `cp-test-${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    const r = await cluster.request('/api/v1/namespaces', {
      method: 'POST',
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    });
    expectStatus(r, 201);
  }, TIMEOUT_MS);

  afterAll(async () => {
    await cluster.request(`/api/v1/namespaces/${ns}`, { method: 'DELETE' });
  }, TIMEOUT_MS);

  it('reports Kubernetes v1.36 on /version', async () => {
    const r = await cluster.request('/version');
    expectStatus(r, 200);
    expect(r.json.gitVersion).toMatch(/^v1\.36\.\d+$/);
    expect(r.json.major).toBe('1');
    expect(r.json.minor).toBe('36');
    expect(cluster.version).toBe(r.json.gitVersion);
  });

  it('rejects requests without a token (RBAC, no anonymous access)', async () => {
    const r = await cluster.request('/api/v1/namespaces', { token: '' });
    expect(r.status).toBe(401);
  });

  it('issues ServiceAccount tokens through TokenRequest that authenticate', async () => {
    expectStatus(
      await cluster.request(`/api/v1/namespaces/${ns}/serviceaccounts`, {
        method: 'POST',
        body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'reconciler' } },
      }),
      201,
    );
    const tr = await cluster.request(`/api/v1/namespaces/${ns}/serviceaccounts/reconciler/token`, {
      method: 'POST',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
    });
    expectStatus(tr, 201);
    const token: string = tr.json.status.token;
    expect(token.split('.')).toHaveLength(3); // a JWT

    const review = await cluster.request('/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      method: 'POST',
      token,
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    });
    expectStatus(review, 201);
    expect(review.json.status.userInfo.username).toBe(`system:serviceaccount:${ns}:reconciler`);

    // RBAC applies: the ServiceAccount may not list Secrets until granted
    const denied = await cluster.request(`/api/v1/namespaces/${ns}/secrets`, { token });
    expect(denied.status).toBe(403);

    const kubeconfig = cluster.kubeconfigFor(token, 'reconciler');
    const text = fs.readFileSync(kubeconfig, 'utf8');
    expect(text).toContain(cluster.server);
    expect(text).toContain(token);
  }, TIMEOUT_MS);

  if (cluster.mode === ControlPlaneMode.FULL) {
    it('runs a StatefulSet Pod to Running and Ready on the kwok Node', async () => {
      const labels = { app: 'sts-check' };
      expectStatus(
        await cluster.request(`/apis/apps/v1/namespaces/${ns}/statefulsets`, {
          method: 'POST',
          body: {
            apiVersion: 'apps/v1',
            kind: 'StatefulSet',
            metadata: { name: 'sts-check' },
            spec: {
              replicas: 1,
              serviceName: 'sts-check',
              selector: { matchLabels: labels },
              template: {
                metadata: { labels },
                spec: { containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10' }] },
              },
            },
          },
        }),
        201,
      );
      const pod = await eventually('Pod sts-check-0 Running and Ready', async () => {
        const r = await cluster.request(`/api/v1/namespaces/${ns}/pods/sts-check-0`);
        if (r.status !== 200) return undefined;
        const ready = (r.json.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
        return r.json.status?.phase === 'Running' && ready?.status === 'True' ? r.json : undefined;
      });
      expect(pod.spec.nodeName).toBe(cluster.nodeName);
      const sts = await eventually('StatefulSet readyReplicas 1', async () => {
        const r = await cluster.request(`/apis/apps/v1/namespaces/${ns}/statefulsets/sts-check`);
        return r.json?.status?.readyReplicas === 1 ? r.json : undefined;
      });
      expect(sts.status.readyReplicas).toBe(1);
    }, TIMEOUT_MS + 10_000);
  }
});

describeCluster(
  'test control plane: the fake Node stays healthy',
  (cluster: ClusterConnection) => {
    it('kwok holds the Node Lease in kube-node-lease and renews it (so the node lifecycle controller never marks its Pods NotReady)', async () => {
      const lease = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${cluster.nodeName}`;
      const first = await cluster.request(lease);
      expectStatus(first, 200);
      expect(first.json.spec.leaseDurationSeconds).toBe(NODE_LEASE_DURATION_SECONDS);
      expect(first.json.spec.holderIdentity).toBeTruthy();
      expect(first.json.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Node', name: cluster.nodeName })]);
      // renewed every quarter of the duration (10 s)
      const renewed = await eventually('a renewal', async () => {
        const r = await cluster.request(lease);
        return r.json?.spec?.renewTime !== first.json.spec.renewTime ? r.json : undefined;
      }, 20_000);
      expect(Date.parse(renewed.spec.renewTime)).toBeGreaterThan(Date.parse(first.json.spec.renewTime));
      const node = await cluster.request(`/api/v1/nodes/${cluster.nodeName}`);
      expect((node.json.status.conditions as any[]).find((c) => c.type === 'Ready')?.status).toBe('True');
    }, 30_000);
  },
  ControlPlaneMode.FULL,
);

describeCluster(
  'test control plane: faults (a control plane of its own)',
  () => {
    let cp: ControlPlane;
    beforeAll(async () => {
      cp = await ControlPlane.start({ mode: ControlPlaneMode.FULL });
    }, 120_000);
    afterAll(async () => {
      await cp?.stop();
    }, 30_000);

    it('restartApiServer: same port, certificate and data; extra flags apply; clients reconnect', async () => {
      const created = await cp.request('/api/v1/namespaces/default/configmaps', {
        method: 'POST',
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'survivor' }, data: { a: 'b' } },
      });
      expectStatus(created, 201);
      const [server, ca, pid] = [cp.server, cp.caData, cp.pidOf('kube-apiserver')];
      const { downMs } = await cp.restartApiServer({ extraArgs: ['--watch-cache=false'] });
      expect(downMs).toBeGreaterThan(0);
      expect([cp.server, cp.caData]).toEqual([server, ca]);
      expect(cp.pidOf('kube-apiserver')).not.toBe(pid);
      expect(fs.readFileSync(path.join(cp.logDir, 'kube-apiserver.log'), 'utf8')).toMatch(/--watch-cache=false/);
      const r = await cp.request('/api/v1/namespaces/default/configmaps/survivor');
      expectStatus(r, 200);
      expect(r.json.metadata.uid).toBe(created.json.metadata.uid);
    }, 60_000);

    it('compactEtcd: afterwards a watch from an older resourceVersion ends with 410 Gone (no watch cache)', async () => {
      const before = (await cp.request('/api/v1/namespaces/default/configmaps')).json.metadata.resourceVersion;
      // two writes: a watch from `before` starts at before+1, which the compaction to the newest revision removes
      for (const name of ['churn-1', 'churn-2']) {
        expectStatus(
          await cp.request('/api/v1/namespaces/default/configmaps', { method: 'POST', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } } }),
          201,
        );
      }
      const revision = await cp.compactEtcd();
      expect(revision).toBeGreaterThan(Number(before));
      expect(await cp.etcdRevision()).toBeGreaterThanOrEqual(revision);
      const w = await cp.request(`/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${before}&timeoutSeconds=2`);
      // either the request fails with 410, or the stream's first event is an ERROR with code 410
      const status = w.status === 200 ? JSON.parse(w.body.split('\n')[0]).object.code : w.status;
      expect(status).toBe(410);
    }, 30_000);

    it('TcpProxy: cut() closes the connections of one client, heal() lets it in again', async () => {
      const proxy = await TcpProxy.start(Number(new URL(cp.server).port));
      try {
        const viaProxy = (p: string) => kubeRequest(proxy.url + p, { token: cp.adminToken, ca: cp.caData, timeoutMs: 5_000 });
        expectStatus(await viaProxy('/version'), 200);
        proxy.cut();
        await expect(viaProxy('/version')).rejects.toThrow(/ECONNRESET|socket hang up|socket disconnected/);
        expectStatus(await cp.request('/version'), 200); // everyone else still gets through
        proxy.heal();
        expectStatus(await viaProxy('/version'), 200);
        expect(proxy.closed).toBeGreaterThan(0);
      } finally {
        await proxy.stop();
      }
    }, 30_000);

    it('restarts kube-scheduler after it exits (as kubelet restarts a static Pod) and counts it', async () => {
      const pid = cp.pidOf('kube-scheduler')!;
      expect(pid).toBeGreaterThan(0);
      process.kill(pid, 'SIGKILL');
      const next = await eventually('a new kube-scheduler', async () => {
        const p = cp.pidOf('kube-scheduler');
        return p && p !== pid ? p : undefined;
      }, 20_000);
      expect(next).not.toBe(pid);
      expect(cp.restarts).toEqual({ 'kube-scheduler': 1 });
      expect(fs.readFileSync(path.join(cp.logDir, 'kube-scheduler.log'), 'utf8')).toContain('[harness] exited (SIGKILL); restarting in 1 s (restart #1)');
    }, 30_000);
  },
  ControlPlaneMode.FULL,
);
