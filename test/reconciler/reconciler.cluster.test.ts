/**
 * The reconciler against a real kube-apiserver (test/cluster): upstream's controller envtest scenarios
 * (docs/upstream-behavior.md §6.2 C1–C13), the untested TODO list of §6.2, the end-to-end scenarios of §6.6 that apply
 * without webhooks, culling, and the process itself (bundle, RBAC, Lease, graceful shutdown).
 *
 * The reconciler runs in-process as a ServiceAccount that holds exactly the rules of permissions.ts, bound as the
 * platform charts bind them (the culling rules only in the Workspace namespace, as a tenant does); the activity
 * probes use a test transport (the kwok Pods are not real, so neither the service proxy nor exec can reach them).
 * The production transport, with and without the tenant binding, is exercised in test/platform/install.cluster.test.ts.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClusterConnection, describeCluster } from '../cluster/connection';
import { ControlPlaneMode } from '../cluster/control-plane';
import { freePort, httpGet } from '../e2e/helpers';
import { ActivityTransport } from '../../lib/reconciler/culling';
import { metricValue } from '../../lib/reconciler/metrics';
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

const LABEL = 'notebooks.kubeflow.org/workspace-name';
const FINALIZER = 'notebooks.kubeflow.org/workspacekind-protection';
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

function setup(cluster: ClusterConnection, transport?: ActivityTransport, overrides = {}) {
  const api = new Api(cluster);
  const id = suffix();
  const ctx = { api, ns: `ws-${id}`, controllerNs: `kfws-${id}`, id, reconciler: undefined as TestReconciler | undefined };
  beforeAll(async () => {
    await ensureCrds(api);
    await createNamespace(api, ctx.ns);
    await createNamespace(api, ctx.controllerNs);
    const token = await reconcilerToken(api, ctx.controllerNs, [ctx.ns]);
    ctx.reconciler = await startReconciler(cluster, token, ctx.controllerNs, overrides, transport);
  }, TIMEOUT_MS);
  afterAll(async () => {
    if (ctx.reconciler) {
      expect(ungrantedRequests(ctx.reconciler.manager, [ctx.ns])).toEqual([]);
      await ctx.reconciler.manager.stop();
      const errors = ctx.reconciler.logs.filter((l) => l.includes('"level":"error"'));
      if (errors.length > 0) console.warn(`reconciler errors:\n${errors.slice(-20).join('\n')}`);
    }
    await api.del(`/api/v1/namespaces/${ctx.ns}`);
  }, TIMEOUT_MS);
  return ctx;
}

async function workspaceStatus(api: Api, ns: string, name: string): Promise<any> {
  return (await api.get(paths.workspace(ns, name)))?.status;
}

async function waitForState(api: Api, ns: string, name: string, state: string, message?: string): Promise<any> {
  return eventually(`Workspace ${ns}/${name} in state ${state}${message ? ` (${message})` : ''}`, async () => {
    const s = await workspaceStatus(api, ns, name);
    return s?.state === state && (message === undefined || s.stateMessage === message) ? s : undefined;
  });
}

describeCluster('reconciler: upstream controller scenarios (§6.2)', (cluster) => {
  const ctx = setup(cluster);
  const kindName = () => `jupyterlab-${ctx.id}`;

  beforeAll(async () => {
    await ctx.api.create(paths.kinds, controllerKind(kindName()));
    await ctx.api.create(paths.workspaces(ctx.ns), controllerWorkspace('ws-c', kindName()));
  }, TIMEOUT_MS);

  it('C1: spec.kind of a Workspace is immutable', async () => {
    const r = await ctx.api.patch(paths.workspace(ctx.ns, 'ws-c'), { spec: { kind: 'other' } });
    expect(r.status).toBe(422);
    expect(r.body).toContain("Workspace 'kind' is immutable");
  });

  it('writes a complete first status: Unknown (no Pod yet) with the redirect of jupyterlab_scipy_180 pending', async () => {
    const status = await eventually('a status', () => workspaceStatus(ctx.api, ctx.ns, 'ws-c'));
    expect(status).toMatchObject({
      activity: { lastActivity: 0, lastUpdate: 0 },
      pauseTime: 0,
      pendingRestart: true,
      podTemplateOptions: {
        imageConfig: { desired: 'jupyterlab_scipy_190', redirectChain: [{ source: 'jupyterlab_scipy_180', target: 'jupyterlab_scipy_190' }] },
        podConfig: { desired: 'tiny_cpu' },
      },
    });
    expect(['Unknown', 'Pending', 'Running', 'Error']).toContain(status.state);
  });

  it('C4, C5: exactly one StatefulSet and one Service carry the workspace-name label, owned by the Workspace', async () => {
    const selector = `${LABEL}=ws-c`;
    const [sts] = await eventually('one StatefulSet', async () => {
      const l = await ctx.api.list(paths.statefulSets(ctx.ns, selector));
      return l.length === 1 ? l : undefined;
    });
    const svcs = await eventually('one Service', async () => {
      const l = await ctx.api.list(paths.services(ctx.ns, selector));
      return l.length === 1 ? l : undefined;
    });
    expect(sts.metadata.name).toMatch(/^ws-ws-c-[a-z0-9]{5}$/);
    expect(svcs[0].metadata.name).toMatch(/^ws-ws-c-[a-z0-9]{5}$/);
    const ws = await ctx.api.get(paths.workspace(ctx.ns, 'ws-c'));
    expect(sts.metadata.ownerReferences).toEqual([
      { apiVersion: 'kubeflow.org/v1beta1', kind: 'Workspace', name: 'ws-c', uid: ws.metadata.uid, controller: true, blockOwnerDeletion: true },
    ]);
    // the Pod is rendered from the selected option, not the redirect target (§2.5)
    expect(sts.spec.template.spec.containers[0].image).toMatch(/:v1\.8\.0$/);
    expect(sts.spec.template.spec.containers[0].env).toEqual([{ name: 'NB_PREFIX', value: `/workspace/${ctx.ns}/ws-c/jupyterlab/` }]);
  });

  it('C2: pausing sets pauseTime to about now, and applies the pending redirect (§1.2 step 7)', async () => {
    await ctx.api.patchOk(paths.workspace(ctx.ns, 'ws-c'), { spec: { paused: true } });
    const pausedAt = nowSeconds();
    const status = await eventually('pauseTime and redirect applied', async () => {
      const ws = await ctx.api.get(paths.workspace(ctx.ns, 'ws-c'));
      return ws.status?.pauseTime > 0 && ws.spec.podTemplate.options.imageConfig === 'jupyterlab_scipy_190' && ws.status.pendingRestart === false
        ? ws.status
        : undefined;
    });
    expect(Math.abs(status.pauseTime - pausedAt)).toBeLessThanOrEqual(5);
    expect(status.podTemplateOptions.imageConfig).toEqual({ desired: 'jupyterlab_scipy_190' });
    const [sts] = await eventually('StatefulSet scaled to 0 with the new image', async () => {
      const l = await ctx.api.list(paths.statefulSets(ctx.ns, `${LABEL}=ws-c`));
      return l[0]?.spec.replicas === 0 && l[0].spec.template.spec.containers[0].image.endsWith(':v1.9.0') ? l : undefined;
    });
    expect(sts).toBeDefined();
  });

  it('C3: unpausing resets pauseTime to 0', async () => {
    await ctx.api.patchOk(paths.workspace(ctx.ns, 'ws-c'), { spec: { paused: false } });
    await eventually('pauseTime 0', async () => (await workspaceStatus(ctx.api, ctx.ns, 'ws-c'))?.pauseTime === 0);
  });

  it.each([
    ['C6', { spec: { podTemplate: { serviceAccount: { name: 'other' } } } }, "ServiceAccount 'name' is immutable"],
    ['C7', { spec: { podTemplate: { volumeMounts: { home: '/other' } } } }, "mount path of 'home' is immutable"],
    ['C8', { spec: { spawner: { icon: { url: 'https://x/y.png', configMap: { name: 'a', key: 'b' } } } } }, "must specify exactly one of 'url' or 'configMap'"],
    ['C9', { spec: { podTemplate: { culling: { activityProbe: { exec: { command: ['true'] }, jupyter: { lastActivity: true } } } } } }, "must specify exactly one of 'exec' or 'jupyter'"],
  ])('%s: the API server rejects the Kind change', async (_id, patch, message) => {
    const r = await ctx.api.patch(paths.kind(kindName()), patch);
    expect(r.status).toBe(422);
    expect(r.body).toContain(message);
  });

  describe('WorkspaceKind status and finalizer (C10–C13)', () => {
    const kind2 = () => `counted-${ctx.id}`;

    it('C10, C11: counts by spec-selected option in spec order; the protection finalizer is added', async () => {
      await ctx.api.create(paths.kinds, controllerKind(kind2()));
      await ctx.api.create(paths.workspaces(ctx.ns), controllerWorkspace('ws-count', kind2()));
      const kind = await eventually('Kind status counts 1 and the finalizer', async () => {
        const k = await ctx.api.get(paths.kind(kind2()));
        return k.status?.workspaces === 1 && k.metadata.finalizers?.includes(FINALIZER) ? k : undefined;
      });
      expect(kind.status).toEqual({
        workspaces: 1,
        podTemplateOptions: {
          imageConfig: [
            { id: 'jupyterlab_scipy_180', workspaces: 1 },
            { id: 'jupyterlab_scipy_190', workspaces: 0 },
          ],
          podConfig: [
            { id: 'tiny_cpu', workspaces: 1 },
            { id: 'small_cpu', workspaces: 0 },
            { id: 'big_gpu', workspaces: 0 },
          ],
        },
      });
      expect(kind.metadata.finalizers).toContain(FINALIZER);
    });

    it('a finalizer removed by hand while in use is put back (quirk 13)', async () => {
      const k = await ctx.api.get(paths.kind(kind2()));
      await ctx.api.patchOk(paths.kind(kind2()), { metadata: { resourceVersion: k.metadata.resourceVersion, finalizers: [] } });
      await eventually('finalizer restored', async () => (await ctx.api.get(paths.kind(kind2()))).metadata.finalizers?.includes(FINALIZER));
    });

    it('C12: after deleting the Workspace the counts return to zero', async () => {
      expect(await ctx.api.del(paths.workspace(ctx.ns, 'ws-count'))).toBe(200);
      const kind = await eventually('Kind status counts 0', async () => {
        const k = await ctx.api.get(paths.kind(kind2()));
        return k.status?.workspaces === 0 ? k : undefined;
      });
      expect(kind.status.podTemplateOptions.imageConfig).toEqual([
        { id: 'jupyterlab_scipy_180', workspaces: 0 },
        { id: 'jupyterlab_scipy_190', workspaces: 0 },
      ]);
      expect(kind.status.podTemplateOptions.podConfig.map((u: any) => u.workspaces)).toEqual([0, 0, 0]);
    });

    it('C13: the finalizer is removed and the Kind can be deleted', async () => {
      await eventually('finalizer removed', async () => !(await ctx.api.get(paths.kind(kind2()))).metadata.finalizers?.includes(FINALIZER));
      expect(await ctx.api.del(paths.kind(kind2()))).toBe(200);
      await eventually('Kind gone', async () => (await ctx.api.get(paths.kind(kind2()))) === undefined);
    });
  });
});

describeCluster('reconciler: objects, drift and errors (§6.2 TODO list)', (cluster) => {
  const ctx = setup(cluster);
  const kindName = () => `drift-${ctx.id}`;

  beforeAll(async () => {
    await ctx.api.create(paths.kinds, controllerKind(kindName()));
  }, TIMEOUT_MS);

  async function ownedStatefulSet(name: string): Promise<any> {
    return eventually(`one StatefulSet of ${name}`, async () => {
      const l = await ctx.api.list(paths.statefulSets(ctx.ns, `${LABEL}=${name}`));
      return l.length === 1 ? l[0] : undefined;
    });
  }

  it('recreates a deleted StatefulSet and reverts a modified one', async () => {
    await ctx.api.create(paths.workspaces(ctx.ns), controllerWorkspace('ws-drift', kindName()));
    const first = await ownedStatefulSet('ws-drift');
    expect(await ctx.api.del(`/apis/apps/v1/namespaces/${ctx.ns}/statefulsets/${first.metadata.name}`)).toBe(200);
    const second = await eventually('a new StatefulSet', async () => {
      const l = await ctx.api.list(paths.statefulSets(ctx.ns, `${LABEL}=ws-drift`));
      return l.length === 1 && l[0].metadata.uid !== first.metadata.uid ? l[0] : undefined;
    });
    const stsPath = `/apis/apps/v1/namespaces/${ctx.ns}/statefulsets/${second.metadata.name}`;
    const template = second.spec.template;
    template.spec.containers[0].image = 'tampered:1';
    template.spec.containers[0].env = [];
    await ctx.api.patchOk(stsPath, { spec: { template, replicas: 3 } });
    const reverted = await eventually('reverted', async () => {
      const s = await ctx.api.get(stsPath);
      return s.spec.replicas === 1 && s.spec.template.spec.containers[0].image.endsWith(':v1.8.0') ? s : undefined;
    });
    expect(reverted.spec.template.spec.containers[0].env).toHaveLength(1);
  });

  it('makes no write after convergence (quirk 1): later passes leave the objects alone', async () => {
    const manager = ctx.reconciler!.manager;
    await ownedStatefulSet('ws-drift');
    await eventually('idle', async () => manager.idle);
    const writes = async (): Promise<number> =>
      (await metricValue(manager.metrics.apiRequests, { verb: 'patch', resource: 'statefulsets.apps' })) +
      (await metricValue(manager.metrics.apiRequests, { verb: 'patch', resource: 'services' })) +
      (await metricValue(manager.metrics.apiRequests, { verb: 'patch', resource: 'workspaces/status.kubeflow.org' }));
    const before = await writes();
    const passes = await metricValue(manager.metrics.reconciles, { controller: 'workspace' });
    // trigger passes: an annotation change on the Workspace and on its StatefulSet
    await ctx.api.patchOk(paths.workspace(ctx.ns, 'ws-drift'), { metadata: { annotations: { poke: '1' } } });
    const sts = await ownedStatefulSet('ws-drift');
    await ctx.api.patchOk(`/apis/apps/v1/namespaces/${ctx.ns}/statefulsets/${sts.metadata.name}`, { metadata: { annotations: { poke: '1' } } });
    await eventually('two more passes', async () => (await metricValue(manager.metrics.reconciles, { controller: 'workspace' })) >= passes + 2 && manager.idle);
    expect(await writes()).toBe(before);
    // annotations of others are kept (quirk 2)
    expect((await ownedStatefulSet('ws-drift')).metadata.annotations).toEqual({ poke: '1' });
  });

  it('changing the imageConfig or podConfig of a running Workspace updates the StatefulSet (and Service)', async () => {
    const k = controllerKind(`ports-${ctx.id}`, (x) => {
      x.spec.podTemplate.ports.push({ id: 'extra', defaultDisplayName: 'Extra', protocol: 'HTTP' });
      x.spec.podTemplate.options.imageConfig.values[1].spec.ports.push({ id: 'extra', port: 9000 });
    });
    await ctx.api.create(paths.kinds, k);
    await ctx.api.create(paths.workspaces(ctx.ns), controllerWorkspace('ws-change', k.metadata.name));
    await ownedStatefulSet('ws-change');
    await ctx.api.patchOk(paths.workspace(ctx.ns, 'ws-change'), { spec: { podTemplate: { options: { imageConfig: 'jupyterlab_scipy_190', podConfig: 'small_cpu' } } } });
    await eventually('StatefulSet updated', async () => {
      const s = await ownedStatefulSet('ws-change');
      const c = s.spec.template.spec.containers[0];
      return c.image.endsWith(':v1.9.0') && c.resources.requests.cpu === '1' && c.ports.length === 2;
    });
    await eventually('Service updated', async () => {
      const [svc] = await ctx.api.list(paths.services(ctx.ns, `${LABEL}=ws-change`));
      return svc?.spec.ports.map((p: any) => p.port).join(',') === '8888,9000';
    });
  });

  it('unknown Kind, invalid options and invalid templates are Errors with the upstream messages', async () => {
    await ctx.api.create(paths.workspaces(ctx.ns), controllerWorkspace('ws-nokind', `missing-${ctx.id}`));
    await waitForState(ctx.api, ctx.ns, 'ws-nokind', 'Error', `Workspace references unknown WorkspaceKind: missing-${ctx.id}`);

    await ctx.api.create(paths.workspaces(ctx.ns), controllerWorkspace('ws-badopt', kindName(), (w) => (w.spec.podTemplate.options.podConfig = 'huge')));
    await waitForState(ctx.api, ctx.ns, 'ws-badopt', 'Error', 'Workspace has invalid podConfig: podConfig with id "huge" not found');

    const bad = controllerKind(`badenv-${ctx.id}`, (x) => (x.spec.podTemplate.extraEnv = [{ name: 'NB_PREFIX', value: '{{ httpPathPrefix "jupyterlab" }' }]));
    await ctx.api.create(paths.kinds, bad);
    await ctx.api.create(paths.workspaces(ctx.ns), controllerWorkspace('ws-badenv', bad.metadata.name));
    const s = await waitForState(ctx.api, ctx.ns, 'ws-badenv', 'Error');
    expect(s.stateMessage).toContain(
      'Workspace failed to generate StatefulSet with error: failed to render extraEnv "NB_PREFIX": failed to parse template "{{ httpPathPrefix \\"jupyterlab\\" }"',
    );
    expect(await ctx.api.list(paths.statefulSets(ctx.ns, `${LABEL}=ws-badenv`))).toEqual([]);

    // fixing the Kind fixes the Workspace: Kind spec changes reach its Workspaces
    await ctx.api.patchOk(paths.kind(bad.metadata.name), { spec: { podTemplate: { extraEnv: [{ name: 'NB_PREFIX', value: '{{ httpPathPrefix "jupyterlab" }}' }] } } });
    await ownedStatefulSet('ws-badenv');
  });

  it('a second StatefulSet owned by the Workspace is an Error naming both', async () => {
    const first = await ownedStatefulSet('ws-drift');
    const copy = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'ws-ws-drift-extra', labels: first.metadata.labels, ownerReferences: first.metadata.ownerReferences },
      spec: { replicas: 0, selector: first.spec.selector, template: first.spec.template },
    };
    await ctx.api.create(paths.statefulSets(ctx.ns), copy);
    const names = [first.metadata.name, 'ws-ws-drift-extra'].sort().join(', ');
    await waitForState(ctx.api, ctx.ns, 'ws-drift', 'Error', `Workspace owns multiple StatefulSets: ${names}`);
    await ctx.api.del(`/apis/apps/v1/namespaces/${ctx.ns}/statefulsets/ws-ws-drift-extra`);
    await eventually('the multiplicity Error cleared', async () => {
      const s = await workspaceStatus(ctx.api, ctx.ns, 'ws-drift');
      return !s.stateMessage.startsWith('Workspace owns multiple');
    });
  });

  it('records Events on the Workspace for state changes', async () => {
    const ws = await ctx.api.get(paths.workspace(ctx.ns, 'ws-nokind'));
    const events = await eventually('Events', async () => {
      const l = await ctx.api.list(`/api/v1/namespaces/${ctx.ns}/events?fieldSelector=${encodeURIComponent(`involvedObject.uid=${ws.metadata.uid}`)}`);
      return l.length > 0 ? l : undefined;
    });
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'Warning', reason: 'UnknownWorkspaceKind', message: `Workspace references unknown WorkspaceKind: missing-${ctx.id}` }),
    );
  });
});

describeCluster(
  'reconciler: end to end with Pods (§6.6)',
  (cluster) => {
    const ctx = setup(cluster);
    const kindName = () => `jupyterlab-e2e-${ctx.id}`;

    beforeAll(async () => {
      // samples/common: the ServiceAccount and two statically bound volumes (no provisioner)
      await ctx.api.create(`/api/v1/namespaces/${ctx.ns}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default-editor' } });
      for (const pvc of ['workspace-home-pvc', 'workspace-data-pvc']) {
        await ctx.api.create('/api/v1/persistentvolumes', {
          apiVersion: 'v1',
          kind: 'PersistentVolume',
          metadata: { name: `${pvc}-${ctx.id}` },
          spec: {
            capacity: { storage: '1Gi' },
            accessModes: ['ReadWriteOnce'],
            storageClassName: 'manual',
            hostPath: { path: `/tmp/${pvc}` },
            claimRef: { namespace: ctx.ns, name: pvc },
          },
        });
        await ctx.api.create(`/api/v1/namespaces/${ctx.ns}/persistentvolumeclaims`, {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name: pvc },
          spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'manual', resources: { requests: { storage: '1Gi' } } },
        });
      }
      await ctx.api.create(paths.kinds, controllerKind(kindName()));
    }, TIMEOUT_MS);

    afterAll(async () => {
      for (const pvc of ['workspace-home-pvc', 'workspace-data-pvc']) await ctx.api.del(`/api/v1/persistentvolumes/${pvc}-${ctx.id}`);
    });

    function sampleWorkspace(name: string) {
      return controllerWorkspace(name, kindName(), (w) => {
        w.spec.podTemplate.volumes = { home: 'workspace-home-pvc', data: [{ pvcName: 'workspace-data-pvc', mountPath: '/data/my-data', readOnly: false }] };
        w.spec.podTemplate.options.imageConfig = 'jupyterlab_scipy_190';
      });
    }

    it('E1: the sample Workspace becomes Running; the status matches the golden output', async () => {
      await ctx.api.create(paths.workspaces(ctx.ns), sampleWorkspace('jupyterlab-workspace'));
      const status = await waitForState(ctx.api, ctx.ns, 'jupyterlab-workspace', 'Running', 'Workspace is running');
      expect(status).toEqual({
        activity: { lastActivity: 0, lastUpdate: 0 },
        pauseTime: 0,
        pendingRestart: false,
        podTemplateOptions: { imageConfig: { desired: 'jupyterlab_scipy_190' }, podConfig: { desired: 'tiny_cpu' } },
        podTemplatePod: { name: expect.stringMatching(/^ws-jupyterlab-workspace-[a-z0-9]{5}-0$/), containers: [{ name: 'main' }] },
        state: 'Running',
        stateMessage: 'Workspace is running',
      });
    });

    it('E2, E3: exactly one running Pod and one Service for the Workspace', async () => {
      const selector = `${LABEL}=jupyterlab-workspace`;
      const pods = (await ctx.api.list(paths.pods(ctx.ns, selector))).filter((p) => !p.metadata.deletionTimestamp);
      expect(pods).toHaveLength(1);
      expect(pods[0].metadata.name).toContain('ws-jupyterlab-workspace');
      expect(pods[0].status.phase).toBe('Running');
      const services = await ctx.api.list(paths.services(ctx.ns, selector));
      expect(services).toHaveLength(1);
      expect(services[0].metadata.name).toContain('ws-jupyterlab-workspace');
    });

    it('pause, unpause and an option redirect applied while paused', async () => {
      const ws = 'ws-redirect';
      await ctx.api.create(paths.workspaces(ctx.ns), sampleWorkspace(ws));
      await waitForState(ctx.api, ctx.ns, ws, 'Running');
      // the running option gets a redirect: only pendingRestart changes while running
      await ctx.api.patchOk(paths.kind(kindName()), {
        spec: { podTemplate: { options: { imageConfig: { values: patchedImageValues(await ctx.api.get(paths.kind(kindName()))) } } } },
      });
      const pending = await eventually('pendingRestart', async () => {
        const s = await workspaceStatus(ctx.api, ctx.ns, ws);
        return s.pendingRestart ? s : undefined;
      });
      expect(pending.state).toBe('Running');
      expect(pending.podTemplateOptions.imageConfig).toEqual({ desired: 'jupyterlab_scipy_200', redirectChain: [{ source: 'jupyterlab_scipy_190', target: 'jupyterlab_scipy_200' }] });

      await ctx.api.patchOk(paths.workspace(ctx.ns, ws), { spec: { paused: true } });
      const paused = await waitForState(ctx.api, ctx.ns, ws, 'Paused', 'Workspace is paused');
      expect(paused.pendingRestart).toBe(false);
      expect(paused.pauseTime).toBeGreaterThan(0);
      expect(paused.podTemplatePod).toEqual({ name: '' });
      expect((await ctx.api.get(paths.workspace(ctx.ns, ws))).spec.podTemplate.options.imageConfig).toBe('jupyterlab_scipy_200');

      await ctx.api.patchOk(paths.workspace(ctx.ns, ws), { spec: { paused: false } });
      const running = await waitForState(ctx.api, ctx.ns, ws, 'Running');
      expect(running.pauseTime).toBe(0);
      const [sts] = await ctx.api.list(paths.statefulSets(ctx.ns, `${LABEL}=${ws}`));
      expect(sts.spec.template.spec.containers[0].image).toMatch(/:v2\.0\.0$/);
    });

    it('a missing ServiceAccount is reported from the StatefulSet warning, and clears once it exists', async () => {
      const k = controllerKind(`nosa-${ctx.id}`, (x) => (x.spec.podTemplate.serviceAccount.name = 'created-later'));
      await ctx.api.create(paths.kinds, k);
      await ctx.api.create(paths.workspaces(ctx.ns), controllerWorkspace('ws-nosa', k.metadata.name, (w) => (w.spec.podTemplate.volumes = {})));
      const s = await eventually('a StatefulSet warning', async () => {
        const st = await workspaceStatus(ctx.api, ctx.ns, 'ws-nosa');
        return st?.stateMessage?.startsWith('Workspace StatefulSet has warning event: ') ? st : undefined;
      });
      expect(s.state).toBe('Error');
      expect(s.stateMessage).toContain('created-later');
      await ctx.api.create(`/api/v1/namespaces/${ctx.ns}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'created-later' } });
      // the StatefulSet controller retries with backoff; the stale warning must not outlive the Pod's creation
      await waitForState(ctx.api, ctx.ns, 'ws-nosa', 'Running');
    }, 120_000);

    it('E5–E9 without webhooks: unused options can be removed; removing an in-use one is an Error; a Kind in use stays until its Workspaces go', async () => {
      const kind = await ctx.api.get(paths.kind(kindName()));
      const pod = kind.spec.podTemplate.options.podConfig.values;
      // E8: remove the unused small_cpu
      await ctx.api.patchOk(paths.kind(kindName()), { spec: { podTemplate: { options: { podConfig: { values: pod.filter((v: any) => v.id !== 'small_cpu') } } } } });
      await eventually('counts follow', async () => (await ctx.api.get(paths.kind(kindName()))).status.podTemplateOptions.podConfig.length === 2);
      // E7 equivalent: remove the in-use tiny_cpu: the Workspaces report it
      const remaining = pod.filter((v: any) => v.id === 'big_gpu');
      await ctx.api.patchOk(paths.kind(kindName()), {
        spec: { podTemplate: { options: { podConfig: { spawner: { default: 'big_gpu' }, values: remaining } } } },
      });
      await waitForState(ctx.api, ctx.ns, 'jupyterlab-workspace', 'Error', 'Workspace has invalid podConfig: podConfig with id "tiny_cpu" not found');
      // E9 equivalent: deleting the Kind in use leaves it Terminating behind its finalizer
      expect(await ctx.api.del(paths.kind(kindName()))).toBe(200);
      await new Promise((r) => setTimeout(r, 2000));
      expect((await ctx.api.get(paths.kind(kindName())))?.metadata.deletionTimestamp).toBeDefined();
    });

    it('E10, E11: deleting the Workspaces succeeds, then the Kind goes away', async () => {
      for (const ws of ['jupyterlab-workspace', 'ws-redirect']) expect(await ctx.api.del(paths.workspace(ctx.ns, ws))).toBe(200);
      await eventually('Kind deleted', async () => (await ctx.api.get(paths.kind(kindName()))) === undefined);
    });
  },
  ControlPlaneMode.FULL,
);

/** The Kind's imageConfig values with a new 200 option and a redirect 190 -> 200. */
function patchedImageValues(kind: any): any[] {
  const values = structuredClone(kind.spec.podTemplate.options.imageConfig.values);
  const v190 = values.find((v: any) => v.id === 'jupyterlab_scipy_190');
  const v200 = structuredClone(v190);
  v200.id = 'jupyterlab_scipy_200';
  v200.spec.image = v200.spec.image.replace(':v1.9.0', ':v2.0.0');
  v190.redirect = { to: 'jupyterlab_scipy_200' };
  values.push(v200);
  return values;
}

/** A fake Jupyter Server on 127.0.0.1 and a fake exec, standing in for the Pods that kwok only pretends to run. */
class FakePods implements ActivityTransport {
  server!: http.Server;
  lastActivity = new Date().toISOString();
  failing = false;
  execExitCode = 1;
  requests: string[] = [];

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      this.requests.push(req.url ?? '');
      if (this.failing) {
        res.writeHead(503).end('unavailable');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ started: this.lastActivity, last_activity: this.lastActivity, connections: 0, kernels: 0 }));
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }

  jupyterStatus(target: { path: string }, timeoutMs: number): Promise<string> {
    const port = (this.server.address() as AddressInfo).port;
    return new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: target.path, timeout: timeoutMs }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => ((res.statusCode ?? 500) < 300 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`))));
        })
        .on('error', reject);
    });
  }

  async exec(): Promise<number> {
    return this.execExitCode;
  }
}

const fakePods = new FakePods();

describeCluster(
  'reconciler: culling',
  (cluster) => {
    const ctx = setup(cluster, fakePods, { cullingIntervalMs: 1000 });
    beforeAll(async () => {
      await fakePods.start();
      await ctx.api.create(`/api/v1/namespaces/${ctx.ns}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default-editor' } });
    });
    afterAll(async () => {
      await fakePods.stop();
    });

    function cullingKind(name: string, probe: object): any {
      return controllerKind(name, (k) => (k.spec.podTemplate.culling = { enabled: true, maxInactiveSeconds: 60, activityProbe: probe }));
    }

    it('Jupyter: records the reported activity; a failing probe changes nothing; an idle Workspace is paused', async () => {
      await ctx.api.create(paths.kinds, cullingKind(`cull-j-${ctx.id}`, { jupyter: { lastActivity: true } }));
      await ctx.api.create(paths.workspaces(ctx.ns), controllerWorkspace('ws-cull', `cull-j-${ctx.id}`, (w) => (w.spec.podTemplate.volumes = {})));
      await waitForState(ctx.api, ctx.ns, 'ws-cull', 'Running');
      const active = await eventually('activity recorded', async () => {
        const s = await workspaceStatus(ctx.api, ctx.ns, 'ws-cull');
        return s.activity.lastUpdate > 0 ? s.activity : undefined;
      });
      expect(active.lastActivity).toBe(Math.floor(Date.parse(fakePods.lastActivity) / 1000));
      expect(fakePods.requests).toContain(`/workspace/${ctx.ns}/ws-cull/jupyterlab/api/status`);

      // the server fails while reporting an old activity: nothing is recorded, nothing paused
      fakePods.failing = true;
      fakePods.lastActivity = new Date(Date.now() - 3600_000).toISOString();
      const failedProbes = (): Promise<number> => metricValue(ctx.reconciler!.manager.metrics.activityProbes, { probe: 'jupyter', result: 'failed' });
      const failures = await failedProbes();
      await eventually('failed probes', async () => (await failedProbes()) >= failures + 2);
      const during = await ctx.api.get(paths.workspace(ctx.ns, 'ws-cull'));
      expect(during.spec.paused).toBe(false);
      expect(during.status.activity.lastActivity).toBe(active.lastActivity);

      // the server answers again with an activity older than the recorded one: no new activity, so the Workspace is
      // paused once maxInactiveSeconds (60 s) have passed since the later of the recorded activity and Pod readiness
      fakePods.failing = false;
      const paused = await eventually(
        'culled',
        async () => {
          const ws = await ctx.api.get(paths.workspace(ctx.ns, 'ws-cull'));
          return ws.spec.paused === true ? ws : undefined;
        },
        100_000,
      );
      expect(paused.status.activity.lastActivity).toBe(active.lastActivity);
      await waitForState(ctx.api, ctx.ns, 'ws-cull', 'Paused');
      expect(await metricValue(ctx.reconciler!.manager.metrics.culled)).toBeGreaterThanOrEqual(1);
    }, 150_000);

    it('exec: exit code 0 keeps the Workspace active', async () => {
      fakePods.execExitCode = 0;
      await ctx.api.create(paths.kinds, cullingKind(`cull-e-${ctx.id}`, { exec: { command: ['bash', '-c', 'exit 0'] } }));
      await ctx.api.create(paths.workspaces(ctx.ns), controllerWorkspace('ws-exec', `cull-e-${ctx.id}`, (w) => (w.spec.podTemplate.volumes = {})));
      await waitForState(ctx.api, ctx.ns, 'ws-exec', 'Running');
      const first = await eventually('exec activity', async () => {
        const s = await workspaceStatus(ctx.api, ctx.ns, 'ws-exec');
        return s.activity.lastActivity > 0 ? s.activity : undefined;
      });
      expect(first.lastActivity).toBeGreaterThanOrEqual(nowSeconds() - 5);
      expect((await ctx.api.get(paths.workspace(ctx.ns, 'ws-exec'))).spec.paused).toBe(false);
    });
  },
  ControlPlaneMode.FULL,
);

describeCluster('reconciler process: the bundle with plain node, Lease, metrics and SIGTERM', (cluster) => {
  const api = new Api(cluster);
  const id = suffix();
  const ns = `kfws-proc-${id}`;
  const root = path.join(__dirname, '..', '..');
  const bundle = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kfws-bundle-')), 'reconciler.js');

  beforeAll(async () => {
    // the same build as `npm run build:reconciler`, into a temp dir
    execFileSync(process.execPath, [path.join(root, 'scripts', 'build-reconciler.mjs'), '--outfile', bundle], { stdio: 'pipe' });
    await ensureCrds(api);
    await createNamespace(api, ns);
  }, TIMEOUT_MS);
  afterAll(async () => {
    await api.del(`/api/v1/namespaces/${ns}`);
    fs.rmSync(path.dirname(bundle), { recursive: true, force: true });
  });

  it('runs, reconciles, exposes health and metrics, and stops cleanly on SIGTERM releasing the Lease', async () => {
    const token = await reconcilerToken(api, ns);
    const kubeconfig = cluster.kubeconfigFor(token, `reconciler-${id}`);
    const [health, metrics] = await Promise.all([freePort(), freePort()]);
    const child = spawn(process.execPath, [bundle, '--kubeconfig', kubeconfig, '--leader-elect', '--bind-address=127.0.0.1', `--health-port=${health}`, `--metrics-port=${metrics}`, `--leader-election-id=proc-${id}`, '--culling=false'], {
      env: { ...process.env, POD_NAMESPACE: ns, POD_NAME: `proc-${id}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      await eventually('ready', async () => (await httpGet(health, '/readyz')).status === 200);
      expect((await httpGet(health, '/healthz')).body).toBe('ok\n');
      await api.create(paths.kinds, controllerKind(`proc-${id}`));
      await api.create(paths.workspaces(ns), controllerWorkspace('ws-proc', `proc-${id}`));
      await eventually('status', async () => (await workspaceStatus(api, ns, 'ws-proc'))?.state);
      const lease = await api.get(`/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/proc-${id}`);
      expect(lease.spec.holderIdentity).toMatch(new RegExp(`^proc-${id}_`));
      const text = (await httpGet(metrics, '/metrics')).body;
      expect(text).toMatch(/kfws_reconcile_total\{controller="workspace",result="success"\} [1-9]/);
      expect(text).toContain('kfws_workqueue_depth{controller="workspace"}');
      expect(text).toMatch(/kfws_workspaces\{state="[A-Za-z]+"\} [1-9]/);
      expect(text).toContain('kfws_leader 1');
      // structured logs carry the Workspace key
      expect(output.split('\n').filter(Boolean).map((l) => JSON.parse(l))).toContainEqual(expect.objectContaining({ workspace: `${ns}/ws-proc`, level: 'info' }));
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    const released = await api.get(`/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/proc-${id}`);
    expect(released.spec.holderIdentity ?? '').toBe('');
    expect(output).toContain('"msg":"stopped"');
    await api.del(paths.workspace(ns, 'ws-proc'));
    await eventually('Kind deletable', async () => !(await api.get(paths.kind(`proc-${id}`)))?.metadata.finalizers?.length, 5_000).catch(() => undefined);
    await api.patch(paths.kind(`proc-${id}`), { metadata: { finalizers: null } });
    await api.del(paths.kind(`proc-${id}`));
  }, 90_000);
});

