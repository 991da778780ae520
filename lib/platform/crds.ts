import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { parseAllDocuments } from 'yaml';
import { JsonObject } from '../core/api';
import { ClusterScopedApiObject, registerAllForCollisionCheck } from '../constructs/internal';

/** The CRD files of the repository's `crds/` folder, in the order they are synthesized. */
export const CRD_FILE_NAMES: readonly string[] = ['kubeflow.org_workspacekinds.yaml', 'kubeflow.org_workspaces.yaml'];

/**
 * The `crds/` folder of this package: the nearest one above this module holding the CRD files, so it is found from
 * `lib/platform` (ts-node, jest) and from `build/lib/platform` (compiled) alike.
 */
export function crdDirectory(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'crds');
    if (CRD_FILE_NAMES.every(file => fs.existsSync(path.join(candidate, file)))) {
      return candidate;
    }
    if (path.dirname(dir) === dir) {
      throw new Error(`cannot find the CRD files ${CRD_FILE_NAMES.join(', ')} in a "crds" folder above ${__dirname}; expected them shipped with the package`);
    }
  }
}

let parsedCrds: readonly JsonObject[] | undefined;

/** The CustomResourceDefinitions of the CRD files, as parsed JSON (a fresh copy on every call). */
export function loadCrdManifests(): JsonObject[] {
  if (!parsedCrds) {
    const dir = crdDirectory();
    parsedCrds = CRD_FILE_NAMES.flatMap(file => parseCrdFile(path.join(dir, file)));
  }
  return parsedCrds.map(crd => structuredClone(crd));
}

function parseCrdFile(file: string): JsonObject[] {
  const documents = parseAllDocuments(fs.readFileSync(file, 'utf8'));
  const crds: JsonObject[] = [];
  for (const document of documents) {
    if (document.errors.length > 0) {
      throw new Error(`${file}: ${document.errors[0].message}`);
    }
    const value = document.toJS() as JsonObject | null;
    if (value === null) {
      continue; // an empty document, e.g. after a trailing `---`
    }
    if (value.apiVersion !== 'apiextensions.k8s.io/v1' || value.kind !== 'CustomResourceDefinition') {
      throw new Error(`${file}: found ${String(value.apiVersion)} ${String(value.kind)}; expected only apiextensions.k8s.io/v1 CustomResourceDefinitions`);
    }
    crds.push(value);
  }
  return crds;
}

/**
 * The Workspace and WorkspaceKind CustomResourceDefinitions, exactly as in the package's `crds/` files (cdk8s only
 * sorts the keys).
 */
export class WorkspacesCrds extends Construct {
  /** One API object per CRD, in file order (WorkspaceKind first). */
  public readonly apiObjects: readonly ApiObject[];

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.apiObjects = loadCrdManifests().map(crd => {
      const { apiVersion, kind, metadata, ...rest } = crd;
      const name = (metadata as { name: string }).name;
      return new ClusterScopedApiObject(this, name, {
        apiVersion: apiVersion as string,
        kind: kind as string,
        metadata: metadata as JsonObject,
        ...rest,
      });
    });
    registerAllForCollisionCheck(this);
  }
}
