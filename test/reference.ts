/**
 * Upstream's reference files (CRDs, samples), which are not in this repository: tests read them from
 * `../shared/reference/` beside the checkout (as CI lays it out). A missing file fails the test that needs it, with
 * this path in the error, in CI and locally alike.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { ApiRevision } from '../lib/core/revision';

/** `../shared/reference` of the checkout. */
export const REFERENCE_ROOT = path.resolve(__dirname, '..', '..', 'shared', 'reference');

/** The reference folder of each revision. */
export const REFERENCE_FOLDERS: Readonly<Record<ApiRevision, string>> = {
  [ApiRevision.FD7A3D8E]: 'kubeflow-notebooks-v1beta1',
  [ApiRevision.V2_0_0_BETA_0]: 'kubeflow-notebooks-v2-beta0',
};

/** The path of a reference file of a revision, e.g. `referencePath(rev, 'samples', 'x.yaml')`; throws when missing. */
export function referencePath(revision: ApiRevision, ...parts: string[]): string {
  const file = path.join(REFERENCE_ROOT, REFERENCE_FOLDERS[revision], ...parts);
  if (!fs.existsSync(file)) {
    throw new Error(`reference file ${file} is missing: tests read upstream's CRDs and samples from ../shared/reference beside the checkout`);
  }
  return file;
}

/** A reference YAML file of a revision, parsed (the first document). */
export function readReference(revision: ApiRevision, ...parts: string[]): any {
  return parse(fs.readFileSync(referencePath(revision, ...parts), 'utf8'));
}
