/**
 * The upstream revisions of `kubeflow.org/v1beta1` this package serves. Both share the group and version, so the
 * revision cannot be read from `apiVersion`: it is chosen once per app or install, and `kfws` can detect it from the
 * CRDs in a reviewed folder.
 */
export enum ApiRevision {
  /** kubeflow/notebooks `workspaces/controller` at commit fd7a3d8e (the default). */
  FD7A3D8E = 'fd7a3d8e',
  /** kubeflow/notebooks tag v2.0.0-beta.0 (2026-08-20). */
  V2_0_0_BETA_0 = 'v2.0.0-beta.0',
}

/** The revision used when none is chosen. */
export const DEFAULT_API_REVISION = ApiRevision.FD7A3D8E;

/**
 * The construct-tree context key holding the revision of an app (set by `WorkspacesApp({ apiRevision })`, or with
 * `app.node.setContext(...)` / `cdk8s.yaml`'s context): every Workspace, WorkspaceKind and the install chart read it.
 */
export const API_REVISION_CONTEXT = 'kubeflow-workspaces:apiRevision';

/** The revision named `value` (as written on the command line or in a context), or undefined if none is. */
export function parseApiRevision(value: unknown): ApiRevision | undefined {
  return Object.values(ApiRevision).find((r) => r === value);
}

/** `fd7a3d8e, v2.0.0-beta.0`: the accepted values, for messages. */
export const API_REVISION_VALUES = Object.values(ApiRevision).join(', ');
