import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { JsonObject } from '../core/api';
import { crdDirectory, readCrdFiles } from '../core/crds';
import { ClusterScopedApiObject, registerAllForCollisionCheck } from '../constructs/internal';

let parsedCrds: readonly JsonObject[] | undefined;

function loadCrdManifests(): JsonObject[] {
  if (!parsedCrds) {
    parsedCrds = readCrdFiles();
    for (const crd of parsedCrds) {
      if (crd.apiVersion !== 'apiextensions.k8s.io/v1' || crd.kind !== 'CustomResourceDefinition') {
        throw new Error(`${crdDirectory()}: found ${String(crd.apiVersion)} ${String(crd.kind)}; expected only apiextensions.k8s.io/v1 CustomResourceDefinitions`);
      }
    }
  }
  return parsedCrds.map(crd => structuredClone(crd));
}

/**
 * The Workspace and WorkspaceKind CustomResourceDefinitions, exactly as in the package's `crds/` files (cdk8s only
 * sorts the keys).
 */
export class WorkspacesCrds extends Construct {
  /** The CustomResourceDefinitions of the package's CRD files, as parsed JSON (a fresh copy on every call). */
  public static manifests(): { [key: string]: any }[] {
    return loadCrdManifests();
  }

  /** One API object per CRD, in file order (WorkspaceKind first). */
  public readonly apiObjects: ApiObject[];

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
