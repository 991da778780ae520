import { Construct } from 'constructs';
import { ClusterScopedApiObject, registerAllForCollisionCheck } from '../constructs/internal';
import { PolicyRule } from '../core/contract/permissions';
import {
  KIND_READER_CLUSTER_ROLE_NAME,
  WORKSPACES_EDIT_CLUSTER_ROLE_NAME,
  WORKSPACES_VIEW_CLUSTER_ROLE_NAME,
} from './names';
import { KIND_READER_RULES, renderPolicyRules, WORKSPACES_EDIT_RULES, WORKSPACES_VIEW_RULES } from './rbac';

/** The built-in ClusterRoles that people are bound to, and that aggregate this package's roles. */
export enum BuiltInRole {
  /** Full control of a namespace, including its RoleBindings. */
  ADMIN = 'admin',
  /** Read and write most objects of a namespace. */
  EDIT = 'edit',
  /** Read most objects of a namespace (not Secrets). */
  VIEW = 'view',
}

/** Label that makes the built-in aggregated ClusterRole `role` include a ClusterRole's rules. */
export function aggregateToLabel(role: BuiltInRole): string {
  return `rbac.authorization.k8s.io/aggregate-to-${role}`;
}

/** Properties of the ClusterRoles for people. */
export interface WorkspacesUserRolesProps {
  /**
   * Labels of the ClusterRoles, besides the aggregation labels.
   * @default - none
   */
  readonly labels?: Record<string, string>;
}

/**
 * The ClusterRoles for people: Workspace access aggregated into the built-in `admin`, `edit` and `view` roles, so that
 * whoever may edit a namespace may manage its Workspaces and whoever may view it may read them; plus a role that only
 * reads WorkspaceKinds, which tenants bind their members to (kinds are cluster-scoped, so a RoleBinding cannot grant
 * them). Writing kinds is left to cluster admins: no role here grants it.
 */
export class WorkspacesUserRoles extends Construct {
  constructor(scope: Construct, id: string, props: WorkspacesUserRolesProps = {}) {
    super(scope, id);
    const labels = { ...props.labels };
    addClusterRole(this, 'Edit', WORKSPACES_EDIT_CLUSTER_ROLE_NAME, WORKSPACES_EDIT_RULES,
      { ...labels, ...aggregationLabels([BuiltInRole.ADMIN, BuiltInRole.EDIT]) });
    addClusterRole(this, 'View', WORKSPACES_VIEW_CLUSTER_ROLE_NAME, WORKSPACES_VIEW_RULES,
      { ...labels, ...aggregationLabels([BuiltInRole.ADMIN, BuiltInRole.EDIT, BuiltInRole.VIEW]) });
    addClusterRole(this, 'KindReader', KIND_READER_CLUSTER_ROLE_NAME, KIND_READER_RULES, labels);
    registerAllForCollisionCheck(this);
  }
}

// Each role is labelled for every built-in role that should include it, rather than relying on the built-in roles
// aggregating each other, which is a convention of the default RBAC policy and not an API guarantee.
function aggregationLabels(roles: BuiltInRole[]): Record<string, string> {
  return Object.fromEntries(roles.map(role => [aggregateToLabel(role), 'true']));
}

/** Adds a ClusterRole holding `rules`, rendered sorted. */
export function addClusterRole(scope: Construct, id: string, name: string, rules: readonly PolicyRule[], labels: Record<string, string>): ClusterScopedApiObject {
  return new ClusterScopedApiObject(scope, id, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name, labels },
    rules: renderPolicyRules(rules),
  });
}
