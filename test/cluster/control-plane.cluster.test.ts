/**
 * Checks the test control plane itself: version, RBAC-authenticated ServiceAccount tokens from the
 * TokenRequest API, and (FULL mode) a StatefulSet Pod becoming Running and Ready on the kwok Node.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { ClusterConnection, describeCluster } from './connection';
import { ControlPlaneMode } from './control-plane';

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
