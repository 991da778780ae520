/**
 * The informer caches the controllers read, with the lookups of docs/upstream-behavior.md §3.4: Workspaces by
 * `spec.kind`, owned StatefulSets/Services by controller owner, Events by involved object. Watches are narrowed to what
 * the reconciler needs: owned objects and Pods by the workspace-name label, Events to those about StatefulSets.
 */
import { WorkspaceKindObject, WorkspaceObject } from '../core/api';
import { workspacePodName } from '../core/naming';
import { KubeClient } from './kube/client';
import { Informer } from './kube/informer';
import {
  controllingWorkspace,
  EventObject,
  lastWrittenByReconciler,
  OWNED_LABEL_SELECTOR,
  PATHS,
  PodObject,
  projectEvent,
  projectPod,
  projectService,
  projectStatefulSet,
  projectWorkspace,
  projectWorkspaceKind,
  projectRoleBinding,
  projectServiceAccount,
  projectVirtualService,
  RoleBindingObject,
  ServiceAccountObject,
  ServiceObject,
  VirtualServiceObject,
  STATEFULSET_EVENTS_FIELD_SELECTOR,
  POD_EVENTS_FIELD_SELECTOR,
  StatefulSetObject,
} from '../core/kube-objects';
import { Logger } from './log';
import { AppliedMemo, WorkspaceSnapshot } from '../core/workspace-plan';
import { ApiRevision, DEFAULT_API_REVISION } from '../core/revision';
import { IstioRouting } from '../core/render';
import { IMAGE_SOURCE_LABEL_SELECTOR, ImageSourceConfigMap } from '../core/kind-status';
import { createHash } from 'node:crypto';

const BY_KIND = 'kind';
const BY_OWNER = 'owner';
const BY_UID = 'uid';
const BY_INVOLVED = 'involved';

/** What the caches watch beyond fd7a3d8e's objects. */
export interface CacheOptions {
  /** v2.0.0-beta.0 adds ServiceAccounts, RoleBindings, Pod Events and Namespaces. @default fd7a3d8e */
  readonly revision?: ApiRevision;
  /** v2.0.0-beta.0 with `--use-istio`: VirtualServices too. */
  readonly istio?: boolean;
}

/** A labelled image-source ConfigMap: its identity and the SHA-256 of each value (the values are not kept). */
interface ImageSourceObject extends ImageSourceConfigMap {
  readonly metadata: { readonly name?: string; readonly namespace?: string; readonly resourceVersion?: string };
}

function projectImageSource(o: any): ImageSourceObject {
  const sha256: Record<string, string> = {};
  const hash = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
  for (const [k, v] of Object.entries((o.data ?? {}) as Record<string, string>)) sha256[k] = hash(Buffer.from(v, 'utf8'));
  for (const [k, v] of Object.entries((o.binaryData ?? {}) as Record<string, string>)) sha256[k] ??= hash(Buffer.from(v, 'base64'));
  return { metadata: { name: o.metadata?.name, namespace: o.metadata?.namespace, resourceVersion: o.metadata?.resourceVersion }, sha256 };
}

/** Only the labels of a Namespace (activity rules match on them). */
interface NamespaceObject {
  readonly metadata: { readonly name?: string; readonly labels?: Record<string, string>; readonly resourceVersion?: string };
}

/** Extra inputs of a beta pass that the caches do not hold. */
export interface SnapshotOptions {
  readonly revision?: ApiRevision;
  readonly nowMs?: number;
  readonly istio?: IstioRouting;
}

function ownerIndex(obj: { readonly metadata: StatefulSetObject['metadata'] }): string[] {
  const owner = controllingWorkspace(obj.metadata);
  return owner ? [`${obj.metadata.namespace}/${owner.name}`] : [];
}

export class Caches {
  readonly workspaces: Informer<WorkspaceObject>;
  readonly kinds: Informer<WorkspaceKindObject>;
  readonly statefulSets: Informer<StatefulSetObject>;
  readonly services: Informer<ServiceObject>;
  readonly pods: Informer<PodObject>;
  readonly events: Informer<EventObject>;
  /** v2.0.0-beta.0 only. */
  readonly serviceAccounts?: Informer<ServiceAccountObject>;
  readonly roleBindings?: Informer<RoleBindingObject>;
  readonly podEvents?: Informer<EventObject>;
  readonly namespaces?: Informer<NamespaceObject>;
  /** Icon and logo ConfigMaps (labelled image sources), reduced to value hashes. */
  readonly imageSources?: Informer<ImageSourceObject>;
  /** v2.0.0-beta.0 with Istio only. */
  readonly virtualServices?: Informer<VirtualServiceObject>;

  constructor(client: KubeClient, logger: Logger, options: CacheOptions = {}) {
    const common = { client, logger };
    this.workspaces = new Informer({ ...common, name: 'workspaces', path: PATHS.workspaces, transform: projectWorkspace });
    this.kinds = new Informer({ ...common, name: 'workspacekinds', path: PATHS.workspaceKinds, transform: projectWorkspaceKind });
    this.statefulSets = new Informer({
      ...common,
      name: 'statefulsets',
      path: PATHS.statefulSets,
      labelSelector: OWNED_LABEL_SELECTOR,
      transform: projectStatefulSet,
    });
    this.services = new Informer({
      ...common,
      name: 'services',
      path: PATHS.services,
      labelSelector: OWNED_LABEL_SELECTOR,
      transform: projectService,
    });
    this.pods = new Informer({ ...common, name: 'pods', path: PATHS.pods, labelSelector: OWNED_LABEL_SELECTOR, transform: projectPod });
    this.events = new Informer({
      ...common,
      name: 'events',
      path: PATHS.events,
      fieldSelector: STATEFULSET_EVENTS_FIELD_SELECTOR,
      transform: projectEvent,
    });

    this.workspaces.addIndex(BY_KIND, (ws) => (ws.spec?.kind ? [ws.spec.kind] : []));
    this.statefulSets.addIndex(BY_OWNER, ownerIndex);
    this.statefulSets.addIndex(BY_UID, (s) => (s.metadata.uid ? [s.metadata.uid] : []));
    this.services.addIndex(BY_OWNER, ownerIndex);
    this.events.addIndex(BY_INVOLVED, (e) => (e.involvedObject.uid ? [e.involvedObject.uid] : []));

    if ((options.revision ?? DEFAULT_API_REVISION) === ApiRevision.V2_0_0_BETA_0) {
      const owned = { ...common, labelSelector: OWNED_LABEL_SELECTOR };
      this.serviceAccounts = new Informer({ ...owned, name: 'serviceaccounts', path: PATHS.serviceAccounts, transform: projectServiceAccount });
      this.roleBindings = new Informer({ ...owned, name: 'rolebindings', path: PATHS.roleBindings, transform: projectRoleBinding });
      this.podEvents = new Informer({
        ...common,
        name: 'pod-events',
        path: PATHS.events,
        fieldSelector: POD_EVENTS_FIELD_SELECTOR,
        transform: projectEvent,
      });
      this.namespaces = new Informer<NamespaceObject>({
        ...common,
        name: 'namespaces',
        path: PATHS.namespaces,
        transform: (o: any): NamespaceObject => ({ metadata: { name: o.metadata?.name, labels: o.metadata?.labels, resourceVersion: o.metadata?.resourceVersion } }),
      });
      this.imageSources = new Informer<ImageSourceObject>({
        ...common,
        name: 'image-source-configmaps',
        path: PATHS.configMaps,
        labelSelector: IMAGE_SOURCE_LABEL_SELECTOR,
        transform: projectImageSource,
      });
      this.serviceAccounts.addIndex(BY_OWNER, ownerIndex);
      this.roleBindings.addIndex(BY_OWNER, ownerIndex);
      this.podEvents.addIndex(BY_INVOLVED, (e) => (e.involvedObject.uid ? [e.involvedObject.uid] : []));
      if (options.istio) {
        this.virtualServices = new Informer({ ...owned, name: 'virtualservices', path: PATHS.virtualServices, transform: projectVirtualService });
        this.virtualServices.addIndex(BY_OWNER, ownerIndex);
      }
    }
  }

  private get all(): Informer<any>[] {
    const beta = [this.serviceAccounts, this.roleBindings, this.podEvents, this.namespaces, this.imageSources, this.virtualServices];
    return [this.workspaces, this.kinds, this.statefulSets, this.services, this.pods, this.events, ...beta.filter((i) => i !== undefined)];
  }

  /** Objects of `informer` whose controller owner is the Workspace (name and UID). */
  private owned<T extends { readonly metadata: StatefulSetObject['metadata'] }>(informer: Informer<T> | undefined, ws: WorkspaceObject): T[] {
    if (!informer) return [];
    return informer
      .byIndex(BY_OWNER, `${ws.metadata.namespace}/${ws.metadata.name}`)
      .filter((o) => controllingWorkspace(o.metadata)?.uid === ws.metadata.uid);
  }

  /** Starts every informer; resolves when all have listed once. */
  async start(): Promise<void> {
    await Promise.all(this.all.map((i) => i.start()));
  }

  get synced(): boolean {
    return this.all.every((i) => i.hasSynced);
  }

  async stop(): Promise<void> {
    await Promise.all(this.all.map((i) => i.stop()));
  }

  workspacesOfKind(kindName: string): WorkspaceObject[] {
    return this.workspaces.byIndex(BY_KIND, kindName);
  }

  /**
   * StatefulSets whose controller owner is the Workspace. Unlike upstream (quirk 3) the owner UID must match
   * too, so objects left by a deleted Workspace of the same name (awaiting garbage collection) are not adopted.
   */
  ownedStatefulSets(ws: WorkspaceObject): StatefulSetObject[] {
    return this.statefulSets
      .byIndex(BY_OWNER, `${ws.metadata.namespace}/${ws.metadata.name}`)
      .filter((s) => controllingWorkspace(s.metadata)?.uid === ws.metadata.uid);
  }

  ownedServices(ws: WorkspaceObject): ServiceObject[] {
    return this.services
      .byIndex(BY_OWNER, `${ws.metadata.namespace}/${ws.metadata.name}`)
      .filter((s) => controllingWorkspace(s.metadata)?.uid === ws.metadata.uid);
  }

  statefulSetByUid(uid: string): StatefulSetObject | undefined {
    return this.statefulSets.byIndex(BY_UID, uid)[0];
  }

  /** The Pod `<statefulSet>-0` (the Pod watch only holds Pods carrying the workspace-name label). */
  podOf(statefulSet: StatefulSetObject): PodObject | undefined {
    return this.pods.get(`${statefulSet.metadata.namespace}/${workspacePodName(statefulSet.metadata.name ?? '')}`);
  }

  /** Everything the Workspace reconcile decision reads. */
  workspaceSnapshot(
    ws: WorkspaceObject,
    nowSeconds: number,
    applied: (uid: string | undefined) => AppliedMemo | undefined,
    options: SnapshotOptions = {},
  ): WorkspaceSnapshot {
    const statefulSets = this.ownedStatefulSets(ws);
    const services = this.ownedServices(ws);
    const sts = statefulSets.length === 1 ? statefulSets[0] : undefined;
    const pod = sts ? this.podOf(sts) : undefined;
    const beta = (options.revision ?? DEFAULT_API_REVISION) === ApiRevision.V2_0_0_BETA_0;
    return {
      ...(beta
        ? {
            revision: options.revision,
            serviceAccounts: this.owned(this.serviceAccounts, ws),
            roleBindings: this.owned(this.roleBindings, ws),
            podEvents: pod?.metadata.uid && this.podEvents ? this.podEvents.byIndex(BY_INVOLVED, pod.metadata.uid) : [],
            namespaceLabels: this.namespaces?.get(ws.metadata.namespace ?? '')?.metadata.labels ?? {},
            ...(options.istio && this.virtualServices ? { istio: options.istio, virtualServices: this.owned(this.virtualServices, ws) } : {}),
          }
        : {}),
      ...(options.nowMs !== undefined ? { nowMs: options.nowMs } : {}),
      ws,
      kind: ws.spec?.kind ? this.kinds.get(ws.spec.kind) : undefined,
      statefulSets,
      services,
      pod,
      statefulSetEvents: sts?.metadata.uid ? this.events.byIndex(BY_INVOLVED, sts.metadata.uid) : [],
      statefulSetChangedAt: sts ? lastWrittenByReconciler(sts.metadata) : undefined,
      statefulSetApplied: applied(sts?.metadata.uid),
      serviceApplied: services.length === 1 ? applied(services[0].metadata.uid) : undefined,
      nowSeconds,
    };
  }
}
