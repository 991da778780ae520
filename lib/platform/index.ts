export { ApplyOrder, ApplyStage, ARGO_CD_SYNC_WAVE_ANNOTATION } from './apply-order';
export { ChartFileNames, WorkspacesApp } from './workspaces-app';
export type { WorkspacesAppProps } from './workspaces-app';
export type { ApplyOrderOptions } from './apply-order';
export { DEFAULT_CONTROLLER_RESOURCES, WorkspacesController } from './controller';
export type { WorkspacesControllerProps } from './controller';
export { loadCrdManifests, WorkspacesCrds } from './crds';
export { WorkspacesInstallChart } from './install-chart';
export type { WorkspacesInstallChartProps } from './install-chart';
export { InstallMode } from './install-mode';
export {
  CONTROLLER_CLUSTER_ROLE_NAME,
  CONTROLLER_CULLING_CLUSTER_ROLE_NAME,
  CONTROLLER_LEADER_ELECTION_ROLE_NAME,
  CONTROLLER_METRICS_SERVICE_NAME,
  CONTROLLER_NAME,
  DEFAULT_CONTROLLER_NAMESPACE,
  KIND_READER_CLUSTER_ROLE_NAME,
  WORKSPACES_EDIT_CLUSTER_ROLE_NAME,
  WORKSPACES_VIEW_CLUSTER_ROLE_NAME,
} from './names';
export { PodSecurityLevel } from './namespace';
export { KIND_READER_RULES, renderPolicyRules, WORKSPACES_EDIT_RULES, WORKSPACES_VIEW_RULES } from './rbac';
export type { RenderedPolicyRule } from './rbac';
export { MemberKind, WorkspacesTenant } from './tenant';
export type { TenantLimitRange, TenantMember, TenantResourceQuota, WorkspacesTenantProps } from './tenant';
export { BuiltInRole, WorkspacesUserRoles } from './user-roles';
export type { WorkspacesUserRolesProps } from './user-roles';
