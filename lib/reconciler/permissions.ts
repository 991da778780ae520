/**
 * The Kubernetes API access the reconciler needs: the single source of truth for the ClusterRole and the
 * namespaced Role that the platform chart synthesizes. The reconciler's tests check that every request it makes is
 * covered by these rules; the platform chart renders them verbatim. No wildcards, no Secrets.
 *
 * This module is pure data so that the constructs can import it without pulling in the Kubernetes client.
 */

export interface PolicyRule {
  readonly apiGroups: string[];
  readonly resources: string[];
  readonly verbs: string[];
}

/**
 * Cluster-wide rules (bound with a ClusterRoleBinding), one per API call the reconciler makes:
 * - Workspaces and WorkspaceKinds are watched (list + watch); the only writes are merge patches: the redirect rewrite
 *   and the culling pause on Workspaces, the protection finalizer on Kinds, and both statuses.
 * - `workspaces/finalizers` update: owner references with `blockOwnerDeletion` need it (OwnerReferencesPermissionEnforcement).
 * - StatefulSets and Services: watched by label, created, patched (drift). Never deleted: garbage collection does that.
 * - Pods: watched by label. `pods/exec` for exec activity probes: WebSocket exec is a GET (`get`), and since
 *   Kubernetes 1.35 the API server also checks `create` for it.
 * - `services/proxy` get: the Jupyter activity probe goes through the API server's service proxy.
 * - Events: StatefulSet Events are watched (state decision); Workspace Events are created and patched (aggregation).
 */
export const RECONCILER_CLUSTER_RULES: readonly PolicyRule[] = [
  { apiGroups: ['kubeflow.org'], resources: ['workspaces'], verbs: ['list', 'watch', 'patch'] },
  { apiGroups: ['kubeflow.org'], resources: ['workspaces/status'], verbs: ['patch'] },
  { apiGroups: ['kubeflow.org'], resources: ['workspaces/finalizers'], verbs: ['update'] },
  { apiGroups: ['kubeflow.org'], resources: ['workspacekinds'], verbs: ['list', 'watch', 'patch'] },
  { apiGroups: ['kubeflow.org'], resources: ['workspacekinds/status'], verbs: ['patch'] },
  { apiGroups: ['apps'], resources: ['statefulsets'], verbs: ['list', 'watch', 'create', 'patch'] },
  { apiGroups: [''], resources: ['services'], verbs: ['list', 'watch', 'create', 'patch'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
  { apiGroups: [''], resources: ['pods/exec'], verbs: ['get', 'create'] },
  { apiGroups: [''], resources: ['services/proxy'], verbs: ['get'] },
  { apiGroups: [''], resources: ['events'], verbs: ['list', 'watch', 'create', 'patch'] },
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
