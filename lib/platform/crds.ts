import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { JsonObject } from '../core/api';
import { crdManifests } from '../core/crds';
import { ApiRevision, DEFAULT_API_REVISION } from '../core/revision';
import { ClusterScopedApiObject, registerAllForCollisionCheck } from '../constructs/internal';

/** Properties of the CRDs. */
export interface WorkspacesCrdsProps {
  /**
   * The upstream revision of `kubeflow.org/v1beta1` whose CRDs are installed.
   * @default ApiRevision.FD7A3D8E
   */
  readonly apiRevision?: ApiRevision;
}

/**
 * The Workspace and WorkspaceKind CustomResourceDefinitions of one API revision, as in the package's
 * `crds/<revision>/` files (cdk8s only sorts the keys).
 */
export class WorkspacesCrds extends Construct {
  /**
   * The CustomResourceDefinitions of a revision, WorkspaceKind first, as JSON (a fresh copy on every call).
   * @param apiRevision the revision; `ApiRevision.FD7A3D8E` when not given
   */
  public static manifests(apiRevision?: ApiRevision): { [key: string]: any }[] {
    return crdManifests(apiRevision ?? DEFAULT_API_REVISION);
  }

  /** The revision whose CRDs these are. */
  public readonly apiRevision: ApiRevision;
  /** One API object per CRD, WorkspaceKind first. */
  public readonly apiObjects: ApiObject[];

  constructor(scope: Construct, id: string, props: WorkspacesCrdsProps = {}) {
    super(scope, id);
    this.apiRevision = props.apiRevision ?? DEFAULT_API_REVISION;
    this.apiObjects = crdManifests(this.apiRevision).map(crd => {
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
