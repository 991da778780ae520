/** Fixtures of the v2.0.0-beta.0 reconciler tests: upstream's beta samples, read from ../shared at test time. */
import { ApiRevision } from '../../lib/core/revision';
import { Mutable } from '../core/fixtures';
import { readReference } from '../reference';
import { NS, WS_UID } from './helpers';

export function betaSample(file: string): Mutable {
  return readReference(ApiRevision.V2_0_0_BETA_0, 'samples', file);
}

export function betaWorkspace(edit?: (ws: Mutable) => void): Mutable {
  const ws = betaSample('jupyterlab_v1beta1_workspace.yaml');
  ws.metadata = { name: 'jupyterlab-workspace', namespace: NS, uid: WS_UID, resourceVersion: '100', generation: 1 };
  edit?.(ws);
  return ws;
}

export function betaKind(edit?: (k: Mutable) => void): Mutable {
  const k = betaSample('jupyterlab_v1beta1_workspacekind.yaml');
  k.metadata = { ...k.metadata, uid: 'kind-uid', resourceVersion: '50', generation: 1, finalizers: ['notebooks.kubeflow.org/workspacekind-protection'] };
  edit?.(k);
  return k;
}
