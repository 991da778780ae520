/** Fixtures of the v2.0.0-beta.0 reconciler tests: upstream's beta samples, read from ../shared at test time. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { Mutable } from '../core/fixtures';
import { NS, WS_UID } from './helpers';

/** The beta reference folder (never copied into the repository). */
export const BETA_REFERENCE = path.join(__dirname, '..', '..', '..', 'shared', 'reference', 'kubeflow-notebooks-v2-beta0');

export function betaSample(file: string): Mutable {
  return parse(fs.readFileSync(path.join(BETA_REFERENCE, 'samples', file), 'utf8'));
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
