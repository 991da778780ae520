/**
 * The reconciler at v2.0.0-beta.0 (`--api-revision=v2.0.0-beta.0`) against a real kube-apiserver that serves the
 * beta CRDs (docs/upstream-v2-beta.md §4): a control plane of its own (a cluster serves one revision of the CRDs, and
 * the shared one serves fd7a3d8e), with kube-controller-manager (garbage collection) and kwok (Pods become Running).
 *
 * The CRDs are ours for the beta (crds/v2.0.0-beta.0, proven equal to upstream's elsewhere). The reconciler
 * runs as a ServiceAccount holding exactly the rules of permissions.ts for the beta, with `bind` on one named
 * ClusterRole; activity probes use a test prober (kwok Pods serve nothing).
 */
import { describeCluster } from '../cluster/connection';
import { ControlPlane, ControlPlaneMode } from '../cluster/control-plane';
import { RECONCILER_DEFAULTS, ReconcilerConfig } from '../../lib/core/contract/flags';
import {
  PolicyRule,
  RECONCILER_BETA_CLUSTER_RULES,
  RECONCILER_BETA_ISTIO_CLUSTER_RULES,
  RECONCILER_BETA_ISTIO_WRITE_RULES,
  RECONCILER_BETA_WORKLOAD_WRITE_RULES,
  RECONCILER_CLUSTER_RULES,
  RECONCILER_NAMESPACE_RULES,
  RECONCILER_WORKLOAD_WRITE_RULES,
  reconcilerBindRules,
} from '../../lib/core/contract/permissions';
import { JupyterResponse, PodExecResponse } from '../../lib/core/activity';
import { ActivityProber } from '../../lib/reconciler/activity-probe';
import { Logger, LogLevel } from '../../lib/reconciler/log';
import { Manager } from '../../lib/reconciler/manager';
import { workspaceRoleBindingName } from '../../lib/core/naming';
import { ApiRevision } from '../../lib/core/revision';
import { accessFor, Api, createNamespace, ensureCrds, eventually, paths, reconcilerToken, suffix, TIMEOUT_MS } from './cluster-helpers';
import { betaSample } from './beta-fixtures';

jest.setTimeout(3 * TIMEOUT_MS);

const LABEL = 'notebooks.kubeflow.org/workspace-name';
const RBAC = '/apis/rbac.authorization.k8s.io/v1';
/** The only ClusterRole the reconciler may bind in this suite (least privilege: bind by name). */
const BINDABLE = 'view';

/** Answers Jupyter probes: active now, or idle since `idleSince` (ms); records the URLs. */
class TestProber implements ActivityProber {
  idleSince?: number;
  urls: string[] = [];
  async jupyter(url: string): Promise<JupyterResponse> {
    this.urls.push(url);
    return { kind: 'response', status: 200, body: JSON.stringify({ last_activity: new Date(this.idleSince ?? Date.now()).toISOString() }) };
  }
  async podExec(): Promise<PodExecResponse> {
    return { kind: 'exit', exitCode: 0, stdout: '' };
  }
}

function rules(list: readonly PolicyRule[]): unknown[] {
  return list.map((r) => ({ apiGroups: r.apiGroups, resources: r.resources, verbs: r.verbs, ...(r.resourceNames ? { resourceNames: r.resourceNames } : {}) }));
}

/** The beta additions of permissions.ts, bound cluster-wide next to what reconcilerToken binds. */
async function grantBeta(api: Api, controllerNs: string): Promise<void> {
  const name = `kfws-reconciler-beta-${controllerNs}`;
  const all = [
    ...RECONCILER_BETA_CLUSTER_RULES,
    ...RECONCILER_BETA_WORKLOAD_WRITE_RULES,
    ...RECONCILER_BETA_ISTIO_CLUSTER_RULES,
    ...RECONCILER_BETA_ISTIO_WRITE_RULES,
    ...reconcilerBindRules([BINDABLE]),
  ];
  await api.create(`${RBAC}/clusterroles`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, rules: rules(all) }, [201, 409]);
  await api.create(
    `${RBAC}/clusterrolebindings`,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name: 'reconciler', namespace: controllerNs }],
    },
    [201, 409],
  );
}

/** Istio's VirtualService API as the API server needs it to store them (schema left open: Istio validates its own). */
async function installVirtualServiceCrd(api: Api): Promise<void> {
  const name = 'virtualservices.networking.istio.io';
  await api.create(
    '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
    {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name },
      spec: {
        group: 'networking.istio.io',
        names: { kind: 'VirtualService', listKind: 'VirtualServiceList', plural: 'virtualservices', singular: 'virtualservice' },
        scope: 'Namespaced',
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    },
    [201, 409],
  );
  await eventually(`CRD ${name} established`, async () => {
    const c = await api.get(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
    return c?.status?.conditions?.some((x: any) => x.type === 'Established' && x.status === 'True');
  });
}

/** The beta sample Workspace without PVCs and Secrets (kwok cannot mount them), else unchanged. */
function workspace(name: string, kind: string): any {
  const ws = betaSample('jupyterlab_v1beta1_workspace.yaml');
  ws.metadata = { name };
  ws.spec.kind = kind;
  ws.spec.podTemplate.volumes = {};
  return ws;
}

function kind(name: string, edit?: (k: any) => void): any {
  const k = betaSample('jupyterlab_v1beta1_workspacekind.yaml');
  k.metadata = { name };
  // Idle after 16 s (the minimum), so the activity pause is observable; the sample's namespace rule stays first.
  k.spec.activityRules = [...k.spec.activityRules.filter((r: any) => r.match?.matchNamespace || r.match?.matchPodConfig), { config: { secondsSinceActive: 16 }, effect: { pauseWorkspace: true } }];
  edit?.(k);
  return k;
}

describeCluster(
  'reconciler at v2.0.0-beta.0 on a beta API server (ServiceAccount, RoleBindings, status, activity)',
  () => {
    const id = suffix();
    const ns = `ws-${id}`;
    const controllerNs = `kfws-${id}`;
    const kindName = `jupyterlab-${id}`;
    const prober = new TestProber();
    const logs: string[] = [];
    let cp: ControlPlane | undefined;
    let api: Api;
    let manager: Manager | undefined;

    beforeAll(async () => {
      cp = await ControlPlane.start({ mode: ControlPlaneMode.FULL });
      api = new Api(cp);
      await ensureCrds(api, ApiRevision.V2_0_0_BETA_0);
      await installVirtualServiceCrd(api);
      await createNamespace(api, ns);
      await createNamespace(api, controllerNs);
      const token = await reconcilerToken(api, controllerNs, [ns]);
      await grantBeta(api, controllerNs);
      const config: ReconcilerConfig = {
        ...RECONCILER_DEFAULTS,
        apiRevision: ApiRevision.V2_0_0_BETA_0,
        useIstio: true,
        istioGateway: 'kubeflow/kubeflow-gateway',
        bindAddress: '127.0.0.1',
        healthPort: 0,
        metricsPort: 0,
        backoffBaseMs: 200,
        backoffMaxMs: 5_000,
      };
      manager = new Manager({
        config,
        access: accessFor(cp, token),
        logger: new Logger(LogLevel.WARN, {}, (line) => logs.push(line)),
        identity: `test-${id}`,
        leaseNamespace: controllerNs,
        activityProber: prober,
      });
      await manager.start();
      await api.create(paths.kinds, kind(kindName));
      await api.create(paths.workspaces(ns), workspace('ws-b', kindName));
    }, 4 * TIMEOUT_MS);

    afterAll(async () => {
      if (manager) {
        const granted = (r: { verb: string; group: string; resource: string }): boolean =>
          [
            ...RECONCILER_CLUSTER_RULES,
            ...RECONCILER_NAMESPACE_RULES,
            ...RECONCILER_WORKLOAD_WRITE_RULES,
            ...RECONCILER_BETA_CLUSTER_RULES,
            ...RECONCILER_BETA_WORKLOAD_WRITE_RULES,
            ...RECONCILER_BETA_ISTIO_CLUSTER_RULES,
            ...RECONCILER_BETA_ISTIO_WRITE_RULES,
          ].some(
            (rule) => rule.apiGroups.includes(r.group) && rule.resources.includes(r.resource) && rule.verbs.includes(r.verb),
          );
        expect([...manager.requestKinds.values()].filter((r) => !granted(r)).map((r) => `${r.verb} ${r.group}/${r.resource}`)).toEqual([]);
        await manager.stop();
        const errors = logs.filter((l) => l.includes('"level":"error"'));
        if (errors.length > 0) console.warn(`reconciler errors:\n${errors.slice(-20).join('\n')}`);
      }
      await cp?.stop();
    }, TIMEOUT_MS);

    it('owns ServiceAccount ws-<name>: exact name, label and controller owner only (beta §4.3, §4.4)', async () => {
      const ws = await api.get(paths.workspace(ns, 'ws-b'));
      const sa = await eventually('ServiceAccount', () => api.get(`/api/v1/namespaces/${ns}/serviceaccounts/ws-ws-b`));
      expect(sa.metadata.labels).toEqual({ [LABEL]: 'ws-b' });
      expect(sa.metadata.annotations).toBeUndefined();
      expect(sa.metadata.ownerReferences).toEqual([
        { apiVersion: 'kubeflow.org/v1beta1', kind: 'Workspace', name: 'ws-b', uid: ws.metadata.uid, controller: true, blockOwnerDeletion: true },
      ]);
      expect(sa.imagePullSecrets).toBeUndefined();
      expect(sa.automountServiceAccountToken).toBeUndefined();
    });

    it('renders the Pod with that ServiceAccount and the connect path (beta §4.5, §4.6)', async () => {
      const [sts] = await eventually('one StatefulSet', async () => {
        const l = await api.list(paths.statefulSets(ns, `${LABEL}=ws-b`));
        return l.length === 1 ? l : undefined;
      });
      expect(sts.metadata.name).toMatch(/^ws-ws-b-[a-z0-9]{5}$/);
      const pod = sts.spec.template.spec;
      expect(pod.serviceAccountName).toBe('ws-ws-b');
      expect(pod.containers[0].env).toEqual([{ name: 'NB_PREFIX', value: `/workspace/connect/${ns}/ws-b/jupyterlab/` }]);
      expect(pod.containers[0].image).toBe('ghcr.io/kubeflow/kubeflow/notebook-servers/jupyter-scipy:v1.10.0');
    });

    it('with --use-istio: one owned VirtualService routing the connect path to the Service (beta §4.6, beta worked example)', async () => {
      const [svc] = await eventually('one Service', async () => {
        const l = await api.list(paths.services(ns, `${LABEL}=ws-b`));
        return l.length === 1 ? l : undefined;
      });
      const [vs] = await eventually('one VirtualService', async () => {
        const l = await api.list(`/apis/networking.istio.io/v1/namespaces/${ns}/virtualservices?labelSelector=${encodeURIComponent(`${LABEL}=ws-b`)}`);
        return l.length === 1 ? l : undefined;
      });
      const ws = await api.get(paths.workspace(ns, 'ws-b'));
      expect(vs.metadata.name).toMatch(/^ws-ws-b-[a-z0-9]{5}$/);
      expect(vs.metadata.ownerReferences).toEqual([
        { apiVersion: 'kubeflow.org/v1beta1', kind: 'Workspace', name: 'ws-b', uid: ws.metadata.uid, controller: true, blockOwnerDeletion: true },
      ]);
      expect(vs.spec).toEqual({
        gateways: ['kubeflow/kubeflow-gateway'],
        hosts: ['*'],
        http: [
          {
            match: [{ uri: { prefix: `/workspace/connect/${ns}/ws-b/jupyterlab/` } }],
            headers: { request: {} },
            route: [{ destination: { host: `${svc.metadata.name}.${ns}.svc.cluster.local`, port: { number: 8888 } } }],
          },
        ],
      });
      // drift: a changed spec is put back
      await api.patchOk(`/apis/networking.istio.io/v1/namespaces/${ns}/virtualservices/${vs.metadata.name}`, { spec: { hosts: ['evil.example.com'] } });
      await eventually('hosts restored', async () => {
        const v = await api.get(`/apis/networking.istio.io/v1/namespaces/${ns}/virtualservices/${vs.metadata.name}`);
        return v?.spec.hosts[0] === '*';
      });
    });

    it('Running: status in ms with lastRunningTime, nodeName, serviceAccountName and a successful Jupyter probe (beta §2.3, §4.8.3, §4.9)', async () => {
      const before = Date.now();
      const status = await eventually('Running and probed', async () => {
        const s = (await api.get(paths.workspace(ns, 'ws-b')))?.status;
        return s?.state === 'Running' && s.activity?.lastProbe ? s : undefined;
      });
      expect(status.stateMessage).toBe('Workspace is running');
      expect(status.lastRunningTime).toBeGreaterThan(before - TIMEOUT_MS);
      expect(status.lastRunningTime).toBeLessThanOrEqual(Date.now());
      expect(status.pauseTime).toBe(0);
      expect(status.podTemplatePod).toMatchObject({ serviceAccountName: 'ws-ws-b', containers: [{ name: 'main' }] });
      expect(status.podTemplatePod.name).toMatch(/^ws-ws-b-[a-z0-9]{5}-0$/);
      expect(status.podTemplatePod.nodeName).not.toBe('');
      expect(status.activity.lastProbe).toMatchObject({ result: 'Success', message: 'Jupyter probe succeeded' });
      expect(status.activity.lastProbe.endTime).toBeGreaterThanOrEqual(status.activity.lastProbe.startTime);
      expect(status.activity.lastUpdate).toBe(status.activity.lastProbe.endTime);
      expect(status.activity.lastActivity).toBeGreaterThanOrEqual(status.activity.lastProbe.startTime - 1000);
      expect(status.activity.lastActivity).toBeLessThanOrEqual(status.activity.lastProbe.endTime);
      expect(status.activity.rules.pauseWorkspace.eligibleAfter).toBe(status.activity.lastActivity + 16_000);
      expect(prober.urls[0]).toMatch(new RegExp(`^http://[^/]+:8888/workspace/connect/${ns}/ws-b/jupyterlab/api/status$`));
    });

    it('Kind status: spawnerIcon and spawnerLogo {} for url assets, usage counts (beta §3.3, §4.10)', async () => {
      const k = await eventually('Kind status', async () => {
        const x = await api.get(paths.kind(kindName));
        return x?.status?.workspaces === 1 && x.status.spawnerIcon ? x : undefined;
      });
      expect(k.status.spawnerIcon).toEqual({});
      expect(k.status.spawnerLogo).toEqual({});
      expect(k.status.podTemplateOptions.podConfig.find((o: any) => o.id === 'tiny_cpu')).toEqual({ id: 'tiny_cpu', workspaces: 1 });
    });

    it('a ConfigMap logo: NotFound without the image-source label, sha256 once labelled (beta §4.10)', async () => {
      const svg = '<svg xmlns="http://www.w3.org/2000/svg"/>';
      await api.create(`/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'logos' }, data: { 'logo.svg': svg } });
      await api.patchOk(paths.kind(kindName), { spec: { spawner: { logo: { url: null, configMap: { name: 'logos', namespace: ns, key: 'logo.svg', mediaType: 'image/svg+xml' } } } } });
      await eventually('NotFound', async () => (await api.get(paths.kind(kindName)))?.status?.spawnerLogo?.configMap?.errorType === 'NotFound');
      expect((await api.get(paths.kind(kindName))).status.spawnerLogo.configMap.errorMessage).toBe(
        `ConfigMap "logos" not found in namespace "${ns}" (if it exists, ensure it has the "notebooks.kubeflow.org/image-source" label)`,
      );
      await api.patchOk(`/api/v1/namespaces/${ns}/configmaps/logos`, { metadata: { labels: { 'notebooks.kubeflow.org/image-source': 'true' } } });
      const { createHash } = await import('node:crypto');
      const sha = createHash('sha256').update(svg).digest('hex');
      await eventually('sha256', async () => (await api.get(paths.kind(kindName)))?.status?.spawnerLogo?.sha256 === sha);
      expect((await api.get(paths.kind(kindName))).status.spawnerLogo).toEqual({ sha256: sha });
    });

    it('clusterRoles: one owned RoleBinding per bindable role; a role the controller may not bind puts the Workspace in Error (beta §4.4)', async () => {
      await api.patchOk(paths.kind(kindName), { spec: { podTemplate: { serviceAccount: { clusterRoles: [{ name: BINDABLE }] } } } });
      const rbName = workspaceRoleBindingName('ws-b', BINDABLE);
      const rb = await eventually('RoleBinding', () => api.get(`${RBAC}/namespaces/${ns}/rolebindings/${rbName}`));
      const ws = await api.get(paths.workspace(ns, 'ws-b'));
      expect(rb.metadata.labels).toEqual({ [LABEL]: 'ws-b' });
      expect(rb.metadata.ownerReferences).toEqual([
        { apiVersion: 'kubeflow.org/v1beta1', kind: 'Workspace', name: 'ws-b', uid: ws.metadata.uid, controller: true, blockOwnerDeletion: true },
      ]);
      expect(rb.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: BINDABLE });
      expect(rb.subjects).toEqual([{ kind: 'ServiceAccount', name: 'ws-ws-b', namespace: ns }]);

      // drift: a deleted binding comes back, altered subjects are put back
      await api.del(`${RBAC}/namespaces/${ns}/rolebindings/${rbName}`);
      await eventually('RoleBinding recreated', async () => (await api.get(`${RBAC}/namespaces/${ns}/rolebindings/${rbName}`))?.metadata.uid !== rb.metadata.uid);

      await api.patchOk(paths.kind(kindName), { spec: { podTemplate: { serviceAccount: { clusterRoles: [{ name: BINDABLE }, { name: 'admin' }] } } } });
      const status = await eventually('Error', async () => {
        const s = (await api.get(paths.workspace(ns, 'ws-b')))?.status;
        return s?.state === 'Error' ? s : undefined;
      });
      expect(status.stateMessage).toBe(
        `Workspace failed to create RoleBinding ${workspaceRoleBindingName('ws-b', 'admin')}: the controller may not bind ClusterRole "admin"; list it in the controller's bindableClusterRoles, or remove it from WorkspaceKind ${kindName}`,
      );

      await api.patchOk(paths.kind(kindName), { spec: { podTemplate: { serviceAccount: { clusterRoles: [] } } } });
      await eventually('RoleBinding deleted', async () => (await api.get(`${RBAC}/namespaces/${ns}/rolebindings/${rbName}`)) === undefined);
      await eventually('Running again', async () => (await api.get(paths.workspace(ns, 'ws-b')))?.status?.state === 'Running');
    });

    it('a ServiceAccount label removed is put back; ws-<name> held by someone else is an Error (beta §4.2 step 7)', async () => {
      await api.patchOk(`/api/v1/namespaces/${ns}/serviceaccounts/ws-ws-b`, { metadata: { labels: { [LABEL]: null, team: 'a' } } });
      await eventually('label restored', async () => (await api.get(`/api/v1/namespaces/${ns}/serviceaccounts/ws-ws-b`))?.metadata.labels?.[LABEL] === 'ws-b');
      expect((await api.get(`/api/v1/namespaces/${ns}/serviceaccounts/ws-ws-b`)).metadata.labels.team).toBe('a');

      await api.create(`/api/v1/namespaces/${ns}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'ws-ws-taken' } });
      await api.create(paths.workspaces(ns), workspace('ws-taken', kindName));
      const s = await eventually('Error', async () => {
        const st = (await api.get(paths.workspace(ns, 'ws-taken')))?.status;
        return st?.state === 'Error' ? st : undefined;
      });
      expect(s.stateMessage).toBe('Workspace ServiceAccount ws-ws-taken already exists and is not owned by the Workspace');
      expect(await api.list(paths.statefulSets(ns, `${LABEL}=ws-taken`))).toEqual([]);
      await api.del(paths.workspace(ns, 'ws-taken'));
    });

    it('an idle Workspace is paused after a successful probe; Paused with pauseTime in ms (beta §4.2 step 16, §4.9.6)', async () => {
      prober.idleSince = Date.now() - 3600_000;
      // the next probe is due after minProbeIntervalSeconds; shorten the wait by making the last one a failure
      const ws = await api.get(paths.workspace(ns, 'ws-b'));
      await api.patchOk(`${paths.workspace(ns, 'ws-b')}/status`, {
        status: { activity: { ...ws.status.activity, lastProbe: { ...ws.status.activity.lastProbe, startTime: 1, result: 'Failure' } } },
      });
      await eventually('paused by the controller', async () => (await api.get(paths.workspace(ns, 'ws-b')))?.spec.paused === true);
      const status = await eventually('Paused', async () => {
        const s = (await api.get(paths.workspace(ns, 'ws-b')))?.status;
        return s?.state === 'Paused' ? s : undefined;
      });
      expect(status.pauseTime).toBeGreaterThan(1e12);
      expect(status.podTemplatePod).toEqual({ name: '', nodeName: '', serviceAccountName: 'ws-ws-b' });
    });

    it('deleting the Workspace garbage-collects its ServiceAccount', async () => {
      await api.del(paths.workspace(ns, 'ws-b'));
      await eventually('ServiceAccount gone', async () => (await api.get(`/api/v1/namespaces/${ns}/serviceaccounts/ws-ws-b`)) === undefined);
    });
  },
  ControlPlaneMode.FULL,
);
