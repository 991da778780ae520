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
  ServiceObject,
  STATEFULSET_EVENTS_FIELD_SELECTOR,
  StatefulSetObject,
} from '../core/kube-objects';
import { Logger } from './log';
import { AppliedMemo, WorkspaceSnapshot } from '../core/workspace-plan';

const BY_KIND = 'kind';
const BY_OWNER = 'owner';
const BY_UID = 'uid';
const BY_INVOLVED = 'involved';

function ownerIndex(obj: StatefulSetObject | ServiceObject): string[] {
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

  constructor(client: KubeClient, logger: Logger) {
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
  }

  private get all(): Informer<any>[] {
    return [this.workspaces, this.kinds, this.statefulSets, this.services, this.pods, this.events];
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
  ): WorkspaceSnapshot {
    const statefulSets = this.ownedStatefulSets(ws);
    const services = this.ownedServices(ws);
    const sts = statefulSets.length === 1 ? statefulSets[0] : undefined;
    return {
      ws,
      kind: ws.spec?.kind ? this.kinds.get(ws.spec.kind) : undefined,
      statefulSets,
      services,
      pod: sts ? this.podOf(sts) : undefined,
      statefulSetEvents: sts?.metadata.uid ? this.events.byIndex(BY_INVOLVED, sts.metadata.uid) : [],
      statefulSetChangedAt: sts ? lastWrittenByReconciler(sts.metadata) : undefined,
      statefulSetApplied: applied(sts?.metadata.uid),
      serviceApplied: services.length === 1 ? applied(services[0].metadata.uid) : undefined,
      nowSeconds,
    };
  }
}
