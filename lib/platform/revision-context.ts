import { IConstruct } from 'constructs';
import { API_REVISION_CONTEXT, API_REVISION_VALUES, ApiRevision, parseApiRevision } from '../core/revision';

/**
 * The app's API revision (context `kubeflow-workspaces:apiRevision`, set by `WorkspacesApp({ apiRevision })`), or
 * undefined when not set; an unknown value is a configuration error.
 */
export function contextRevision(scope: IConstruct): ApiRevision | undefined {
  const value: unknown = scope.node.tryGetContext(API_REVISION_CONTEXT);
  if (value === undefined) return undefined;
  const revision = parseApiRevision(value);
  if (revision === undefined) {
    throw new Error(`context ${JSON.stringify(API_REVISION_CONTEXT)} is ${JSON.stringify(value)}; expected one of ${API_REVISION_VALUES}`);
  }
  return revision;
}
