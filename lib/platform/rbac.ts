/**
 * RBAC rules of the platform: the controller's (rendered from the reconciler's contract in
 * `lib/core/contract/permissions.ts`, never copied) and the ones for people.
 */
import { API_GROUP } from '../core/api';
import { PolicyRule } from '../core/contract/permissions';

/** A rule as synthesized: every field of the source rule, string lists sorted. */
export type RenderedPolicyRule = Record<string, string[]>;

/**
 * Renders rules for a Role or ClusterRole: every field of every rule kept, each list sorted and the rules sorted, so
 * the output does not change when the source is reordered and reviewers diff real changes only.
 */
export function renderPolicyRules(rules: readonly PolicyRule[]): RenderedPolicyRule[] {
  const rendered = rules.map(rule => {
    const out: RenderedPolicyRule = {};
    for (const key of Object.keys(rule).sort()) {
      const value = (rule as unknown as Record<string, unknown>)[key];
      if (!Array.isArray(value) || value.some(item => typeof item !== 'string')) {
        throw new Error(`policy rule field "${key}" is ${JSON.stringify(value)}; expected a list of strings`);
      }
      out[key] = [...value].sort();
    }
    return out;
  });
  return rendered.sort(compareRules);
}

const RULE_SORT_FIELDS = ['apiGroups', 'resources', 'resourceNames', 'nonResourceURLs', 'verbs'];

// Field by field, then item by item, by code point: stable across locales and machines.
function compareRules(a: RenderedPolicyRule, b: RenderedPolicyRule): number {
  for (const field of RULE_SORT_FIELDS) {
    const left = a[field] ?? [];
    const right = b[field] ?? [];
    for (let i = 0; i < Math.min(left.length, right.length); i++) {
      if (left[i] !== right[i]) {
        return left[i] < right[i] ? -1 : 1;
      }
    }
    if (left.length !== right.length) {
      return left.length - right.length;
    }
  }
  return 0;
}

const READ_VERBS = ['get', 'list', 'watch'];

/** Reading WorkspaceKinds: everyone who may create Workspaces needs it to pick a kind and its options. */
export const KIND_READER_RULES: readonly PolicyRule[] = [
  { apiGroups: [API_GROUP], resources: ['workspacekinds'], verbs: READ_VERBS },
];

/**
 * Reading Workspaces (and, when bound cluster-wide, kinds): aggregated into `view`, `edit` and `admin`. WorkspaceKinds
 * are cluster-scoped, so this rule only takes effect through a ClusterRoleBinding; tenants grant it with the
 * kind-reader role instead.
 */
export const WORKSPACES_VIEW_RULES: readonly PolicyRule[] = [
  { apiGroups: [API_GROUP], resources: ['workspaces'], verbs: READ_VERBS },
  { apiGroups: [API_GROUP], resources: ['workspaces/status'], verbs: ['get'] },
  ...KIND_READER_RULES,
];

/**
 * Managing Workspaces: aggregated into `edit` and `admin`. No write access to kinds (cluster admins own them) and none
 * to `workspaces/status` (the controller's).
 */
export const WORKSPACES_EDIT_RULES: readonly PolicyRule[] = [
  { apiGroups: [API_GROUP], resources: ['workspaces'], verbs: ['create', 'delete', 'deletecollection', 'patch', 'update'] },
];

/** The RBAC rules of the roles for people, and how the platform renders rules into Roles and ClusterRoles. */
export class PolicyRules {
  /** Reading WorkspaceKinds (the kind-reader ClusterRole, which tenants bind their members to cluster-wide). */
  public static readonly KIND_READER: PolicyRule[] = [...KIND_READER_RULES];
  /** Reading Workspaces and kinds (the ClusterRole aggregated into the built-in `admin`, `edit` and `view`). */
  public static readonly WORKSPACES_VIEW: PolicyRule[] = [...WORKSPACES_VIEW_RULES];
  /** Managing Workspaces (the ClusterRole aggregated into the built-in `admin` and `edit`). */
  public static readonly WORKSPACES_EDIT: PolicyRule[] = [...WORKSPACES_EDIT_RULES];

  /**
   * Renders rules as the platform synthesizes them: every field of every rule kept, each list sorted and the rules
   * sorted, so the output does not change when the source is reordered.
   */
  public static render(rules: PolicyRule[]): PolicyRule[] {
    return renderPolicyRules(rules) as unknown as PolicyRule[];
  }

  private constructor() {}
}
