/**
 * Upstream's v2.0.0-beta.0 samples, read at test time from ../shared/reference (never copied into the repository).
 * Everything is returned as fresh mutable JSON.
 */

import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';

export type Mutable = any;

/** The beta reference: CRDs and samples of upstream's tag. */
export const BETA_REFERENCE = path.resolve(__dirname, '../../../shared/reference/kubeflow-notebooks-v2-beta0');
export const BETA_SAMPLES = path.join(BETA_REFERENCE, 'samples');

/** The sample files of the beta, Kinds first (upstream's apply order), then the Workspace. */
export const BETA_KIND_SAMPLES = ['codeserver_v1beta1_workspacekind.yaml', 'jupyterlab_v1beta1_workspacekind.yaml', 'rstudio_v1beta1_workspacekind.yaml'];
export const BETA_WORKSPACE_SAMPLE = 'jupyterlab_v1beta1_workspace.yaml';

const cache = new Map<string, Mutable>();

export function betaSample(file: string): Mutable {
  if (!cache.has(file)) cache.set(file, parse(fs.readFileSync(path.join(BETA_SAMPLES, file), 'utf8')));
  return structuredClone(cache.get(file));
}

/** Sample Kind `jupyterlab` (jupyter probe, two pausing activity rules, one filter rule). */
export function betaKind(): Mutable {
  return betaSample('jupyterlab_v1beta1_workspacekind.yaml');
}

/** Sample Kind `codeserver` (podExec probe). */
export function betaPodExecKind(): Mutable {
  return betaSample('codeserver_v1beta1_workspacekind.yaml');
}

/** Sample Workspace `jupyterlab-workspace` (displayName, one secret volume). */
export function betaWorkspace(): Mutable {
  return betaSample(BETA_WORKSPACE_SAMPLE);
}
