import { ApiObject, Lazy } from 'cdk8s';
import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';
import { API_GROUP } from '../core/api';
import { ClusterScopedApiObject, registerForCollisionCheck } from '../constructs/internal';
import { ApplyOrder, ApplyStage } from './apply-order';
import { InstallMode } from './install-mode';
import { addNamespace, PodSecurityLevel } from './namespace';
import {
  assertDnsLabel,
  assertDnsSubdomain,
  CONTROLLER_CULLING_CLUSTER_ROLE_NAME,
  CONTROLLER_NAME,
  CONTROLLER_WRITER_CLUSTER_ROLE_NAME,
  DEFAULT_CONTROLLER_NAMESPACE,
  KIND_READER_CLUSTER_ROLE_NAME,
  tenantLabels,
} from './names';
import { quantityErrors, requestAboveLimitErrors, toKubeQuantities } from './quantity';
import { BuiltInRole } from './user-roles';

/** The kind of subject a tenant member is, as the cluster's authenticator names it. */
export enum MemberKind {
  USER = 'User',
  GROUP = 'Group',
}

/** A user or group of the team, and the built-in role it gets in the team namespace. */
export interface TenantMember {
  /** Whether `name` is a user or a group. */
  readonly kind: MemberKind;
  /** The user or group name. */
  readonly name: string;
  /**
   * The built-in ClusterRole bound in the namespace; with the full install, Workspace access comes with it through
   * aggregation (`edit` and `admin` manage Workspaces, `view` reads them).
   * @default BuiltInRole.EDIT
   */
  readonly role?: BuiltInRole;
}

/** Totals a team namespace may not exceed (a ResourceQuota). Quantities are Kubernetes quantity strings. */
export interface TenantResourceQuota {
  /**
   * Sum of the CPU requests of all Pods (`requests.cpu`).
   * @default - not limited
   */
  readonly requestsCpu?: string;
  /**
   * Sum of the memory requests of all Pods (`requests.memory`).
   * @default - not limited
   */
  readonly requestsMemory?: string;
  /**
   * Sum of the CPU limits of all Pods (`limits.cpu`).
   * @default - not limited
   */
  readonly limitsCpu?: string;
  /**
   * Sum of the memory limits of all Pods (`limits.memory`).
   * @default - not limited
   */
  readonly limitsMemory?: string;
  /**
   * Sum of the storage requested by all PersistentVolumeClaims (`requests.storage`).
   * @default - not limited
   */
  readonly requestsStorage?: string;
  /**
   * Number of PersistentVolumeClaims (`persistentvolumeclaims`).
   * @default - not limited
   */
  readonly persistentVolumeClaims?: number;
  /**
   * Number of Workspaces (`count/workspaces.kubeflow.org`).
   * @default - not limited
   */
  readonly workspaces?: number;
  /**
   * Further `spec.hard` entries, verbatim, e.g. `{ 'requests.nvidia.com/gpu': '4' }`.
   * @default - none
   */
  readonly additionalLimits?: Record<string, string>;
}

/** Per-container defaults and bounds in a team namespace (a LimitRange). Keys are resource names. */
export interface TenantLimitRange {
  /**
   * Requests given to containers that set none.
   * @default - the default limit of each resource (as the API server defaults it)
   */
  readonly defaultRequest?: Record<string, string>;
  /**
   * Limits given to containers that set none.
   * @default - the max of each resource (as the API server defaults it)
   */
  readonly defaultLimit?: Record<string, string>;
  /**
   * Largest limits a container may set.
   * @default - none
   */
  readonly max?: Record<string, string>;
}

/** Properties of a team namespace. */
export interface WorkspacesTenantProps {
  /** The team's namespace. */
  readonly namespace: string;
  /**
   * Whether to create the Namespace; false when it exists already (e.g. made by a Kubeflow Profile).
   * @default true
   */
  readonly createNamespace?: boolean;
  /**
   * Pod Security level enforced on a created namespace; the upstream `jupyterlab` kind needs `baseline`, because
   * it sets no seccomp profile.
   * @default PodSecurityLevel.BASELINE
   */
  readonly podSecurity?: PodSecurityLevel;
  /**
   * Extra labels of a created namespace (e.g. for a service mesh or a network policy selector).
   * @default - none
   */
  readonly namespaceLabels?: Record<string, string>;
  /**
   * ServiceAccounts to create, named by the pod templates of the kinds the team uses; leave out accounts the
   * platform makes (a Kubeflow Profile makes `default-editor`).
   * @default ['default-editor']
   */
  readonly workspaceServiceAccounts?: string[];
  /**
   * Whether Workspace Pods get an API token mounted from these ServiceAccounts; turn it on only when you bind them
   * roles, since the accounts have no permissions of their own.
   * @default false
   */
  readonly automountServiceAccountToken?: boolean;
  /**
   * Users and groups of the team.
   * @default - none; add them with `addMember()`
   */
  readonly members?: TenantMember[];
  /**
   * Totals the namespace may not exceed.
   * @default - no ResourceQuota
   */
  readonly resourceQuota?: TenantResourceQuota;
  /**
   * Per-container defaults and bounds.
   * @default - no LimitRange
   */
  readonly limitRange?: TenantLimitRange;
  /**
   * Who runs the controller: with `InstallMode.FULL` the members are also bound, cluster-wide, to the role that
   * reads WorkspaceKinds, and the controller is allowed to probe the namespace's Workspaces for culling; with
   * `CONTROLLER_PROVIDED` the platform grants both.
   * @default InstallMode.FULL
   */
  readonly mode?: InstallMode;
  /**
   * Whether the controller may probe the activity of the namespace's Workspaces, to pause idle ones of kinds with
   * culling enabled: a RoleBinding, in this namespace only, of the controller's ServiceAccount to the ClusterRole
   * `kubeflow-workspaces-controller-culling` (exec into the Workspace Pods, proxy to their Services). Without it the
   * API server refuses the probes and the namespace's Workspaces are never culled. Only with `InstallMode.FULL`.
   * @default true
   */
  readonly allowCulling?: boolean;
  /**
   * The namespace the controller runs in, when the install chart was given another one
   * (`WorkspacesControllerProps.namespace`): the controller's RoleBindings (writes, culling) name its ServiceAccount
   * there. Only with `InstallMode.FULL`.
   * @default 'kubeflow-workspaces'
   */
  readonly controllerNamespace?: string;
}

const DEFAULT_WORKSPACE_SERVICE_ACCOUNT = 'default-editor';

/**
 * A team namespace for Workspaces: the Namespace (unless it exists), the ServiceAccounts its kinds' pod templates
 * name, RoleBindings of the team's users and groups to the built-in roles, an optional ResourceQuota and
 * LimitRange, and with the full install the RoleBindings that let the controller create and patch the namespace's
 * Workspace StatefulSets and Services, and probe its Workspaces for culling.
 */
export class WorkspacesTenant extends Construct {
  /** The team's namespace. */
  public readonly namespace: string;
  private readonly mode: InstallMode;
  private readonly automountServiceAccountToken: boolean;
  private readonly membersByRole = new Map<BuiltInRole, Map<string, TenantMember>>();
  private readonly serviceAccounts = new Set<string>();
  private kindReaderBinding?: ApiObject;

  constructor(scope: Construct, id: string, props: WorkspacesTenantProps) {
    super(scope, id);
    ApplyOrder.assignStage(this, ApplyStage.TENANT);
    assertDnsLabel(this, 'namespace', props.namespace, 'a namespace name (an RFC 1123 label)');
    this.namespace = props.namespace;
    this.mode = props.mode ?? InstallMode.FULL;
    this.automountServiceAccountToken = props.automountServiceAccountToken ?? false;
    if (this.mode !== InstallMode.FULL && (props.allowCulling !== undefined || props.controllerNamespace !== undefined)) {
      throw new Error(`${this.node.path}: allowCulling and controllerNamespace concern the controller of the full install, but mode is InstallMode.CONTROLLER_PROVIDED; expected InstallMode.FULL, or neither set (the platform grants its controller what it needs)`);
    }

    if (props.createNamespace ?? true) {
      registerForCollisionCheck(addNamespace(this, 'Namespace', this.namespace, props.podSecurity ?? PodSecurityLevel.BASELINE,
        { ...props.namespaceLabels, ...tenantLabels() }));
    } else if (props.podSecurity !== undefined || props.namespaceLabels !== undefined) {
      throw new Error(`namespace "${this.namespace}": podSecurity and namespaceLabels apply to a namespace this construct creates; expected createNamespace to be true, or neither set`);
    }
    if (props.resourceQuota) {
      this.addResourceQuota(props.resourceQuota);
    }
    if (props.limitRange) {
      this.addLimitRange(props.limitRange);
    }
    for (const name of props.workspaceServiceAccounts ?? [DEFAULT_WORKSPACE_SERVICE_ACCOUNT]) {
      this.addWorkspaceServiceAccount(name);
    }
    for (const member of props.members ?? []) {
      this.addMember(member);
    }
    if (this.mode === InstallMode.FULL) {
      const controllerNamespace = props.controllerNamespace ?? DEFAULT_CONTROLLER_NAMESPACE;
      assertDnsLabel(this, 'controllerNamespace', controllerNamespace, 'a namespace name (an RFC 1123 label)');
      this.addControllerBinding('ControllerWriterBinding', CONTROLLER_WRITER_CLUSTER_ROLE_NAME, controllerNamespace);
      if (props.allowCulling ?? true) {
        this.addControllerBinding('ControllerCullingBinding', CONTROLLER_CULLING_CLUSTER_ROLE_NAME, controllerNamespace);
      }
    }
  }

  /** Creates a ServiceAccount that the pod template of a kind used by the team names. */
  public addWorkspaceServiceAccount(name: string): void {
    assertDnsSubdomain(this, 'workspace ServiceAccount name', name, 'a ServiceAccount name (an RFC 1123 subdomain)');
    if (this.serviceAccounts.has(name)) {
      throw new Error(`namespace "${this.namespace}": ServiceAccount "${name}" is added twice; expected each once`);
    }
    this.serviceAccounts.add(name);
    registerForCollisionCheck(new k8s.KubeServiceAccount(this, `ServiceAccount-${name}`, {
      metadata: { name, namespace: this.namespace, labels: tenantLabels() },
      automountServiceAccountToken: this.automountServiceAccountToken,
    }));
  }

  /** Binds a user or group of the team to a built-in role in the namespace (and, with the full install, to reading kinds). */
  public addMember(member: TenantMember): void {
    if (member.name.trim() === '') {
      throw new Error(`namespace "${this.namespace}": a ${member.kind} member has an empty name; expected a user or group name`);
    }
    const role = member.role ?? BuiltInRole.EDIT;
    let members = this.membersByRole.get(role);
    if (!members) {
      members = new Map();
      this.membersByRole.set(role, members);
      registerForCollisionCheck(new ApiObject(this, `Members-${role}`, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: `workspaces-members-${role}`, namespace: this.namespace, labels: tenantLabels() },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects: Lazy.any({ produce: () => subjectsOf([...this.membersByRole.get(role)!.values()]) }),
      }));
    }
    members.set(`${member.kind}/${member.name}`, member);
    if (this.mode === InstallMode.FULL && !this.kindReaderBinding) {
      this.kindReaderBinding = new ClusterScopedApiObject(this, 'KindReaderBinding', {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: `${KIND_READER_CLUSTER_ROLE_NAME}-${this.namespace}`, labels: tenantLabels() },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: KIND_READER_CLUSTER_ROLE_NAME },
        subjects: Lazy.any({ produce: () => subjectsOf([...this.membersByRole.values()].flatMap(byKey => [...byKey.values()])) }),
      });
      registerForCollisionCheck(this.kindReaderBinding);
    }
  }

  /**
   * Grants the controller a ClusterRole's rules in this namespace only (a RoleBinding): the StatefulSet and Service
   * writes of Workspaces, and the culling probes (exec, service proxy).
   */
  private addControllerBinding(id: string, clusterRole: string, controllerNamespace: string): void {
    registerForCollisionCheck(new k8s.KubeRoleBinding(this, id, {
      metadata: { name: clusterRole, namespace: this.namespace, labels: tenantLabels() },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
      subjects: [{ kind: 'ServiceAccount', name: CONTROLLER_NAME, namespace: controllerNamespace }],
    }));
  }

  private addResourceQuota(quota: TenantResourceQuota): void {
    const hard: Record<string, string> = { ...quota.additionalLimits };
    const quantities: [string, string | undefined][] = [
      ['requests.cpu', quota.requestsCpu],
      ['requests.memory', quota.requestsMemory],
      ['limits.cpu', quota.limitsCpu],
      ['limits.memory', quota.limitsMemory],
      ['requests.storage', quota.requestsStorage],
    ];
    for (const [name, value] of quantities) {
      if (value !== undefined) {
        hard[name] = value;
      }
    }
    const counts: [string, number | undefined][] = [
      ['persistentvolumeclaims', quota.persistentVolumeClaims],
      [`count/workspaces.${API_GROUP}`, quota.workspaces],
    ];
    for (const [name, value] of counts) {
      if (value !== undefined) {
        if (!Number.isInteger(value) || value < 0) {
          throw new Error(`namespace "${this.namespace}": resourceQuota ${name} is ${value}; expected a whole number of at least 0`);
        }
        hard[name] = String(value);
      }
    }
    const errors = quantityErrors('resourceQuota', hard);
    if (Object.keys(hard).length === 0) {
      errors.push('resourceQuota sets no limit; expected at least one');
    }
    if (errors.length > 0) {
      throw new Error(`namespace "${this.namespace}": ${errors.join('; ')}`);
    }
    registerForCollisionCheck(new k8s.KubeResourceQuota(this, 'ResourceQuota', {
      metadata: { name: 'workspaces', namespace: this.namespace, labels: tenantLabels() },
      spec: { hard: toKubeQuantities(hard) },
    }));
  }

  private addLimitRange(limits: TenantLimitRange): void {
    // What the API server fills in for a Container item, written out so that the stored item equals the written one
    // (the list is replaced whole by every client-side apply): a default limit from max, a default request from the
    // default limit, per resource.
    const defaultLimit = { ...limits.max, ...limits.defaultLimit };
    const defaultRequest = { ...defaultLimit, ...limits.defaultRequest };
    const errors = [
      ...quantityErrors('limitRange.defaultRequest', limits.defaultRequest),
      ...quantityErrors('limitRange.defaultLimit', limits.defaultLimit),
      ...quantityErrors('limitRange.max', limits.max),
      ...requestAboveLimitErrors('limitRange.defaultRequest', defaultRequest, 'limitRange.defaultLimit', defaultLimit),
      ...requestAboveLimitErrors('limitRange.defaultLimit', defaultLimit, 'limitRange.max', limits.max),
    ];
    if (!limits.defaultRequest && !limits.defaultLimit && !limits.max) {
      errors.push('limitRange sets nothing; expected defaultRequest, defaultLimit or max');
    }
    if (errors.length > 0) {
      throw new Error(`namespace "${this.namespace}": ${errors.join('; ')}`);
    }
    registerForCollisionCheck(new k8s.KubeLimitRange(this, 'LimitRange', {
      metadata: { name: 'workspaces', namespace: this.namespace, labels: tenantLabels() },
      spec: {
        limits: [{
          type: 'Container',
          defaultRequest: Object.keys(defaultRequest).length > 0 ? toKubeQuantities(defaultRequest) : undefined,
          default: Object.keys(defaultLimit).length > 0 ? toKubeQuantities(defaultLimit) : undefined,
          max: limits.max && toKubeQuantities(limits.max),
        }],
      },
    }));
  }
}

/** RBAC subjects of members, de-duplicated and sorted (groups before users, then by name). */
function subjectsOf(members: readonly TenantMember[]): { apiGroup: string; kind: string; name: string }[] {
  const unique = new Map(members.map(member => [`${member.kind}/${member.name}`, member]));
  return [...unique.keys()].sort().map(key => {
    const member = unique.get(key)!;
    return { apiGroup: 'rbac.authorization.k8s.io', kind: member.kind, name: member.name };
  });
}
