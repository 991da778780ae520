/**
 * Helpers of the reconciler's suites against the test control plane: CRD installation, a ServiceAccount holding
 * exactly the reconciler's RBAC rules, an in-process reconciler (Manager) authenticated as that account, and
 * small request wrappers.
 */
import { randomBytes } from 'node:crypto';
import { ClusterConnection } from '../cluster/connection';
import { RECONCILER_DEFAULTS, ReconcilerConfig } from '../../lib/core/contract/flags';
import { ActivityTransport } from '../../lib/reconciler/culling';
import { ClusterAccess, RequestRecord } from '../../lib/reconciler/kube/client';
import { Logger, LogLevel } from '../../lib/reconciler/log';
import { Manager } from '../../lib/reconciler/manager';
import {
  PolicyRule,
  RECONCILER_CLUSTER_RULES,
  RECONCILER_CULLING_CLUSTER_ROLE_NAME,
  RECONCILER_CULLING_RULES,
  RECONCILER_NAMESPACE_RULES,
  RECONCILER_WORKLOAD_WRITE_RULES,
  RECONCILER_WRITER_CLUSTER_ROLE_NAME,
} from '../../lib/core/contract/permissions';
import { ApiRevision } from '../../lib/core/revision';
import { readReference } from '../reference';
import { readCrdFiles } from '../crd-files';

export const TIMEOUT_MS = 60_000;

export function suffix(): string {
  return randomBytes(3).toString('hex');
}

export async function eventually<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Admin requests that throw on unexpected statuses. */
export class Api {
  constructor(private readonly cluster: ClusterConnection) {}

  async get(p: string): Promise<any | undefined> {
    const r = await this.cluster.request(p);
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw new Error(`GET ${p}: HTTP ${r.status} ${r.body.slice(0, 300)}`);
    return r.json;
  }

  async create(p: string, body: unknown, ok = [201]): Promise<any> {
    const r = await this.cluster.request(p, { method: 'POST', body });
    if (!ok.includes(r.status)) throw new Error(`POST ${p}: HTTP ${r.status} ${r.body.slice(0, 500)}`);
    return r.json;
  }

  /** JSON merge patch; returns the response (status and body) without throwing. */
  async patch(p: string, body: unknown): Promise<{ status: number; body: string; json?: any }> {
    return this.cluster.request(p, { method: 'PATCH', body, contentType: 'application/merge-patch+json' });
  }

  async patchOk(p: string, body: unknown): Promise<any> {
    const r = await this.patch(p, body);
    if (r.status !== 200) throw new Error(`PATCH ${p}: HTTP ${r.status} ${r.body.slice(0, 500)}`);
    return r.json;
  }

  async del(p: string): Promise<number> {
    return (await this.cluster.request(p, { method: 'DELETE' })).status;
  }

  async list(p: string): Promise<any[]> {
    return (await this.get(p))?.items ?? [];
  }
}

const WS = '/apis/kubeflow.org/v1beta1';
export const paths = {
  kinds: `${WS}/workspacekinds`,
  kind: (name: string) => `${WS}/workspacekinds/${name}`,
  workspaces: (ns: string) => `${WS}/namespaces/${ns}/workspaces`,
  workspace: (ns: string, name: string) => `${WS}/namespaces/${ns}/workspaces/${name}`,
  statefulSets: (ns: string, selector?: string) =>
    `/apis/apps/v1/namespaces/${ns}/statefulsets${selector ? `?labelSelector=${encodeURIComponent(selector)}` : ''}`,
  services: (ns: string, selector?: string) => `/api/v1/namespaces/${ns}/services${selector ? `?labelSelector=${encodeURIComponent(selector)}` : ''}`,
  pods: (ns: string, selector?: string) => `/api/v1/namespaces/${ns}/pods${selector ? `?labelSelector=${encodeURIComponent(selector)}` : ''}`,
};

/**
 * Installs the project's CRDs of `revision` unchanged (once per control plane; a plane serves one revision) and
 * waits until they are served.
 */
export async function ensureCrds(api: Api, revision: ApiRevision = ApiRevision.FD7A3D8E): Promise<void> {
  for (const crd of readCrdFiles(revision) as any[]) {
    await api.create('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd, [201, 409]);
    await eventually(`CRD ${crd.metadata.name} established`, async () => {
      const c = await api.get(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`);
      return c?.status?.conditions?.some((x: any) => x.type === 'Established' && x.status === 'True');
    });
  }
}

export async function createNamespace(api: Api, name: string): Promise<void> {
  await api.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, [201, 409]);
}

function rules(list: readonly PolicyRule[]): unknown[] {
  return list.map((r) => ({ apiGroups: r.apiGroups, resources: r.resources, verbs: r.verbs }));
}

/**
 * A ServiceAccount in `namespace` bound to exactly the reconciler's rules, as the platform charts bind them: the
 * cluster rules cluster-wide, the Lease rules in its own namespace, and the culling rules (a ClusterRole, created
 * once, bound by nothing cluster-wide) only in each of `workspaceNamespaces`, with a RoleBinding as a tenant makes;
 * the workload writes cluster-wide, or with `writeNamespaces` only there (tenant-scoped writes); returns a token.
 */
export async function reconcilerToken(
  api: Api,
  namespace: string,
  workspaceNamespaces: readonly string[] = [],
  writeNamespaces?: readonly string[],
): Promise<string> {
  const name = `kfws-reconciler-${namespace}`;
  await api.create(`/api/v1/namespaces/${namespace}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'reconciler' } }, [201, 409]);
  const rbac = '/apis/rbac.authorization.k8s.io/v1';
  const subject = [{ kind: 'ServiceAccount', name: 'reconciler', namespace }];
  await api.create(`${rbac}/clusterroles`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, rules: rules([...RECONCILER_CLUSTER_RULES, ...(writeNamespaces ? [] : RECONCILER_WORKLOAD_WRITE_RULES)]) }, [201, 409]);
  await api.create(
    `${rbac}/clusterrolebindings`,
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name }, subjects: subject },
    [201, 409],
  );
  await api.create(`${rbac}/namespaces/${namespace}/roles`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'leader-election' }, rules: rules(RECONCILER_NAMESPACE_RULES) }, [201, 409]);
  await api.create(
    `${rbac}/namespaces/${namespace}/rolebindings`,
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'leader-election' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'leader-election' }, subjects: subject },
    [201, 409],
  );
  await api.create(
    `${rbac}/clusterroles`,
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: RECONCILER_CULLING_CLUSTER_ROLE_NAME }, rules: rules(RECONCILER_CULLING_RULES) },
    [201, 409],
  );
  for (const ns of workspaceNamespaces) {
    await bindCulling(api, ns, namespace);
  }
  if (writeNamespaces) {
    await api.create(
      `${rbac}/clusterroles`,
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: RECONCILER_WRITER_CLUSTER_ROLE_NAME }, rules: rules(RECONCILER_WORKLOAD_WRITE_RULES) },
      [201, 409],
    );
    for (const ns of writeNamespaces) {
      await api.create(
        `${rbac}/namespaces/${ns}/rolebindings`,
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: RECONCILER_WRITER_CLUSTER_ROLE_NAME },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: RECONCILER_WRITER_CLUSTER_ROLE_NAME },
          subjects: subject,
        },
        [201, 409],
      );
    }
  }
  const tr = await api.create(`/api/v1/namespaces/${namespace}/serviceaccounts/reconciler/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { expirationSeconds: 3600 },
  });
  return tr.status.token;
}

/** What `WorkspacesTenant` does for its namespace: lets the reconciler's ServiceAccount run the culling probes there. */
export async function bindCulling(api: Api, workspaceNamespace: string, controllerNamespace: string): Promise<void> {
  await api.create(
    `/apis/rbac.authorization.k8s.io/v1/namespaces/${workspaceNamespace}/rolebindings`,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: RECONCILER_CULLING_CLUSTER_ROLE_NAME },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: RECONCILER_CULLING_CLUSTER_ROLE_NAME },
      subjects: [{ kind: 'ServiceAccount', name: 'reconciler', namespace: controllerNamespace }],
    },
    [201, 409],
  );
}

export function accessFor(cluster: ClusterConnection, token: string): ClusterAccess {
  return { server: cluster.server, tls: { ca: cluster.caData }, headers: async () => ({ Authorization: `Bearer ${token}` }) };
}

export interface TestReconciler {
  readonly manager: Manager;
  /** Log lines (JSON) at warn level and above, for diagnosing failures. */
  readonly logs: string[];
}

/** Starts an in-process reconciler with leader election in `namespace`, short timings, and the given transport. */
export async function startReconciler(
  cluster: ClusterConnection,
  token: string,
  namespace: string,
  overrides: Partial<ReconcilerConfig> = {},
  transport?: ActivityTransport,
): Promise<TestReconciler> {
  const logs: string[] = [];
  const config: ReconcilerConfig = {
    ...RECONCILER_DEFAULTS,
    bindAddress: '127.0.0.1',
    healthPort: 0,
    metricsPort: 0,
    leaderElect: true,
    leaderElectionId: `kfws-test-${namespace}`,
    backoffBaseMs: 200,
    backoffMaxMs: 5_000,
    culling: transport !== undefined,
    ...overrides,
  };
  const manager = new Manager({
    config,
    access: accessFor(cluster, token),
    logger: new Logger(LogLevel.WARN, {}, (line) => logs.push(line)),
    identity: `test-${suffix()}`,
    leaseNamespace: namespace,
    activityTransport: transport ? () => transport : undefined,
  });
  await manager.start();
  await eventually('leadership', async () => manager.isLeader);
  return { manager, logs };
}

/**
 * Every request kind the reconciler made is granted by a rule (the API server would have refused it otherwise): the
 * cluster and Lease rules anywhere, the culling rules only in `cullingNamespaces` (those with the tenant binding).
 */
export function ungrantedRequests(manager: Manager, cullingNamespaces: readonly string[] = []): string[] {
  const allows = (rules: readonly PolicyRule[], r: RequestRecord): boolean =>
    rules.some((rule) => rule.apiGroups.includes(r.group) && rule.resources.includes(r.resource) && rule.verbs.includes(r.verb));
  const granted = (r: RequestRecord): boolean =>
    allows([...RECONCILER_CLUSTER_RULES, ...RECONCILER_NAMESPACE_RULES, ...RECONCILER_WORKLOAD_WRITE_RULES], r) ||
    (r.namespace !== undefined && cullingNamespaces.includes(r.namespace) && allows(RECONCILER_CULLING_RULES, r));
  return [...manager.requestKinds.values()].filter((r) => !granted(r)).map((r) => `${r.verb} ${r.group}/${r.resource}${r.namespace ? ` in ${r.namespace}` : ''}`);
}

/** The controller fixture of upstream's envtest (docs/upstream-behavior.md §6): the sample Kind under another name. */
export function controllerKind(name: string, edit?: (k: any) => void): any {
  const k = readReference(ApiRevision.FD7A3D8E, 'samples', 'jupyterlab_v1beta1_workspacekind.yaml');
  k.metadata = { name };
  edit?.(k);
  return k;
}

export function controllerWorkspace(name: string, kind: string, edit?: (w: any) => void): any {
  const w = {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Workspace',
    metadata: { name },
    spec: {
      paused: false,
      deferUpdates: false,
      kind,
      podTemplate: {
        podMetadata: {},
        volumes: { home: 'my-home-pvc', data: [{ pvcName: 'my-data-pvc', mountPath: '/data/my-data', readOnly: false }] },
        options: { imageConfig: 'jupyterlab_scipy_180', podConfig: 'tiny_cpu' },
      },
    },
  };
  edit?.(w);
  return w;
}
