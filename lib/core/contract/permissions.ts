/**
 * The Kubernetes API access the reconciler needs: the single source of truth for the ClusterRoles and the
 * namespaced Role that the platform charts synthesize. The reconciler's tests check that every request it makes is
 * covered by these rules; the platform charts render them verbatim. No wildcards; the only Secret is the webhook's
 * own, by name.
 *
 * This module is pure data so that the constructs can import it without pulling in the Kubernetes client.
 */

export interface PolicyRule {
  readonly apiGroups: string[];
  readonly resources: string[];
  /** Only these objects (by name); absent means all of the resource. */
  readonly resourceNames?: string[];
  readonly verbs: string[];
}

/**
 * Cluster-wide rules (bound with a ClusterRoleBinding), one per API call the reconciler makes:
 * - Workspaces and WorkspaceKinds are watched (list + watch); the only writes are merge patches: the redirect rewrite
 *   and the culling pause on Workspaces, the protection finalizer on Kinds, and both statuses.
 * - `workspaces/finalizers` update: owner references with `blockOwnerDeletion` need it (OwnerReferencesPermissionEnforcement).
 * - StatefulSets and Services: watched by label. Writing them is {@link RECONCILER_WORKLOAD_WRITE_RULES}.
 * - Pods: watched by label (the Workspace's state).
 * - Events: StatefulSet Events are watched (state decision); Workspace Events are created and patched (aggregation).
 *
 * Exec and the service proxy are deliberately not here: see {@link RECONCILER_CULLING_RULES}.
 */
export const RECONCILER_CLUSTER_RULES: readonly PolicyRule[] = [
  { apiGroups: ['kubeflow.org'], resources: ['workspaces'], verbs: ['list', 'watch', 'patch'] },
  { apiGroups: ['kubeflow.org'], resources: ['workspaces/status'], verbs: ['patch'] },
  { apiGroups: ['kubeflow.org'], resources: ['workspaces/finalizers'], verbs: ['update'] },
  { apiGroups: ['kubeflow.org'], resources: ['workspacekinds'], verbs: ['list', 'watch', 'patch'] },
  { apiGroups: ['kubeflow.org'], resources: ['workspacekinds/status'], verbs: ['patch'] },
  { apiGroups: ['apps'], resources: ['statefulsets'], verbs: ['list', 'watch'] },
  { apiGroups: [''], resources: ['services'], verbs: ['list', 'watch'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
  { apiGroups: [''], resources: ['events'], verbs: ['list', 'watch', 'create', 'patch'] },
];

/**
 * Writes of the objects a Workspace runs as: StatefulSets and Services are created and patched (drift), never deleted
 * (garbage collection does that). Creating a StatefulSet runs any image under any ServiceAccount of its namespace,
 * so by default these are granted per team namespace (a RoleBinding of the ClusterRole
 * {@link RECONCILER_WRITER_CLUSTER_ROLE_NAME}, made by each tenant), and cluster-wide only by explicit choice.
 */
export const RECONCILER_WORKLOAD_WRITE_RULES: readonly PolicyRule[] = [
  { apiGroups: ['apps'], resources: ['statefulsets'], verbs: ['create', 'patch'] },
  { apiGroups: [''], resources: ['services'], verbs: ['create', 'patch'] },
];

/**
 * Rules of the culling activity probes, granted per team namespace, never cluster-wide: exec and the service proxy
 * reach into Pods and Services, and bound cluster-wide they would let the reconciler run commands in any Pod
 * (kube-system included) and call any Service. The install chart renders them as a ClusterRole that it does not
 * bind; a tenant binds it in its namespace with a RoleBinding to the controller's ServiceAccount. Workspaces in a
 * namespace without that binding are not probed (the API server answers 403, which counts as a failed probe) and
 * therefore never culled.
 * - `pods/exec` get and create: exec activity probes. Exec over WebSocket is a GET (`get`), and since Kubernetes
 *   1.35 the API server also checks `create` for it.
 * - `services/proxy` get: the Jupyter activity probe goes through the API server's service proxy.
 */
export const RECONCILER_CULLING_RULES: readonly PolicyRule[] = [
  { apiGroups: [''], resources: ['pods/exec'], verbs: ['get', 'create'] },
  { apiGroups: [''], resources: ['services/proxy'], verbs: ['get'] },
];

/** Rules in the controller's own namespace: the leader-election Lease is read, created and renewed. */
export const RECONCILER_NAMESPACE_RULES: readonly PolicyRule[] = [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
];

/** Ports and paths of the reconciler process; the Deployment and the NetworkPolicy use the same numbers. */
export const RECONCILER_HEALTH_PORT = 8081;
export const RECONCILER_METRICS_PORT = 8080;
export const RECONCILER_HEALTHZ_PATH = '/healthz';
export const RECONCILER_READYZ_PATH = '/readyz';
export const RECONCILER_METRICS_PATH = '/metrics';
/** Name of the leader-election Lease in the controller's namespace. */
export const RECONCILER_LEASE_NAME = 'kubeflow-workspace-controller';
/**
 * Name of the ClusterRole holding {@link RECONCILER_CULLING_RULES}; the install chart creates it unbound and each
 * tenant binds it in its namespace (a RoleBinding of the same name).
 */
export const RECONCILER_CULLING_CLUSTER_ROLE_NAME = 'kubeflow-workspaces-controller-culling';
/**
 * Name of the ClusterRole holding {@link RECONCILER_WORKLOAD_WRITE_RULES}: bound by each tenant in its namespace (a
 * RoleBinding of the same name), or cluster-wide by the install chart when writes are cluster-wide.
 */
export const RECONCILER_WRITER_CLUSTER_ROLE_NAME = 'kubeflow-workspaces-controller-writer';

/**
 * Self-managed webhook certificates, in the controller's namespace: read and replace the one Secret the chart
 * creates empty, by name. Nothing else on Secrets (no list, no watch, no create).
 */
export function reconcilerWebhookSecretRules(secretName: string): PolicyRule[] {
  return [{ apiGroups: [''], resources: ['secrets'], resourceNames: [secretName], verbs: ['get', 'update'] }];
}

/** Self-managed webhook certificates, cluster-wide: keep the CA bundle of the reconciler's own webhook configuration. */
export function reconcilerWebhookConfigurationRules(configurationName: string): PolicyRule[] {
  return [
    { apiGroups: ['admissionregistration.k8s.io'], resources: ['validatingwebhookconfigurations'], resourceNames: [configurationName], verbs: ['get', 'update'] },
  ];
}

// --- v2.0.0-beta.0 (docs/upstream-v2-beta.md §4.1, §4.4, §6.3) -------------------------------------------------------

/**
 * Cluster-wide additions of the beta: the owned ServiceAccounts and RoleBindings are watched (by label), Pod Events
 * are covered by the Event rule above, Namespaces are watched for their labels (activity rules), and icon/logo
 * ConfigMaps are watched (label-filtered; RBAC cannot narrow a list by label).
 */
export const RECONCILER_BETA_CLUSTER_RULES: readonly PolicyRule[] = [
  { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['list', 'watch'] },
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings'], verbs: ['list', 'watch'] },
  { apiGroups: [''], resources: ['namespaces'], verbs: ['list', 'watch'] },
  { apiGroups: [''], resources: ['configmaps'], verbs: ['list', 'watch'] },
];

/**
 * Beta writes that join {@link RECONCILER_WORKLOAD_WRITE_RULES} (so they are granted where StatefulSets are, per
 * namespace by default): the Workspace's ServiceAccount is created, patched (labels) and read back when its name is
 * taken; RoleBindings are created, patched (subjects, label) and deleted (a ClusterRole dropped from the Kind).
 * Deleting ServiceAccounts is left to garbage collection.
 */
export const RECONCILER_BETA_WORKLOAD_WRITE_RULES: readonly PolicyRule[] = [
  { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get', 'create', 'patch'] },
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings'], verbs: ['create', 'patch', 'delete'] },
];

/** Beta with `--use-istio`: the owned VirtualServices, watched cluster-wide and written with the workloads. */
export const RECONCILER_BETA_ISTIO_CLUSTER_RULES: readonly PolicyRule[] = [
  { apiGroups: ['networking.istio.io'], resources: ['virtualservices'], verbs: ['list', 'watch'] },
];
export const RECONCILER_BETA_ISTIO_WRITE_RULES: readonly PolicyRule[] = [
  { apiGroups: ['networking.istio.io'], resources: ['virtualservices'], verbs: ['create', 'patch'] },
];

/**
 * `bind` on the ClusterRoles that WorkspaceKinds may grant (`spec.podTemplate.serviceAccount.clusterRoles`): the API
 * server lets the controller create or update a RoleBinding to a ClusterRole only if it holds every permission of
 * that role, or `bind` on it. Upstream grants `bind` on all ClusterRoles, so anyone who can edit a WorkspaceKind can
 * hand any ClusterRole (cluster-admin included) to Workspace ServiceAccounts (beta quirk 24). Here `bind` is
 * limited to the names the platform lists; a Kind naming another one gets its RoleBinding refused (403), and the
 * Workspace reports it. No list, no rule: the controller can bind nothing. `escalate` is never needed.
 */
export function reconcilerBindRules(clusterRoles: readonly string[]): PolicyRule[] {
  if (clusterRoles.length === 0) return [];
  return [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], resourceNames: [...new Set(clusterRoles)].sort(), verbs: ['bind'] }];
}
