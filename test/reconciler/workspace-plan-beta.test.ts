/**
 * The Workspace pass at v2.0.0-beta.0 (docs/upstream-v2-beta.md §4), as pure decisions: the owned ServiceAccount and
 * RoleBindings, the Pod template, the VirtualService, the state and status, and the activity step.
 */
import { createHash } from 'node:crypto';
import { renderRoleBindings, renderService, renderServiceAccount, renderStatefulSet, renderVirtualService } from '../../lib/core/render';
import { ApiRevision } from '../../lib/core/revision';
import { planWorkspace, PENDING_REQUEUE_MS, WorkspaceSnapshot } from '../../lib/core/workspace-plan';
import { workspaceRoleBindingName, workspaceServiceAccountName } from '../../lib/core/naming';
import { Mutable } from '../core/fixtures';
import { betaKind, betaWorkspace } from './beta-fixtures';
import { liveService, liveStatefulSet, NS, runningPod, WS_UID } from './helpers';

const BETA = ApiRevision.V2_0_0_BETA_0;
const NOW_MS = 1_750_000_000_123;
const OWNER = { apiVersion: 'kubeflow.org/v1beta1', kind: 'Workspace', name: 'jupyterlab-workspace', uid: WS_UID, controller: true, blockOwnerDeletion: true };
const LABELS = { 'notebooks.kubeflow.org/workspace-name': 'jupyterlab-workspace' };

function liveSa(name = 'ws-jupyterlab-workspace', labels: Record<string, string> = LABELS): Mutable {
  return { metadata: { name, namespace: NS, uid: `uid-${name}`, resourceVersion: '7', labels, ownerReferences: [OWNER] } };
}

function snapshot(overrides: Partial<WorkspaceSnapshot> = {}): WorkspaceSnapshot {
  return {
    ws: betaWorkspace(),
    kind: betaKind(),
    statefulSets: [],
    services: [],
    statefulSetEvents: [],
    nowSeconds: Math.floor(NOW_MS / 1000),
    nowMs: NOW_MS,
    revision: BETA,
    serviceAccounts: [],
    roleBindings: [],
    podEvents: [],
    namespaceLabels: {},
    ...overrides,
  };
}

/** The objects of the Workspace exist as the API server returns them. */
function converged(ws: Mutable = betaWorkspace(), k: Mutable = betaKind(), extra: Partial<WorkspaceSnapshot> = {}): WorkspaceSnapshot {
  return snapshot({
    ws,
    kind: k,
    serviceAccounts: [liveSa()],
    statefulSets: [liveStatefulSet(renderStatefulSet(ws, k, { revision: BETA }))],
    services: [liveService(renderService(ws, k))],
    ...extra,
  });
}

describe('beta naming (beta §4.4)', () => {
  test('ServiceAccount ws-<name>; past 253 characters, 244 and -hash8 of the full name', () => {
    expect(workspaceServiceAccountName('a')).toBe('ws-a');
    const long = 'a'.repeat(260);
    const name = workspaceServiceAccountName(long);
    expect(name).toHaveLength(253);
    expect(name).toBe(`ws-${'a'.repeat(241)}-${createHash('sha256').update(long).digest('hex').slice(0, 8)}`);
    expect(workspaceServiceAccountName(`${long}b`)).not.toBe(name);
  });

  test('RoleBinding ws-<name>-<hash8(name/clusterRole)>, the hash always present', () => {
    const h = createHash('sha256').update('a/kubeflow-edit').digest('hex').slice(0, 8);
    expect(workspaceRoleBindingName('a', 'kubeflow-edit')).toBe(`ws-a-${h}`);
    expect(workspaceRoleBindingName('a', 'system:aggregate-to-edit')).toMatch(/^ws-a-[0-9a-f]{8}$/);
    expect(workspaceRoleBindingName('x'.repeat(300), 'r')).toHaveLength(253);
  });
});

describe('beta rendering (beta §4.5, beta worked example)', () => {
  test('the sample Workspace: own ServiceAccount, connect path, volumes home → data → secret → Kind extras', () => {
    const sts = renderStatefulSet(betaWorkspace(), betaKind(), { revision: BETA });
    const pod = sts.spec.template.spec as Mutable;
    expect(pod.serviceAccountName).toBe('ws-jupyterlab-workspace');
    expect(pod.containers[0].env).toEqual([{ name: 'NB_PREFIX', value: `/workspace/connect/${NS}/jupyterlab-workspace/jupyterlab/` }]);
    expect(pod.volumes.map((v: Mutable) => v.name)).toEqual(['home-volume', 'data-volume-0', 'secret-volume-0', 'dshm']);
    expect(pod.volumes[2]).toEqual({ name: 'secret-volume-0', secret: { secretName: 'workspace-secret', defaultMode: 420 } });
    expect(pod.containers[0].volumeMounts.map((m: Mutable) => [m.name, m.mountPath])).toEqual([
      ['home-volume', '/home/jovyan'],
      ['data-volume-0', '/data/my-data'],
      ['secret-volume-0', '/secrets/my-secret'],
      ['dshm', '/dev/shm'],
    ]);
    expect(sts.metadata).toEqual({ generateName: 'ws-jupyterlab-workspace-', namespace: NS, labels: LABELS, ownerReferences: [OWNER] });
  });

  test('a secret at a mount path already used is dropped; defaultMode 0 is kept', () => {
    const ws = betaWorkspace((w) => {
      w.spec.podTemplate.volumes.secrets = [
        { secretName: 's0', mountPath: '/home/jovyan' },
        { secretName: 's1', mountPath: '/s1', defaultMode: 0 },
      ];
    });
    const pod = renderStatefulSet(ws, betaKind(), { revision: BETA }).spec.template.spec as Mutable;
    expect(pod.volumes.filter((v: Mutable) => v.secret)).toEqual([{ name: 'secret-volume-1', secret: { secretName: 's1', defaultMode: 0 } }]);
  });

  test('fd7a3d8e renders no secret volumes and keeps its path and the Kind ServiceAccount', () => {
    const ws = betaWorkspace();
    const k = betaKind((kk) => (kk.spec.podTemplate.serviceAccount = { name: 'default-editor' }));
    const pod = renderStatefulSet(ws, k).spec.template.spec as Mutable;
    expect(pod.serviceAccountName).toBe('default-editor');
    expect(pod.volumes.some((v: Mutable) => v.secret)).toBe(false);
    expect(pod.containers[0].env[0].value).toBe(`/workspace/${NS}/jupyterlab-workspace/jupyterlab/`);
  });

  test('ServiceAccount and RoleBindings: name, label, controller owner, roleRef and subject; nothing else', () => {
    expect(renderServiceAccount(betaWorkspace())).toEqual({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'ws-jupyterlab-workspace', namespace: NS, labels: LABELS, ownerReferences: [OWNER] },
    });
    const k = betaKind((kk) => (kk.spec.podTemplate.serviceAccount = { clusterRoles: [{ name: 'kubeflow-edit' }, { name: 'view' }] }));
    const rbs = renderRoleBindings(betaWorkspace(), k, 'custom-sa');
    expect(rbs).toHaveLength(2);
    expect(rbs[0]).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: workspaceRoleBindingName('jupyterlab-workspace', 'kubeflow-edit'), namespace: NS, labels: LABELS, ownerReferences: [OWNER] },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kubeflow-edit' },
      subjects: [{ kind: 'ServiceAccount', name: 'custom-sa', namespace: NS }],
    });
  });

  test('VirtualService (beta worked example): gateway, hosts, one prefix route per HTTP port, headers, rewrite', () => {
    const istio = { gateway: 'kubeflow/kubeflow-gateway', hosts: '*', clusterDomain: 'cluster.local' };
    const vs = renderVirtualService(betaWorkspace(), betaKind(), 'ws-jupyterlab-workspace-abcde', istio);
    expect(vs.metadata.generateName).toBe('ws-jupyterlab-workspace-');
    expect(vs.spec).toEqual({
      gateways: ['kubeflow/kubeflow-gateway'],
      hosts: ['*'],
      http: [
        {
          match: [{ uri: { prefix: `/workspace/connect/${NS}/jupyterlab-workspace/jupyterlab/` } }],
          headers: { request: {} },
          route: [{ destination: { host: `ws-jupyterlab-workspace-abcde.${NS}.svc.cluster.local`, port: { number: 8888 } } }],
        },
      ],
    });
    const k = betaKind((kk) => {
      kk.spec.podTemplate.ports[0].httpProxy = { removePathPrefix: true, requestHeaders: { set: { 'X-RStudio-Root-Path': '{{ httpPathPrefix "jupyterlab" }}' }, remove: ['x'] } };
    });
    const route = renderVirtualService(betaWorkspace(), k, 'svc', istio).spec.http[0] as Mutable;
    expect(route.rewrite).toEqual({ uri: '/' });
    expect(route.headers).toEqual({ request: { set: { 'X-RStudio-Root-Path': `/workspace/connect/${NS}/jupyterlab-workspace/jupyterlab/` }, remove: ['x'] } });
    const bad = betaKind((kk) => (kk.spec.podTemplate.ports[0].httpProxy = { requestHeaders: { add: { h: '{{ httpPathPrefix "x" }' } } }));
    expect(() => renderVirtualService(betaWorkspace(), bad, 'svc', istio)).toThrow(/^failed to render requestHeaders.add "h": failed to parse template/);
  });
});

describe('planWorkspace at v2.0.0-beta.0 (beta §4.2)', () => {
  test('a new Workspace: ServiceAccount first, then StatefulSet and Service; status in ms with nodeName and serviceAccountName', () => {
    const plan = planWorkspace(snapshot());
    expect(plan.actions.map((a) => a.type)).toEqual(['createServiceAccount', 'createStatefulSet', 'createService']);
    expect(plan.status).toEqual({
      activity: { lastActivity: 0, lastUpdate: 0 },
      lastRunningTime: 0,
      pauseTime: 0,
      pendingRestart: false,
      podTemplateOptions: { imageConfig: { desired: 'jupyter-scipy:v1.10.0' }, podConfig: { desired: 'tiny_cpu' } },
      podTemplatePod: { name: '', nodeName: '', serviceAccountName: 'ws-jupyterlab-workspace' },
      state: 'Unknown',
      stateMessage: 'Workspace is in an unknown state',
    });
  });

  test('converged: nothing to do', () => {
    expect(planWorkspace(converged()).actions).toEqual([]);
  });

  test('an owned ServiceAccount keeps its name (Pod and bindings use it); a missing label is merged in', () => {
    const k = betaKind((kk) => (kk.spec.podTemplate.serviceAccount = { clusterRoles: [{ name: 'view' }] }));
    const plan = planWorkspace(snapshot({ kind: k, serviceAccounts: [liveSa('other-name', { team: 'a' })] }));
    expect(plan.actions[0]).toEqual({
      type: 'patchServiceAccount',
      live: expect.anything(),
      patch: { metadata: { resourceVersion: '7', labels: LABELS } },
    });
    const sts = plan.actions.find((a) => a.type === 'createStatefulSet') as Mutable;
    expect(sts.object.spec.template.spec.serviceAccountName).toBe('other-name');
    const rb = plan.actions.find((a) => a.type === 'createRoleBinding') as Mutable;
    expect(rb.object.subjects).toEqual([{ kind: 'ServiceAccount', name: 'other-name', namespace: NS }]);
    expect(plan.status?.podTemplatePod.serviceAccountName).toBe('other-name');
  });

  test('two owned ServiceAccounts: Error, nothing else written', () => {
    const plan = planWorkspace(snapshot({ serviceAccounts: [liveSa('b'), liveSa('a')] }));
    expect(plan.actions).toEqual([]);
    expect(plan.decision?.message).toBe('Workspace owns multiple ServiceAccounts: a, b');
  });

  test('RoleBindings: missing ones created, a dropped role deleted, a drifted roleRef deleted and created, subjects patched', () => {
    const k = betaKind((kk) => (kk.spec.podTemplate.serviceAccount = { clusterRoles: [{ name: 'edit' }, { name: 'view' }, { name: 'new' }] }));
    const [edit, view] = renderRoleBindings(betaWorkspace(), k, 'ws-jupyterlab-workspace');
    const live = (rb: Mutable, change: (x: Mutable) => void = () => undefined): Mutable => {
      const x = { metadata: { ...structuredClone(rb.metadata), uid: `uid-${rb.metadata.name}`, resourceVersion: '9' }, roleRef: { ...rb.roleRef }, subjects: structuredClone(rb.subjects) };
      change(x);
      return x;
    };
    const dropped = live(renderRoleBindings(betaWorkspace(), betaKind((kk) => (kk.spec.podTemplate.serviceAccount = { clusterRoles: [{ name: 'old' }] })), 'x')[0]);
    const plan = planWorkspace(
      converged(betaWorkspace(), k, {
        roleBindings: [live(edit, (x) => (x.roleRef.name = 'admin')), live(view, (x) => (x.subjects[0].name = 'someone')), dropped],
      }),
    );
    expect(plan.actions.map((a) => [a.type, (a as Mutable).live?.metadata.name ?? (a as Mutable).object?.metadata.name])).toEqual([
      ['deleteRoleBinding', edit.metadata.name],
      ['patchRoleBinding', view.metadata.name],
      ['deleteRoleBinding', dropped.metadata.name],
      ['createRoleBinding', edit.metadata.name],
      ['createRoleBinding', workspaceRoleBindingName('jupyterlab-workspace', 'new')],
    ]);
    expect((plan.actions[1] as Mutable).patch).toEqual({ metadata: { resourceVersion: '9' }, subjects: view.subjects });
  });

  test('redirects are reported, never applied, also while paused (beta §4.2 step 6)', () => {
    const ws = betaWorkspace((w) => {
      w.spec.paused = true;
      w.spec.podTemplate.options.imageConfig = 'jupyter-scipy:v1.9.2';
    });
    const plan = planWorkspace(snapshot({ ws }));
    expect(plan.actions.map((a) => a.type)).toEqual(['createServiceAccount', 'createStatefulSet', 'createService']);
    expect(plan.status).toMatchObject({
      pendingRestart: true,
      pauseTime: NOW_MS,
      state: 'Paused',
      podTemplateOptions: { imageConfig: { desired: 'jupyter-scipy:v1.10.0', redirectChain: [{ source: 'jupyter-scipy:v1.9.2', target: 'jupyter-scipy:v1.10.0' }] } },
    });
  });

  test('a Pod with a Warning Event is in Error unless Running and Ready (beta §4.8.1 B5); Pending requeues after 15 s', () => {
    const pending: Mutable = structuredClone(runningPod());
    pending.status = { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] };
    const warnings = [
      { type: 'Warning', message: 'older', lastTimestamp: '2025-01-01T00:00:00Z' },
      { type: 'Normal', message: 'n', lastTimestamp: '2025-01-01T00:00:09Z' },
      { type: 'Warning', message: 'MountVolume.SetUp failed', lastTimestamp: '2025-01-01T00:00:05Z' },
    ];
    const plan = planWorkspace(converged(undefined, undefined, { pod: pending, podEvents: warnings }));
    expect(plan.decision?.message).toBe('Workspace Pod has warning event: MountVolume.SetUp failed');
    expect(plan.requeueAfterMs).toBeUndefined();
    const quiet = planWorkspace(converged(undefined, undefined, { pod: pending, podEvents: [] }));
    expect(quiet.decision?.state).toBe('Pending');
    expect(quiet.requeueAfterMs).toBe(PENDING_REQUEUE_MS);
    const k = betaKind((kk) => delete kk.spec.podTemplate.activityProbe);
    expect(planWorkspace(converged(undefined, k, { pod: runningPod(), podEvents: warnings })).decision?.state).toBe('Running');
  });

  test('entering Running stamps lastRunningTime (ms), resets activity, and nodeName comes from the Pod (beta §4.8.3)', () => {
    const k = betaKind((kk) => delete kk.spec.podTemplate.activityProbe);
    const ws = betaWorkspace((w) => {
      w.status = { state: 'Pending', lastRunningTime: 5, activity: { lastActivity: 9, lastUpdate: 9, lastProbe: { startTime: 1, endTime: 2, result: 'Success', message: 'm' } } };
    });
    const pod: Mutable = structuredClone(runningPod());
    pod.spec.nodeName = 'node-1';
    const plan = planWorkspace(converged(ws, k, { pod }));
    expect(plan.status).toMatchObject({ state: 'Running', lastRunningTime: NOW_MS, activity: { lastActivity: 0, lastUpdate: 0 } });
    expect(plan.status?.activity.lastProbe).toBeUndefined();
    expect(plan.status?.podTemplatePod).toEqual({ name: pod.metadata.name, nodeName: 'node-1', serviceAccountName: 'ws-jupyterlab-workspace', containers: [{ name: 'main' }] });
  });

  test('Running with an activity probe: a due probe is handed to the shell; otherwise eligibleAfter refreshed and a requeue', () => {
    const ws = betaWorkspace((w) => (w.status = { state: 'Running', lastRunningTime: NOW_MS - 10_000, activity: { lastActivity: 0, lastUpdate: 0 } }));
    const due = planWorkspace(converged(ws, undefined, { pod: runningPod(), namespaceLabels: { tier: 'development' } }));
    expect(due.probe?.activity.probe.probeIntervalSeconds).toBe(3600);
    expect(due.probe?.activity.namespaceLabels).toEqual({ tier: 'development' });
    const lastProbe = { startTime: NOW_MS - 60_000, endTime: NOW_MS - 59_000, result: 'Success', message: 'Jupyter probe succeeded' };
    const probed = betaWorkspace((w) => (w.status = { state: 'Running', lastRunningTime: NOW_MS - 100_000, activity: { lastActivity: NOW_MS - 90_000, lastUpdate: NOW_MS - 59_000, lastProbe } }));
    const notDue = planWorkspace(converged(probed, undefined, { pod: runningPod(), namespaceLabels: {} }));
    expect(notDue.probe).toBeUndefined();
    expect(notDue.requeueAfterMs).toBe(3600_000 - 60_000);
    // the sample's catch-all rule: 86400 s since the last activity
    expect(notDue.status?.activity.rules).toEqual({ pauseWorkspace: { eligibleAfter: NOW_MS - 90_000 + 86_400_000 } });
  });

  test('Istio on: the VirtualService is created once the Service has a name; a second one is an Error', () => {
    const istio = { gateway: 'g', hosts: '*', clusterDomain: 'cluster.local' };
    expect(planWorkspace(snapshot({ istio })).actions.map((a) => a.type)).not.toContain('createVirtualService');
    const plan = planWorkspace(converged(undefined, undefined, { istio, virtualServices: [] }));
    expect(plan.actions.map((a) => a.type)).toEqual(['createVirtualService']);
    const two = [{ metadata: { name: 'b' } }, { metadata: { name: 'a' } }];
    expect(planWorkspace(converged(undefined, undefined, { istio, virtualServices: two })).decision?.message).toBe('Workspace owns multiple VirtualServices: a, b');
  });
});
