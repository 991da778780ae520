/**
 * The two CustomResourceDefinitions of the API among other objects (their revision: `apiRevisionOfCrd` in crds.ts).
 */
import { isPlainObject, objectAt } from './json';

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
