export { ApplyOrder, ApplyStage, ARGO_CD_SYNC_WAVE_ANNOTATION } from './apply-order';
export { ChartFileNames, WorkspacesApp } from './workspaces-app';
export type { WorkspacesAppProps } from './workspaces-app';
export type { ApplyOrderOptions } from './apply-order';
export { AdmissionWebhookMode, ControllerWriteScope, DEFAULT_CONTROLLER_RESOURCES, DEFAULT_DNS_PEERS, WorkspacesController } from './controller';
export type { DnsPeer, WorkspacesControllerProps } from './controller';
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
  CONTROLLER_WEBHOOK_CERTIFICATE_NAME,
  CONTROLLER_WEBHOOK_ISSUER_NAME,
  CONTROLLER_WEBHOOK_SECRET_NAME,
  CONTROLLER_WEBHOOK_SERVICE_NAME,
  CONTROLLER_WRITER_CLUSTER_ROLE_NAME,
  DEFAULT_CONTROLLER_NAMESPACE,
  KIND_READER_CLUSTER_ROLE_NAME,
  WORKSPACES_EDIT_CLUSTER_ROLE_NAME,
  WEBHOOK_CONFIGURATION_NAME,
  WORKSPACES_VIEW_CLUSTER_ROLE_NAME,
} from './names';
export { PodSecurityLevel } from './namespace';
export { KIND_READER_RULES, renderPolicyRules, WORKSPACES_EDIT_RULES, WORKSPACES_VIEW_RULES } from './rbac';
export type { RenderedPolicyRule } from './rbac';
export { MemberKind, WorkspacesTenant } from './tenant';
export type { TenantLimitRange, TenantMember, TenantResourceQuota, WorkspacesTenantProps } from './tenant';
export { BuiltInRole, WorkspacesUserRoles } from './user-roles';
export type { WorkspacesUserRolesProps } from './user-roles';
