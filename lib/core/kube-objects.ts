/**
 * The Kubernetes objects the reconciler caches, as projections of the API objects: only the fields it reads are
 * kept (never `managedFields` bodies), which keeps the informer caches small with thousands of Workspaces.
 * Projections keep the API's JSON shape, so the pure core (state.ts, render.ts) reads them like full objects.
 */
import {
  API_VERSION,
  JsonObject,
  LABEL_WORKSPACE_NAME,
  ObjectMeta,
  OwnerReference,
  WORKSPACE_KIND,
  WorkspaceKindObject,
  WorkspaceObject,
} from './api';
import { EventLike, PodLike } from './state';

/** Field manager name of every write the reconciler makes (visible in `managedFields`). */
export const FIELD_MANAGER = 'kfws-reconciler';

export const PATHS = {
  workspaces: `/apis/${API_VERSION}/workspaces`,
  workspaceKinds: `/apis/${API_VERSION}/workspacekinds`,
  statefulSets: '/apis/apps/v1/statefulsets',
  services: '/api/v1/services',
  pods: '/api/v1/pods',
  events: '/api/v1/events',
  workspace: (ns: string, name: string) => `/apis/${API_VERSION}/namespaces/${ns}/workspaces/${name}`,
  workspaceStatus: (ns: string, name: string) => `/apis/${API_VERSION}/namespaces/${ns}/workspaces/${name}/status`,
  workspaceKind: (name: string) => `/apis/${API_VERSION}/workspacekinds/${name}`,
  workspaceKindStatus: (name: string) => `/apis/${API_VERSION}/workspacekinds/${name}/status`,
  namespacedStatefulSets: (ns: string) => `/apis/apps/v1/namespaces/${ns}/statefulsets`,
  statefulSet: (ns: string, name: string) => `/apis/apps/v1/namespaces/${ns}/statefulsets/${name}`,
  namespacedServices: (ns: string) => `/api/v1/namespaces/${ns}/services`,
  service: (ns: string, name: string) => `/api/v1/namespaces/${ns}/services/${name}`,
  serviceProxy: (ns: string, name: string, port: string, path: string) =>
    `/api/v1/namespaces/${ns}/services/${name}:${port}/proxy${path}`,
  namespacedEvents: (ns: string) => `/api/v1/namespaces/${ns}/events`,
  event: (ns: string, name: string) => `/api/v1/namespaces/${ns}/events/${name}`,
  lease: (ns: string, name: string) => `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/${name}`,
  namespacedLeases: (ns: string) => `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`,
  // v2.0.0-beta.0
  serviceAccounts: '/api/v1/serviceaccounts',
  roleBindings: '/apis/rbac.authorization.k8s.io/v1/rolebindings',
  virtualServices: '/apis/networking.istio.io/v1/virtualservices',
  namespaces: '/api/v1/namespaces',
  configMaps: '/api/v1/configmaps',
  namespace: (name: string) => `/api/v1/namespaces/${name}`,
  namespacedServiceAccounts: (ns: string) => `/api/v1/namespaces/${ns}/serviceaccounts`,
  serviceAccount: (ns: string, name: string) => `/api/v1/namespaces/${ns}/serviceaccounts/${name}`,
  namespacedRoleBindings: (ns: string) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`,
  roleBinding: (ns: string, name: string) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings/${name}`,
  namespacedVirtualServices: (ns: string) => `/apis/networking.istio.io/v1/namespaces/${ns}/virtualservices`,
  virtualService: (ns: string, name: string) => `/apis/networking.istio.io/v1/namespaces/${ns}/virtualservices/${name}`,
  podExec: (ns: string, name: string) => `/api/v1/namespaces/${ns}/pods/${name}/exec`,
} as const;

/** Who changed the object when: `managedFields` without the field sets. */
export interface ManagedFieldsEntry {
  readonly manager?: string;
  readonly operation?: string;
  readonly time?: string;
}

export interface CachedMeta extends ObjectMeta {
  readonly managedFields?: ManagedFieldsEntry[];
}

export interface StatefulSetObject {
  readonly metadata: CachedMeta;
  readonly spec: { readonly replicas?: number; readonly selector?: JsonObject; readonly template: JsonObject };
}

export interface ServiceObject {
  readonly metadata: CachedMeta;
  readonly spec: { readonly type?: string; readonly selector?: Record<string, string>; readonly ports?: JsonObject[] };
}

/** A ServiceAccount the Workspace owns (v2.0.0-beta.0). */
export interface ServiceAccountObject {
  readonly metadata: CachedMeta;
}

/** A RoleBinding the Workspace owns (v2.0.0-beta.0). */
export interface RoleBindingObject {
  readonly metadata: CachedMeta;
  readonly roleRef?: { readonly apiGroup?: string; readonly kind?: string; readonly name?: string };
  readonly subjects?: readonly { readonly kind?: string; readonly name?: string; readonly namespace?: string; readonly apiGroup?: string }[];
}

/** An Istio VirtualService the Workspace owns (v2.0.0-beta.0 with Istio on). */
export interface VirtualServiceObject {
  readonly metadata: CachedMeta;
  readonly spec?: JsonObject;
}

export interface PodObject extends PodLike {
  readonly metadata: CachedMeta & PodLike['metadata'];
}

export interface EventObject extends EventLike {
  readonly metadata: CachedMeta;
  readonly involvedObject: { readonly uid?: string; readonly kind?: string; readonly name?: string; readonly namespace?: string };
  readonly reason?: string;
}

export interface LeaseObject {
  readonly metadata: ObjectMeta;
  readonly spec?: {
    readonly holderIdentity?: string | null;
    readonly leaseDurationSeconds?: number;
    readonly acquireTime?: string | null;
    readonly renewTime?: string | null;
    readonly leaseTransitions?: number;
  };
}

type Raw = any; // eslint-disable-line @typescript-eslint/no-explicit-any

function meta(m: Raw): CachedMeta {
  const out: Record<string, unknown> = {
    name: m.name,
    namespace: m.namespace,
    uid: m.uid,
    resourceVersion: m.resourceVersion,
  };
  if (m.generation !== undefined) out.generation = m.generation;
  if (m.creationTimestamp) out.creationTimestamp = m.creationTimestamp;
  if (m.deletionTimestamp) out.deletionTimestamp = m.deletionTimestamp;
  if (m.labels) out.labels = m.labels;
  if (m.annotations) out.annotations = m.annotations;
  if (m.finalizers) out.finalizers = m.finalizers;
  if (m.ownerReferences) out.ownerReferences = m.ownerReferences;
  if (m.managedFields) {
    out.managedFields = (m.managedFields as Raw[]).map((e) => ({ manager: e.manager, operation: e.operation, time: e.time }));
  }
  return out as CachedMeta;
}

/** Workspaces and WorkspaceKinds are kept whole, minus the managedFields bodies. */
export function projectWorkspace(o: Raw): WorkspaceObject {
  return { ...o, metadata: meta(o.metadata) };
}

export function projectWorkspaceKind(o: Raw): WorkspaceKindObject {
  return { ...o, metadata: meta(o.metadata) };
}

export function projectStatefulSet(o: Raw): StatefulSetObject {
  return {
    metadata: meta(o.metadata),
    spec: { replicas: o.spec?.replicas, selector: o.spec?.selector, template: o.spec?.template ?? {} },
  };
}

export function projectService(o: Raw): ServiceObject {
  return {
    metadata: meta(o.metadata),
    spec: { type: o.spec?.type, selector: o.spec?.selector, ports: o.spec?.ports },
  };
}

export function projectServiceAccount(o: Raw): ServiceAccountObject {
  return { metadata: meta(o.metadata) };
}

export function projectRoleBinding(o: Raw): RoleBindingObject {
  return { metadata: meta(o.metadata), roleRef: o.roleRef, subjects: o.subjects };
}

export function projectVirtualService(o: Raw): VirtualServiceObject {
  return { metadata: meta(o.metadata), spec: o.spec };
}

export function projectPod(o: Raw): PodObject {
  const names = (list: Raw[] | undefined): { name: string }[] | undefined => list?.map((c) => ({ name: c.name }));
  const status = o.status ?? {};
  return {
    metadata: meta(o.metadata),
    spec: { nodeName: o.spec?.nodeName, containers: names(o.spec?.containers) ?? [], initContainers: names(o.spec?.initContainers) },
    status: {
      phase: status.phase,
      podIP: status.podIP,
      conditions: (status.conditions as Raw[] | undefined)?.map((c) => ({
        type: c.type,
        status: c.status,
        reason: c.reason,
        message: c.message,
        lastTransitionTime: c.lastTransitionTime,
      })),
      containerStatuses: (status.containerStatuses as Raw[] | undefined)?.map((c) => ({
        name: c.name,
        state: c.state?.waiting ? { waiting: { reason: c.state.waiting.reason } } : {},
      })),
    },
  };
}

export function projectEvent(o: Raw): EventObject {
  return {
    metadata: { name: o.metadata?.name, namespace: o.metadata?.namespace, uid: o.metadata?.uid, resourceVersion: o.metadata?.resourceVersion },
    involvedObject: {
      uid: o.involvedObject?.uid,
      kind: o.involvedObject?.kind,
      name: o.involvedObject?.name,
      namespace: o.involvedObject?.namespace,
    },
    type: o.type,
    reason: o.reason,
    message: o.message,
    lastTimestamp: o.lastTimestamp,
    eventTime: o.eventTime,
    firstTimestamp: o.firstTimestamp,
    series: o.series ? { lastObservedTime: o.series.lastObservedTime } : undefined,
  };
}

/** The Workspace that is the controller owner of an object, if any (docs/upstream-behavior.md §1.8). */
export function controllingWorkspace(metadata: ObjectMeta): OwnerReference | undefined {
  return metadata.ownerReferences?.find(
    (r) => r.controller === true && r.kind === WORKSPACE_KIND && r.apiVersion === API_VERSION,
  );
}

/** `namespace/name` key of a namespaced object, `name` of a cluster-scoped one. */
export function objectKey(metadata: { readonly namespace?: string; readonly name?: string }): string {
  return metadata.namespace ? `${metadata.namespace}/${metadata.name}` : (metadata.name ?? '');
}

/** Splits a `namespace/name` key. */
export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** Label selector of the objects the reconciler creates and the Pods it labels. */
export const OWNED_LABEL_SELECTOR = LABEL_WORKSPACE_NAME;

/** Field selector of the Events about StatefulSets (the only Events the state decision reads). */
export const STATEFULSET_EVENTS_FIELD_SELECTOR = 'involvedObject.kind=StatefulSet';
/**
 * v2.0.0-beta.0: Events about Pods (a Warning puts a starting Workspace into Error,
 * docs/upstream-v2-beta.md §4.8.1 B5).
 */
export const POD_EVENTS_FIELD_SELECTOR = 'involvedObject.kind=Pod';

/**
 * When the reconciler last changed the object, from the managedFields timestamp of its field manager (ms since
 * the epoch; undefined if it never wrote the object through this manager).
 */
export function lastWrittenByReconciler(metadata: CachedMeta): number | undefined {
  let latest: number | undefined;
  for (const entry of metadata.managedFields ?? []) {
    if (entry.manager === FIELD_MANAGER && entry.time) {
      const t = Date.parse(entry.time);
      if (!Number.isNaN(t) && (latest === undefined || t > latest)) latest = t;
    }
  }
  return latest;
}
