/**
 * Which API revision a Workspace or WorkspaceKind CustomResourceDefinition is of. Both revisions share the group,
 * version and CRD names, so the schema tells them apart: the fields one revision has and the other does not.
 */
import { isPlainObject, listOf, objectAt } from './json';
import { ApiRevision } from './revision';

/** The names of the two CRDs (the same in both revisions). */
export const WORKSPACES_CRD_NAME = 'workspaces.kubeflow.org';
export const WORKSPACEKINDS_CRD_NAME = 'workspacekinds.kubeflow.org';

/** Whether `value` is one of the two CustomResourceDefinitions of the API (by apiVersion, kind and name). */
export function isWorkspacesCrd(value: unknown): boolean {
  if (!isPlainObject(value) || value.kind !== 'CustomResourceDefinition') return false;
  if (typeof value.apiVersion !== 'string' || !value.apiVersion.startsWith('apiextensions.k8s.io/')) return false;
  const name = objectAt(value, 'metadata')?.name;
  return name === WORKSPACES_CRD_NAME || name === WORKSPACEKINDS_CRD_NAME;
}

/** Field of the spec (Workspace) or of the pod template (WorkspaceKind) that only one revision has. */
const MARKERS: Record<string, { readonly path: readonly string[]; readonly beta: string; readonly base: string }> = {
  [WORKSPACES_CRD_NAME]: { path: ['spec'], beta: 'displayName', base: 'deferUpdates' },
  [WORKSPACEKINDS_CRD_NAME]: { path: ['spec', 'podTemplate'], beta: 'activityProbe', base: 'culling' },
};

/**
 * The revision of one of the API's CRDs, from its `v1beta1` schema; undefined for another object, or a schema with
 * both or neither marker field.
 */
export function crdRevision(crd: unknown): ApiRevision | undefined {
  if (!isWorkspacesCrd(crd)) return undefined;
  const marker = MARKERS[objectAt(crd, 'metadata')?.name as string];
  const version = listOf(objectAt(crd, 'spec')?.versions).find((v) => isPlainObject(v) && v.name === 'v1beta1');
  let node = objectAt(version, 'schema', 'openAPIV3Schema');
  for (const key of marker.path) node = objectAt(node, 'properties', key);
  const properties = objectAt(node, 'properties');
  const beta = properties?.[marker.beta] !== undefined;
  const base = properties?.[marker.base] !== undefined;
  if (beta === base) return undefined;
  return beta ? ApiRevision.V2_0_0_BETA_0 : ApiRevision.FD7A3D8E;
}
