/**
 * Names and labels of the objects the platform constructs synthesize. They are stable: GitOps tools and `kubectl
 * apply` identify objects by name, so a rename would delete and recreate them.
 */
import { IConstruct } from 'constructs';
import { isDns1123Label, isDns1123Subdomain } from '../core/validation/metadata';
import { RECONCILER_CULLING_CLUSTER_ROLE_NAME, RECONCILER_WRITER_CLUSTER_ROLE_NAME } from '../core/contract/permissions';

/** Namespace the controller runs in, unless told otherwise (the upstream name). */
export const DEFAULT_CONTROLLER_NAMESPACE = 'kubeflow-workspaces';
/** Name of the controller's ServiceAccount, Deployment, PodDisruptionBudget and NetworkPolicy (the upstream name). */
export const CONTROLLER_NAME = 'workspaces-controller';
/** Name of the controller's ClusterRole and ClusterRoleBinding. */
export const CONTROLLER_CLUSTER_ROLE_NAME = 'kubeflow-workspaces-controller';
/**
 * Name of the ClusterRole of the controller's culling probes (exec into Workspace Pods, proxy to their Services). The
 * install chart creates it without binding it; each tenant binds it in its namespace, with a RoleBinding of the same
 * name.
 */
export const CONTROLLER_CULLING_CLUSTER_ROLE_NAME = RECONCILER_CULLING_CLUSTER_ROLE_NAME;
/**
 * Name of the ClusterRole that lets the controller create and patch StatefulSets and Services: bound in each tenant
 * namespace by the tenant (a RoleBinding of the same name), or cluster-wide with `ControllerWriteScope.CLUSTER`.
 */
export const CONTROLLER_WRITER_CLUSTER_ROLE_NAME = RECONCILER_WRITER_CLUSTER_ROLE_NAME;
/** Name of the webhook Service in front of the controller's admission webhook port. */
export const CONTROLLER_WEBHOOK_SERVICE_NAME = 'workspaces-controller-webhook';
/**
 * Name of the Secret holding the webhook's certificates: created empty by the chart and filled by the controller
 * (self-managed certificates), or written by cert-manager.
 */
export const CONTROLLER_WEBHOOK_SECRET_NAME = 'workspaces-controller-webhook-cert';
/** Name of the ValidatingWebhookConfiguration of the two webhooks, and of the controller's role that keeps its CA bundle. */
export const WEBHOOK_CONFIGURATION_NAME = 'kubeflow-workspaces-webhook';
/** Name of the controller's Role (and RoleBinding) on its certificate Secret. */
export const CONTROLLER_WEBHOOK_CERT_ROLE_NAME = 'workspaces-controller-webhook-cert';
/** Names of the cert-manager Issuer and Certificate of the webhook, with `AdmissionWebhookMode.CERT_MANAGER`. */
export const CONTROLLER_WEBHOOK_ISSUER_NAME = 'workspaces-controller-selfsigned';
export const CONTROLLER_WEBHOOK_CERTIFICATE_NAME = 'workspaces-controller-webhook';
/** Name of the controller's leader-election Role and RoleBinding. */
export const CONTROLLER_LEADER_ELECTION_ROLE_NAME = 'workspaces-controller-leader-election';
/** Name of the Service in front of the controller's metrics port. */
export const CONTROLLER_METRICS_SERVICE_NAME = 'workspaces-controller-metrics';
/** ClusterRole aggregated into the built-in `admin` and `edit` roles: manage Workspaces. */
export const WORKSPACES_EDIT_CLUSTER_ROLE_NAME = 'kubeflow-workspaces-edit';
/** ClusterRole aggregated into the built-in `admin`, `edit` and `view` roles: read Workspaces and kinds. */
export const WORKSPACES_VIEW_CLUSTER_ROLE_NAME = 'kubeflow-workspaces-view';
/** ClusterRole that only reads WorkspaceKinds; tenants bind their members to it cluster-wide. */
export const KIND_READER_CLUSTER_ROLE_NAME = 'kubeflow-workspaces-kind-reader';

/**
 * The names of the objects the install chart and tenants synthesize, for apps and scripts that refer to them (a
 * NetworkPolicy admitting the controller, a monitoring selector, `kubectl` in a runbook).
 */
export class PlatformNames {
  /** Namespace the controller runs in, unless `WorkspacesControllerProps.namespace` says otherwise (the upstream name). */
  public static readonly DEFAULT_CONTROLLER_NAMESPACE = DEFAULT_CONTROLLER_NAMESPACE;
  /** The controller's ServiceAccount, Deployment, PodDisruptionBudget and NetworkPolicy (the upstream name). */
  public static readonly CONTROLLER = CONTROLLER_NAME;
  /** The controller's ClusterRole and ClusterRoleBinding. */
  public static readonly CONTROLLER_CLUSTER_ROLE = CONTROLLER_CLUSTER_ROLE_NAME;
  /**
   * The ClusterRole of the controller's culling probes (exec into Workspace Pods, proxy to their Services): created
   * by the install chart without a binding; each tenant binds it in its namespace with a RoleBinding of this name.
   */
  public static readonly CONTROLLER_CULLING_CLUSTER_ROLE = CONTROLLER_CULLING_CLUSTER_ROLE_NAME;
  /**
   * The ClusterRole that lets the controller create and patch StatefulSets and Services: bound in each tenant
   * namespace by the tenant (a RoleBinding of this name), or cluster-wide with `ControllerWriteScope.CLUSTER`.
   */
  public static readonly CONTROLLER_WRITER_CLUSTER_ROLE = CONTROLLER_WRITER_CLUSTER_ROLE_NAME;
  /** The controller's leader-election Role and RoleBinding. */
  public static readonly CONTROLLER_LEADER_ELECTION_ROLE = CONTROLLER_LEADER_ELECTION_ROLE_NAME;
  /** The Service in front of the controller's metrics port. */
  public static readonly CONTROLLER_METRICS_SERVICE = CONTROLLER_METRICS_SERVICE_NAME;
  /** The Service in front of the controller's admission webhook port. */
  public static readonly CONTROLLER_WEBHOOK_SERVICE = CONTROLLER_WEBHOOK_SERVICE_NAME;
  /** The Secret of the webhook's certificates (filled by the controller, or written by cert-manager). */
  public static readonly CONTROLLER_WEBHOOK_SECRET = CONTROLLER_WEBHOOK_SECRET_NAME;
  /** The cert-manager Issuer of the webhook, with `AdmissionWebhookMode.CERT_MANAGER`. */
  public static readonly CONTROLLER_WEBHOOK_ISSUER = CONTROLLER_WEBHOOK_ISSUER_NAME;
  /** The cert-manager Certificate of the webhook, with `AdmissionWebhookMode.CERT_MANAGER`. */
  public static readonly CONTROLLER_WEBHOOK_CERTIFICATE = CONTROLLER_WEBHOOK_CERTIFICATE_NAME;
  /** The ValidatingWebhookConfiguration of the two webhooks (and the controller's ClusterRole that keeps its CA bundle). */
  public static readonly WEBHOOK_CONFIGURATION = WEBHOOK_CONFIGURATION_NAME;
  /** ClusterRole aggregated into the built-in `admin` and `edit` roles: manage Workspaces. */
  public static readonly WORKSPACES_EDIT_CLUSTER_ROLE = WORKSPACES_EDIT_CLUSTER_ROLE_NAME;
  /** ClusterRole aggregated into the built-in `admin`, `edit` and `view` roles: read Workspaces and kinds. */
  public static readonly WORKSPACES_VIEW_CLUSTER_ROLE = WORKSPACES_VIEW_CLUSTER_ROLE_NAME;
  /** ClusterRole that only reads WorkspaceKinds; tenants bind their members to it cluster-wide. */
  public static readonly KIND_READER_CLUSTER_ROLE = KIND_READER_CLUSTER_ROLE_NAME;

  private constructor() {}
}

/** Value of `app.kubernetes.io/part-of` on every object of the product. */
export const PART_OF = 'kubeflow-workspaces';

/** The labels that select the controller's Pods (Deployment, Service, PodDisruptionBudget, NetworkPolicy). */
export const CONTROLLER_SELECTOR_LABELS: Readonly<Record<string, string>> = {
  'app.kubernetes.io/name': CONTROLLER_NAME,
  'app.kubernetes.io/part-of': PART_OF,
};

/** Labels of every controller object: the selector labels plus the component. */
export function controllerLabels(): Record<string, string> {
  return { ...CONTROLLER_SELECTOR_LABELS, 'app.kubernetes.io/component': 'controller' };
}

/** Labels of the objects a tenant construct creates in or for a team namespace. */
export function tenantLabels(): Record<string, string> {
  return { 'app.kubernetes.io/part-of': PART_OF, 'app.kubernetes.io/component': 'tenant' };
}

/**
 * Throws unless `value` is an RFC 1123 label (the format of namespace names), checked by the shared core's
 * `isDns1123Label`: the message names the construct, the field, the value and the API server's own rule.
 */
export function assertDnsLabel(scope: IConstruct, field: string, value: string, what = 'an RFC 1123 label'): void {
  throwIfInvalid(scope, field, value, what, isDns1123Label(value));
}

/**
 * Throws unless `value` is an RFC 1123 subdomain (the format of most object names), checked by the shared core's
 * `isDns1123Subdomain`.
 */
export function assertDnsSubdomain(scope: IConstruct, field: string, value: string, what = 'an RFC 1123 subdomain'): void {
  throwIfInvalid(scope, field, value, what, isDns1123Subdomain(value));
}

function throwIfInvalid(scope: IConstruct, field: string, value: string, what: string, errors: string[]): void {
  if (errors.length > 0) {
    throw new Error(`${scope.node.path}: ${field} is ${JSON.stringify(value)}; expected ${what}: ${errors.join('; ')}`);
  }
}
