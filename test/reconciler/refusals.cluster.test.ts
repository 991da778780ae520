/**
 * The reconciler's failure path on a real kube-apiserver: Workspaces and kinds stored without the core's checks
 * (written through the raw API; no admission webhook runs here) whose StatefulSet the API server refuses (422).
 *
 * The Workspace goes to state Error with the API server's message and a complete status, one Warning Event is
 * recorded however often the pass is retried, every refusal is counted in `kfws_owned_object_refusals_total`, retries
 * back off (capped), and fixing the kind is reconciled at once, not after the backoff.
 */
import { metricValue } from '../../lib/reconciler/metrics';
import { ClusterConnection, describeCluster } from '../cluster/connection';
import {
  Api,
  controllerKind,
  controllerWorkspace,
  createNamespace,
  ensureCrds,
  eventually,
  paths,
  reconcilerToken,
  startReconciler,
  suffix,
  TestReconciler,
  TIMEOUT_MS,
  ungrantedRequests,
} from './cluster-helpers';

jest.setTimeout(2 * TIMEOUT_MS);

const BACKOFF_BASE_MS = 3000;
const BACKOFF_MAX_MS = 6000;

describeCluster('reconciler: owned objects the API server refuses', (cluster: ClusterConnection) => {
  const api = new Api(cluster);
  const id = suffix();
  const ns = `ws-refused-${id}`;
  const controllerNs = `kfws-refused-${id}`;
  let reconciler: TestReconciler | undefined;

  const refusals = (): Promise<number> => metricValue(reconciler!.manager.metrics.refusedWrites, { resource: 'StatefulSet', verb: 'create', code: '422' });
  const status = async (name: string): Promise<any> => (await api.get(paths.workspace(ns, name)))?.status;
  const warnings = async (name: string): Promise<any[]> =>
    (await api.list(`/api/v1/namespaces/${ns}/events`)).filter((e) => e.involvedObject?.name === name && e.type === 'Warning');

  beforeAll(async () => {
    await ensureCrds(api);
    await createNamespace(api, ns);
    await createNamespace(api, controllerNs);
    const token = await reconcilerToken(api, controllerNs, [ns]);
    reconciler = await startReconciler(cluster, token, controllerNs, { backoffBaseMs: BACKOFF_BASE_MS, backoffMaxMs: BACKOFF_MAX_MS });
  }, TIMEOUT_MS);

  afterAll(async () => {
    if (reconciler) {
      expect(ungrantedRequests(reconciler.manager, [ns])).toEqual([]);
      await reconciler.manager.stop();
    }
    await api.del(`/api/v1/namespaces/${ns}`);
  }, TIMEOUT_MS);

  it('a 100-character Workspace name: state Error with the API server message, one Warning Event, retries counted', async () => {
    const kind = `refused-${id}`;
    const name = `w${'x'.repeat(99)}`;
    await api.create(paths.kinds, controllerKind(kind));
    const before = await refusals();
    await api.create(paths.workspaces(ns), controllerWorkspace(name, kind));

    const s = await eventually('state Error', async () => ((await status(name))?.state === 'Error' ? status(name) : undefined));
    expect(s.stateMessage).toMatch(new RegExp(`^Workspace failed to create StatefulSet: \\[metadata\\.labels: Invalid value: "${name}": must be no more than 63 (bytes|characters), `));
    expect(s.stateMessage).not.toMatch(/ws-w+x+-[a-z0-9]{5}/); // no random generated name: the message is stable
    // The status is complete, as on every other path.
    expect(s).toMatchObject({
      activity: { lastActivity: 0, lastUpdate: 0 },
      pauseTime: 0,
      pendingRestart: true,
      podTemplateOptions: { imageConfig: { desired: 'jupyterlab_scipy_190' }, podConfig: { desired: 'tiny_cpu' } },
      podTemplatePod: { name: '' },
    });

    // Retries go on, with backoff: 0 s, 3 s, 9 s (3 + 6, capped) ...
    await eventually('three refused creates', async () => (await refusals()) - before >= 3, 30_000);
    const events = await warnings(name);
    expect(events.map((e) => e.reason)).toEqual(['FailedCreate']);
    expect(events[0].message).toBe(s.stateMessage);
    expect((await api.list(paths.statefulSets(ns))).filter((x) => x.metadata.labels?.['notebooks.kubeflow.org/workspace-name'] === name)).toEqual([]);
    expect((await status(name)).stateMessage).toBe(s.stateMessage);
    await api.del(paths.workspace(ns, name));
  });

  it('fixing the kind is reconciled at once, without waiting for the backoff', async () => {
    const kind = `bad-env-${id}`;
    await api.create(paths.kinds, controllerKind(kind, (k) => k.spec.podTemplate.extraEnv.push({ name: 'A=B', value: 'x' })));
    await api.create(paths.workspaces(ns), controllerWorkspace('fixable', kind));
    const s = await eventually('state Error', async () => ((await status('fixable'))?.state === 'Error' ? status('fixable') : undefined));
    expect(s.stateMessage).toContain("spec.template.spec.containers[0].env[1].name: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='");

    // Right after the second refusal the next retry is BACKOFF_MAX_MS away.
    const seen = await refusals();
    await eventually('a second refusal', async () => (await refusals()) > seen, 30_000);
    const fixedAt = Date.now();
    const k = await api.get(paths.kind(kind));
    k.spec.podTemplate.extraEnv = k.spec.podTemplate.extraEnv.filter((e: any) => e.name !== 'A=B');
    const r = await cluster.request(paths.kind(kind), { method: 'PUT', body: k });
    expect(r.status).toBe(200);
    // The StatefulSet is created; the state is then whatever its Pod gives (no ServiceAccount exists here, so it may
    // well be the StatefulSet's warning Event), but no longer the refusal.
    await eventually('the StatefulSet created', async () => (await api.list(paths.statefulSets(ns, 'notebooks.kubeflow.org/workspace-name=fixable'))).length === 1, 10_000);
    expect(Date.now() - fixedAt).toBeLessThan(BACKOFF_MAX_MS / 2);
    const after = await eventually('a state other than the refusal', async () => {
      const st = await status('fixable');
      return st && !st.stateMessage.startsWith('Workspace failed to create') ? st : undefined;
    }, 10_000);
    expect(after.stateMessage).not.toContain('A=B');
  });
});
