/**
 * Reading the input of `kfws migrate` through kfws's one reader (../manifests.ts): the same files, folders, `List`
 * kinds, multi-document files and YAML rules as every other command, picking out Notebooks, PVCs and PodDefaults.
 */

import { isPlainObject } from '../../core/json';
import { readManifests } from '../manifests';
import { Finding } from '../types';
import { InputObject, MigrationInput } from './plan';
import { NOTEBOOK_API_VERSIONS, NOTEBOOK_KIND, PODDEFAULT_KIND, PVC_KIND } from './v1';

export interface MigrationRead {
  readonly input: MigrationInput;
  /** Unreadable files, YAML errors, documents that are not objects. */
  readonly findings: readonly Finding[];
  /** Notebook objects of a version migrate does not know, by where they are. */
  readonly unknownVersions: readonly { readonly object: InputObject; readonly apiVersion: string }[];
  readonly files: number;
}

function wanted(value: Record<string, unknown>): boolean {
  const group = typeof value.apiVersion === 'string' ? value.apiVersion.split('/')[0] : '';
  if (value.kind === NOTEBOOK_KIND || value.kind === PODDEFAULT_KIND) return group === 'kubeflow.org';
  return value.kind === PVC_KIND && value.apiVersion === 'v1';
}

export function readMigrationInput(paths: readonly string[], cwd: string, maxFileSize: number): MigrationRead {
  const set = readManifests(paths, { cwd, maxFileSize, select: wanted });
  const notebooks: InputObject[] = [];
  const claims: InputObject[] = [];
  const podDefaults: InputObject[] = [];
  const unknownVersions: { object: InputObject; apiVersion: string }[] = [];
  for (const obj of set.objects) {
    if (!isPlainObject(obj.value)) continue;
    const object: InputObject = { value: obj.value, source: { file: obj.file.display, document: obj.document, item: obj.item } };
    if (obj.value.kind === NOTEBOOK_KIND) {
      if (NOTEBOOK_API_VERSIONS.includes(String(obj.value.apiVersion))) notebooks.push(object);
      else unknownVersions.push({ object, apiVersion: String(obj.value.apiVersion) });
    } else if (obj.value.kind === PVC_KIND) {
      claims.push(object);
    } else {
      podDefaults.push(object);
    }
  }
  return { input: { notebooks, claims, podDefaults }, findings: set.findings, unknownVersions, files: set.files.length };
}
