/**
 * Who runs the Workspace controller in the target cluster.
 */
export enum InstallMode {
  /**
   * This package installs everything: the CRDs, the controller's namespace, RBAC and Deployment (the bundled
   * reconciler), and the ClusterRoles that give people access to Workspaces.
   */
  FULL = 'full',
  /**
   * The platform already runs the controller and owns the CRDs (Kubeflow, Alauda AI): only kinds, tenants, Workspaces
   * and PVCs are synthesized; no CRD, controller object or ClusterRole.
   */
  CONTROLLER_PROVIDED = 'controller-provided',
}
