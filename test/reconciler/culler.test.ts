/**
 * The culling loop (culler.ts) with a fake transport and a recording client: a probe the API server refuses with
 * 403 (a namespace that does not bind the culling rules) is a failed probe, and nothing else happens: no status
 * write, no pause, no retry within the round, no crash. The production transport itself (it needs the ESM-only
 * @kubernetes/client-node) runs in the bundle of the platform cluster suite, against a real API server.
 */
import { renderService, renderStatefulSet } from '../../lib/core/render';
import { Caches } from '../../lib/reconciler/caches';
import { Culler } from '../../lib/reconciler/culler';
import { ActivityProbeForbiddenError, activityProbeError, ActivityTransport, JupyterTarget } from '../../lib/reconciler/culling';
import { EventSink, EventType } from '../../lib/reconciler/events';
import { ApiError, KubeClient } from '../../lib/reconciler/kube/client';
import { Logger, LogLevel } from '../../lib/reconciler/log';
import { metricValue, ReconcilerMetrics } from '../../lib/reconciler/metrics';
import { RECONCILER_CULLING_CLUSTER_ROLE_NAME } from '../../lib/core/contract/permissions';
import { kind, liveService, liveStatefulSet, NS, runningPod, workspace } from './helpers';

/** The sample Kind with an exec probe instead of the Jupyter one. */
function execKind(): any {
  return kind((k) => (k.spec.podTemplate.culling = { enabled: true, maxInactiveSeconds: 3600, activityProbe: { exec: { command: ['true'] } } }));
}

/** Records the writes the culler makes; any other call fails the test. */
class RecordingClient {
  readonly writes: string[] = [];
  async mergePatch(path: string, body: any): Promise<unknown> {
    this.writes.push(`status ${path}`);
    return { ...structuredClone(current), metadata: { ...current.metadata, resourceVersion: '101' }, status: { ...current.status, ...body.status } };
  }
  async request(method: string, path: string): Promise<unknown> {
    this.writes.push(`${method} ${path}`);
    return {};
  }
}

class FakeTransport implements ActivityTransport {
  calls = 0;
  constructor(private readonly answer: () => Promise<string | number>) {}
  async jupyterStatus(_target: JupyterTarget): Promise<string> {
    this.calls++;
    return (await this.answer()) as string;
  }
  async exec(): Promise<number> {
    this.calls++;
    return (await this.answer()) as number;
  }
}

let current: any;

function culler(k: any, transport: ActivityTransport, nowMs = Date.parse('2025-06-01T00:00:00Z')) {
  const ws = workspace((w) => (w.status = { state: 'Running', activity: { lastActivity: 0, lastUpdate: 0 } }));
  current = ws;
  const client = new RecordingClient();
  const log = new Logger(LogLevel.ERROR, {}, () => undefined);
  const caches = new Caches(client as unknown as KubeClient, log);
  caches.workspaces.addIfAbsent(ws);
  caches.kinds.addIfAbsent(k);
  caches.statefulSets.addIfAbsent(liveStatefulSet(renderStatefulSet(ws, k)));
  caches.services.addIfAbsent(liveService(renderService(ws, k)));
  caches.pods.addIfAbsent(runningPod());
  const events: { type: EventType; reason: string; message: string }[] = [];
  const sink: EventSink = { emit: (_subject, type, reason, message) => events.push({ type, reason, message }) };
  const metrics = new ReconcilerMetrics({ queueDepth: () => undefined, workspacesByState: () => undefined });
  const c = new Culler(
    { client: client as unknown as KubeClient, caches, events: sink, log, now: () => nowMs, transport, metrics },
    { intervalMs: 50, probeTimeoutMs: 1000, concurrency: 2 },
  );
  return { culler: c, client, events, metrics };
}

const forbidden = (resource: string) => () =>
  Promise.reject(new ActivityProbeForbiddenError(NS, resource, `${resource} is forbidden: User "system:serviceaccount:kubeflow-workspaces:workspaces-controller" cannot get resource`));

describe('culler', () => {
  test('the fixture is culled when its probe answers: a Workspace idle for months is paused', async () => {
    // Without this, "never paused" below could pass because the fixture is not a culling candidate at all.
    const { culler: c, client } = culler(kind(), new FakeTransport(async () => JSON.stringify({ last_activity: '2025-01-01T00:00:00Z' })));
    await c.runOnce();
    expect(client.writes).toEqual([
      `status /apis/kubeflow.org/v1beta1/namespaces/${NS}/workspaces/jupyterlab-workspace/status`,
      `PATCH /apis/kubeflow.org/v1beta1/namespaces/${NS}/workspaces/jupyterlab-workspace`,
    ]);
  });

  test.each([
    ['jupyter (services/proxy)', kind(), 'services/proxy'],
    ['exec (pods/exec)', execKind(), 'pods/exec'],
  ])('%s refused with 403: a failed probe, no status write, never paused, one call per round', async (_, k, resource) => {
    const transport = new FakeTransport(forbidden(resource));
    const { culler: c, client, events, metrics } = culler(k, transport);
    const probe = k.spec.podTemplate.culling.activityProbe.jupyter ? 'jupyter' : 'exec';

    await expect(c.runOnce()).resolves.toBeUndefined();
    await c.runOnce();

    expect(transport.calls).toBe(2);
    expect(client.writes).toEqual([]);
    expect(await metricValue(metrics.activityProbes, { probe, result: 'failed' })).toBe(2);
    expect(await metricValue(metrics.culled)).toBe(0);
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ type: EventType.WARNING, reason: 'ActivityProbeFailed' });
    expect(events[0].message).toContain(`refused ${resource} in namespace "${NS}" (403 Forbidden`);
    expect(events[0].message).toContain(RECONCILER_CULLING_CLUSTER_ROLE_NAME);
  });

  test('a refused probe does not make the loop spin: one probe per interval', async () => {
    const transport = new FakeTransport(forbidden('services/proxy'));
    const { culler: c, client } = culler(kind(), transport);
    const abort = new AbortController();
    const running = c.run(abort.signal);
    await new Promise((r) => setTimeout(r, 230));
    abort.abort();
    await running;
    // intervalMs is 50: about 5 rounds in 230 ms, never a tight retry loop
    expect(transport.calls).toBeGreaterThanOrEqual(2);
    expect(transport.calls).toBeLessThanOrEqual(6);
    expect(client.writes).toEqual([]);
  });
});

describe('activityProbeError: what the API server transport rejects with', () => {
  const refusal = 'GET /api/v1/namespaces/workspace-test/services/s:http-8888/proxy/api/status: 403 services "s:http-8888" is forbidden: ' +
    'User "system:serviceaccount:kubeflow-workspaces:workspaces-controller" cannot get resource "services/proxy" in API group "" in the namespace "workspace-test"';

  test('the API server refusing the service proxy (a Forbidden Status) is an ActivityProbeForbiddenError', () => {
    const err = activityProbeError(new ApiError(403, 'Forbidden', refusal, 'GET', '/api/v1/...'), NS, 'services/proxy');
    expect(err).toBeInstanceOf(ActivityProbeForbiddenError);
    expect(err).toMatchObject({ namespace: NS, resource: 'services/proxy' });
    expect(err.message).toContain('cannot get resource "services/proxy"');
  });

  test('a 403 of the Workspace server behind the proxy (e.g. Jupyter wanting a token) is an ordinary failure', () => {
    const jupyter = new ApiError(403, '', 'GET /api/v1/...: 403 {"message": "Forbidden", "reason": null}', 'GET', '/api/v1/...');
    expect(activityProbeError(jupyter, NS, 'services/proxy')).toBe(jupyter);
    const network = new ApiError(403, '', 'GET /api/v1/...: 403 resolve_deny: denied destination', 'GET', '/api/v1/...');
    expect(activityProbeError(network, NS, 'services/proxy')).toBe(network);
  });

  test('a refused exec upgrade (ws rejects with an ErrorEvent, not an Error) is an ActivityProbeForbiddenError, not "[object Object]"', () => {
    const errorEvent = { type: 'error', message: 'Unexpected server response: 403', error: new Error('Unexpected server response: 403') };
    const err = activityProbeError(errorEvent, NS, 'pods/exec');
    expect(err).toBeInstanceOf(ActivityProbeForbiddenError);
    expect(err.message).toContain('refused pods/exec in namespace "workspace-test" (403 Forbidden: Unexpected server response: 403)');
  });

  test('other failures keep their message', () => {
    const unavailable = new ApiError(503, 'ServiceUnavailable', 'GET x: 503 no endpoints available', 'GET', 'x');
    expect(activityProbeError(unavailable, NS, 'services/proxy')).toBe(unavailable);
    expect(activityProbeError({ message: 'Unexpected server response: 500' }, NS, 'pods/exec').message).toBe('pods/exec failed: Unexpected server response: 500');
    const refused = new Error('connect ECONNREFUSED');
    expect(activityProbeError(refused, NS, 'pods/exec')).toBe(refused);
    expect(activityProbeError(undefined, NS, 'pods/exec').message).toBe('pods/exec failed: undefined');
  });
});
