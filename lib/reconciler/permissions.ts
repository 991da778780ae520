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

/** Cluster-wide rules (bound with a ClusterRoleBinding). */
export const RECONCILER_CLUSTER_RULES: readonly PolicyRule[] = [
  { apiGroups: ['kubeflow.org'], resources: ['workspaces'], verbs: ['get', 'list', 'watch', 'update', 'patch'] },
  { apiGroups: ['kubeflow.org'], resources: ['workspaces/status'], verbs: ['get', 'update', 'patch'] },
  { apiGroups: ['kubeflow.org'], resources: ['workspacekinds'], verbs: ['get', 'list', 'watch', 'update', 'patch'] },
  { apiGroups: ['kubeflow.org'], resources: ['workspacekinds/status'], verbs: ['get', 'update', 'patch'] },
  { apiGroups: ['kubeflow.org'], resources: ['workspacekinds/finalizers', 'workspaces/finalizers'], verbs: ['update'] },
  { apiGroups: ['apps'], resources: ['statefulsets'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
  { apiGroups: [''], resources: ['services'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] },
  { apiGroups: [''], resources: ['services/proxy'], verbs: ['get'] },
  { apiGroups: [''], resources: ['events'], verbs: ['list', 'watch', 'create', 'patch'] },
  { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
];

/** Rules in the controller's own namespace (leader election). */
export const RECONCILER_NAMESPACE_RULES: readonly PolicyRule[] = [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'] },
];

/** Ports and paths of the reconciler process; the Deployment and the NetworkPolicy use the same numbers. */
export const RECONCILER_HEALTH_PORT = 8081;
export const RECONCILER_METRICS_PORT = 8080;
export const RECONCILER_HEALTHZ_PATH = '/healthz';
export const RECONCILER_READYZ_PATH = '/readyz';
export const RECONCILER_METRICS_PATH = '/metrics';
/** Name of the leader-election Lease in the controller's namespace. */
export const RECONCILER_LEASE_NAME = 'kubeflow-workspace-controller';
