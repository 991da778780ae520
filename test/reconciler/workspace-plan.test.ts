// The § sections and quirks cited in this file are those of docs/upstream-behavior.md.
import { renderService, renderStatefulSet } from '../../lib/core/render';
import { StateMessages } from '../../lib/core/state';
import { planWorkspace, renderedHash, WorkspaceSnapshot } from '../../lib/core/workspace-plan';
import { Mutable } from '../core/fixtures';
import { kind, liveService, liveStatefulSet, runningPod, workspace } from './helpers';

const NOW = 1_750_000_000;

function snapshot(overrides: Partial<WorkspaceSnapshot> & { ws?: Mutable } = {}): WorkspaceSnapshot {
  return { ws: workspace(), kind: kind(), statefulSets: [], services: [], statefulSetEvents: [], nowSeconds: NOW, ...overrides };
}

/** A Workspace whose objects exist as the API server returns them. */
function converged(ws: Mutable = workspace(), k: Mutable = kind()): WorkspaceSnapshot {
  return snapshot({
    ws,
    kind: k,
    statefulSets: [liveStatefulSet(renderStatefulSet(ws, k))],
    services: [liveService(renderService(ws, k))],
  });
}

describe('planWorkspace (§1.2)', () => {
  test('a new Workspace: create the StatefulSet and the Service, status Unknown with the resolved options', () => {
    const plan = planWorkspace(snapshot());
    expect(plan.actions.map((a) => a.type)).toEqual(['createStatefulSet', 'createService']);
    expect(plan.status).toEqual({
      activity: { lastActivity: 0, lastUpdate: 0 },
      pauseTime: 0,
      pendingRestart: false,
      podTemplateOptions: { imageConfig: { desired: 'jupyterlab_scipy_190' }, podConfig: { desired: 'tiny_cpu' } },
      podTemplatePod: { name: '' },
      state: 'Unknown',
      stateMessage: 'Workspace is in an unknown state',
    });
  });

  test('the protection finalizer is added to a Kind lacking it, but not to a Kind being deleted', () => {
    const bare = kind((k) => (k.metadata.finalizers = []));
    expect(planWorkspace(snapshot({ kind: bare })).actions[0]).toEqual({ type: 'addKindFinalizer', kind: bare });
    const deleting = kind((k) => {
      k.metadata.finalizers = [];
      k.metadata.deletionTimestamp = '2025-01-01T00:00:00Z';
    });
    // reconciliation continues normally for a Kind being deleted (§1.2 step 5)
    expect(planWorkspace(snapshot({ kind: deleting })).actions.map((a) => a.type)).toEqual(['createStatefulSet', 'createService']);
  });

  test('a Workspace being deleted is left alone', () => {
    const ws = workspace((w) => (w.metadata.deletionTimestamp = '2025-01-01T00:00:00Z'));
    expect(planWorkspace(snapshot({ ws }))).toEqual({ actions: [] });
  });

  test('unknown Kind: Error, nothing created', () => {
    const plan = planWorkspace(snapshot({ kind: undefined }));
    expect(plan.actions).toEqual([]);
    expect(plan.decision).toEqual(StateMessages.unknownKind('jupyterlab'));
    expect(plan.status?.stateMessage).toBe('Workspace references unknown WorkspaceKind: jupyterlab');
    expect(plan.status?.podTemplateOptions).toEqual({ imageConfig: {}, podConfig: {} });
  });

  test.each([
    ['imageConfig', 'nope', 'Workspace has invalid imageConfig: imageConfig with id "nope" not found'],
    ['podConfig', 'nope', 'Workspace has invalid podConfig: podConfig with id "nope" not found'],
  ])('invalid %s id: Error with the §2.5 detail', (type, id, message) => {
    const ws = workspace((w) => (w.spec.podTemplate.options[type] = id));
    const plan = planWorkspace(snapshot({ ws }));
    expect(plan.status?.state).toBe('Error');
    expect(plan.status?.stateMessage).toBe(message);
    expect(plan.actions.filter((a) => a.type !== 'addKindFinalizer')).toEqual([]);
  });

  test('circular and dangling redirects are Errors', () => {
    const circular = kind((k) => (k.spec.podTemplate.options.imageConfig.values[1].redirect = { to: 'jupyterlab_scipy_180' }));
    expect(planWorkspace(snapshot({ kind: circular })).status?.stateMessage).toBe(
      'Workspace has invalid imageConfig: imageConfig with id "jupyterlab_scipy_180" has a circular redirect',
    );
    const dangling = kind((k) => (k.spec.podTemplate.options.podConfig.values[0].redirect = { to: 'gone' }));
    expect(planWorkspace(snapshot({ kind: dangling })).status?.stateMessage).toBe(
      'Workspace has invalid podConfig: podConfig with id "gone" not found, was redirected from "tiny_cpu"',
    );
  });

  describe('redirects (§1.2 step 7, §2.5)', () => {
    const on180 = (edit?: (w: Mutable) => void): Mutable =>
      workspace((w) => {
        w.spec.podTemplate.options.imageConfig = 'jupyterlab_scipy_180';
        edit?.(w);
      });

    test('running: pendingRestart with the chain, the Pod keeps the selected option', () => {
      const ws = on180();
      const plan = planWorkspace(snapshot({ ws }));
      expect(plan.status?.pendingRestart).toBe(true);
      expect(plan.status?.podTemplateOptions.imageConfig).toEqual({
        desired: 'jupyterlab_scipy_190',
        redirectChain: [{ source: 'jupyterlab_scipy_180', target: 'jupyterlab_scipy_190' }],
      });
      const create = plan.actions.find((a) => a.type === 'createStatefulSet') as Mutable;
      expect(create.object.spec.template.spec.containers[0].image).toMatch(/:v1\.8\.0$/);
    });

    test('paused and not deferred: both ids are rewritten, nothing else happens in this pass', () => {
      const ws = on180((w) => (w.spec.paused = true));
      expect(planWorkspace(converged(ws))).toEqual({
        actions: [{ type: 'applyRedirects', imageConfig: 'jupyterlab_scipy_190', podConfig: 'tiny_cpu' }],
      });
    });

    test('paused with deferUpdates: the redirect stays pending', () => {
      const ws = on180((w) => {
        w.spec.paused = true;
        w.spec.deferUpdates = true;
      });
      const plan = planWorkspace(converged(ws));
      expect(plan.actions).toEqual([]);
      expect(plan.status?.pendingRestart).toBe(true);
      expect(plan.status?.state).toBe('Paused');
      expect(plan.status?.pauseTime).toBe(NOW);
    });
  });

  describe('owned objects (§1.7, §1.8)', () => {
    test('objects as the server returns them (defaults, canonical quantities) need no update', () => {
      for (const podConfig of ['tiny_cpu', 'small_cpu', 'big_gpu']) {
        const ws = workspace((w) => (w.spec.podTemplate.options.podConfig = podConfig));
        expect(planWorkspace(converged(ws)).actions).toEqual([]);
      }
    });

    test('drift in the template is patched with the resourceVersion as precondition', () => {
      const snap = converged();
      const live = snap.statefulSets[0] as Mutable;
      live.spec.template.spec.containers[0].image = 'tampered:latest';
      live.spec.template.spec.containers.push({ name: 'intruder', image: 'x' });
      const plan = planWorkspace(snap);
      expect(plan.actions).toHaveLength(1);
      const patch = (plan.actions[0] as Mutable).patch;
      expect(patch.metadata.resourceVersion).toBe('200');
      expect(patch.spec.template.spec.containers).toHaveLength(1);
      expect(patch.spec.template.spec.containers[0].image).toMatch(/:v1\.9\.0$/);
    });

    test('pausing patches only the replicas', () => {
      const snap = converged();
      const paused = workspace((w) => (w.spec.paused = true));
      const plan = planWorkspace({ ...snap, ws: paused });
      expect(plan.actions).toEqual([
        expect.objectContaining({ type: 'patchStatefulSet', patch: { metadata: { resourceVersion: '200' }, spec: { replicas: 0 } } }),
      ]);
    });

    test('labels and annotations added by others are kept; a removed workspace-name label is restored (quirk 2)', () => {
      const snap = converged();
      const live = snap.statefulSets[0] as Mutable;
      live.metadata.labels = { 'team': 'a' };
      live.metadata.annotations = { 'argocd.argoproj.io/tracking-id': 'x' };
      const plan = planWorkspace(snap);
      expect((plan.actions[0] as Mutable).patch).toEqual({
        metadata: { resourceVersion: '200', labels: { 'notebooks.kubeflow.org/workspace-name': 'jupyterlab-workspace' } },
      });
    });

    test('Service drift: selector and ports are restored', () => {
      const snap = converged();
      const live = snap.services[0] as Mutable;
      live.spec.selector = { app: 'other' };
      live.spec.ports[0].port = 9999;
      const patch = (planWorkspace(snap).actions[0] as Mutable).patch;
      expect(patch.spec.selector).toEqual({
        app: null,
        'notebooks.kubeflow.org/workspace-name': 'jupyterlab-workspace',
        statefulset: 'jupyterlab-workspace',
      });
      expect(patch.spec.ports).toEqual([{ name: 'http-8888', port: 8888, targetPort: 8888, protocol: 'TCP' }]);
    });

    test('a difference the normalisation cannot explain is written once, then trusted while the object is unchanged', () => {
      const snap = converged();
      const live = snap.statefulSets[0] as Mutable;
      live.spec.template.spec.someFutureDefault = 'x';
      expect(planWorkspace(snap).actions.map((a) => a.type)).toEqual(['patchStatefulSet']);
      const memo = { version: '1', hash: renderedHash(renderStatefulSet(snap.ws, snap.kind!)) };
      expect(planWorkspace({ ...snap, statefulSetApplied: memo }).actions).toEqual([]);
      // a later spec change by someone else (new generation) is compared again
      live.metadata.generation = 2;
      expect(planWorkspace({ ...snap, statefulSetApplied: memo }).actions.map((a) => a.type)).toEqual(['patchStatefulSet']);
    });

    test('several owned StatefulSets: Error naming them (sorted), Services untouched', () => {
      const snap = converged();
      const second = liveStatefulSet(renderStatefulSet(snap.ws, snap.kind!), 'ws-jupyterlab-workspace-aaaaa');
      const plan = planWorkspace({ ...snap, statefulSets: [snap.statefulSets[0], second], services: [] });
      expect(plan.actions).toEqual([]);
      expect(plan.status?.stateMessage).toBe(
        'Workspace owns multiple StatefulSets: ws-jupyterlab-workspace-aaaaa, ws-jupyterlab-workspace-abcde',
      );
      expect(plan.status?.podTemplatePod).toEqual({ name: '' });
    });

    test('several owned Services: Error', () => {
      const snap = converged();
      const second = liveService(renderService(snap.ws, snap.kind!), 'ws-jupyterlab-workspace-zzzzz');
      const plan = planWorkspace({ ...snap, services: [...snap.services, second] });
      expect(plan.status?.stateMessage).toBe('Workspace owns multiple Services: ws-jupyterlab-workspace-fghij, ws-jupyterlab-workspace-zzzzz');
    });

    test('a template error is a StatefulSet generation Error; nothing is created', () => {
      const k = kind((x) => (x.spec.podTemplate.extraEnv = [{ name: 'NB_PREFIX', value: '{{ bogus }}' }]));
      const plan = planWorkspace(snapshot({ kind: k }));
      expect(plan.actions).toEqual([]);
      expect(plan.status?.stateMessage).toMatch(
        /^Workspace failed to generate StatefulSet with error: failed to render extraEnv "NB_PREFIX": failed to parse template "\{\{ bogus \}\}": /,
      );
    });
  });

  describe('status (§2)', () => {
    test('a running Pod: Running with podTemplatePod; written once, then unchanged', () => {
      const snap = { ...converged(), pod: runningPod() };
      const plan = planWorkspace(snap);
      expect(plan.status).toMatchObject({
        state: 'Running',
        stateMessage: 'Workspace is running',
        podTemplatePod: { name: 'ws-jupyterlab-workspace-abcde-0', containers: [{ name: 'main' }] },
      });
      const again = planWorkspace({ ...snap, ws: { ...snap.ws, status: plan.status } });
      expect(again).toEqual({ actions: [], decision: StateMessages.running, status: undefined, statusWith: expect.any(Function) });
    });

    test('a warning about a StatefulSet revision being replaced in this pass is not reported', () => {
      const snap = converged();
      const paused = workspace((w) => (w.spec.paused = false));
      (snap.statefulSets[0] as Mutable).spec.replicas = 0;
      const events = [{ type: 'Warning', message: 'old failure', lastTimestamp: new Date((NOW - 60) * 1000).toISOString() }];
      expect(planWorkspace({ ...snap, ws: paused, statefulSetEvents: events }).status?.state).toBe('Unknown');
      // without a change in this pass the same warning is current
      (snap.statefulSets[0] as Mutable).spec.replicas = 1;
      expect(planWorkspace({ ...snap, ws: paused, statefulSetEvents: events }).status?.stateMessage).toBe(
        'Workspace StatefulSet has warning event: old failure',
      );
    });

    test('a just-created StatefulSet has no Pod: the snapshot Pod is ignored', () => {
      const plan = planWorkspace(snapshot({ pod: runningPod() }));
      expect(plan.status?.podTemplatePod).toEqual({ name: '' });
    });
  });
});
