/**
 * Drift detection for the owned StatefulSet and Service (docs/upstream-behavior.md §1.7), without the needless Update
 * on every pass (quirk 1): the live object is compared with the rendered one after normalising what the API
 * server adds or rewrites — defaulted fields, canonical quantities, empty maps and lists — and a JSON merge patch is
 * built only when they differ.
 *
 * Managed fields: the `notebooks.kubeflow.org/workspace-name` label (other labels and annotations are left alone,
 * quirk 2), `spec.replicas` and the whole `spec.template` of the StatefulSet; `spec.type`, `spec.selector`
 * and `spec.ports` of the Service. The patch carries `metadata.resourceVersion`, so a concurrent change is a 409.
 */
import { JsonObject, LABEL_WORKSPACE_NAME } from './api';
import { parseQuantity } from './quantity';
import { RenderedRoleBinding, RenderedService, RenderedServiceAccount, RenderedStatefulSet, RenderedVirtualService } from './render';
import { deepEqual, semanticEqual } from './validation/equality';
import { RoleBindingObject, ServiceAccountObject, ServiceObject, StatefulSetObject, VirtualServiceObject } from './kube-objects';

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Drops `key` from `o` when it holds the value the API server would default it to. */
function dropDefault(o: Obj, key: string, value: unknown): void {
  if (o[key] === value) delete o[key];
}

function canonicalQuantities(map: unknown): unknown {
  if (!isObject(map)) return map;
  const out: Obj = {};
  for (const [k, v] of Object.entries(map)) {
    const q = parseQuantity(v);
    out[k] = q === undefined ? v : q.toString();
  }
  return out;
}

function normaliseResources(r: unknown): unknown {
  if (!isObject(r)) return r;
  return { ...r, requests: canonicalQuantities(r.requests), limits: canonicalQuantities(r.limits) };
}

function normaliseFieldRef(ref: unknown): unknown {
  if (!isObject(ref)) return ref;
  const out = { ...ref };
  dropDefault(out, 'apiVersion', 'v1');
  return out;
}

function normaliseResourceFieldRef(ref: unknown): unknown {
  if (!isObject(ref)) return ref;
  const out = { ...ref };
  if (out.divisor !== undefined && parseQuantity(out.divisor) === 0n) delete out.divisor;
  return out;
}

function normaliseProbe(p: unknown): unknown {
  if (!isObject(p)) return p;
  const out = { ...p };
  dropDefault(out, 'timeoutSeconds', 1);
  dropDefault(out, 'periodSeconds', 10);
  dropDefault(out, 'successThreshold', 1);
  dropDefault(out, 'failureThreshold', 3);
  if (isObject(out.httpGet)) {
    const get = { ...out.httpGet };
    dropDefault(get, 'scheme', 'HTTP');
    dropDefault(get, 'path', '/');
    out.httpGet = get;
  }
  if (isObject(out.grpc)) {
    const grpc = { ...out.grpc };
    dropDefault(grpc, 'service', '');
    out.grpc = grpc;
  }
  return out;
}

function normaliseEnv(e: unknown): unknown {
  if (!isObject(e) || !isObject(e.valueFrom)) return e;
  const from = { ...e.valueFrom };
  if (from.fieldRef) from.fieldRef = normaliseFieldRef(from.fieldRef);
  if (from.resourceFieldRef) from.resourceFieldRef = normaliseResourceFieldRef(from.resourceFieldRef);
  return { ...e, valueFrom: from };
}

function normaliseContainer(c: unknown): unknown {
  if (!isObject(c)) return c;
  const out = { ...c };
  dropDefault(out, 'terminationMessagePath', '/dev/termination-log');
  dropDefault(out, 'terminationMessagePolicy', 'File');
  if (Array.isArray(out.ports)) {
    out.ports = out.ports.map((p) => {
      if (!isObject(p)) return p;
      const port = { ...p };
      dropDefault(port, 'protocol', 'TCP');
      return port;
    });
  }
  if (Array.isArray(out.env)) out.env = out.env.map(normaliseEnv);
  out.resources = normaliseResources(out.resources);
  for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
    if (out[probe] !== undefined) out[probe] = normaliseProbe(out[probe]);
  }
  return out;
}

function normaliseDownwardApiItems(items: unknown): unknown {
  if (!Array.isArray(items)) return items;
  return items.map((i) => (isObject(i) ? { ...i, fieldRef: normaliseFieldRef(i.fieldRef), resourceFieldRef: normaliseResourceFieldRef(i.resourceFieldRef) } : i));
}

function normaliseVolume(v: unknown): unknown {
  if (!isObject(v)) return v;
  const out = { ...v };
  for (const source of ['configMap', 'secret', 'downwardAPI', 'projected']) {
    if (isObject(out[source])) {
      const s = { ...(out[source] as Obj) };
      dropDefault(s, 'defaultMode', 420);
      if (source === 'downwardAPI') s.items = normaliseDownwardApiItems(s.items);
      if (source === 'projected' && Array.isArray(s.sources)) {
        s.sources = s.sources.map((src) => {
          if (!isObject(src)) return src;
          const copy = { ...src };
          if (isObject(copy.downwardAPI)) copy.downwardAPI = { ...copy.downwardAPI, items: normaliseDownwardApiItems(copy.downwardAPI.items) };
          if (isObject(copy.serviceAccountToken)) {
            const token = { ...copy.serviceAccountToken };
            dropDefault(token, 'expirationSeconds', 3600);
            copy.serviceAccountToken = token;
          }
          return copy;
        });
      }
      out[source] = s;
    }
  }
  if (isObject(out.hostPath)) {
    const h = { ...out.hostPath };
    dropDefault(h, 'type', '');
    out.hostPath = h;
  }
  if (isObject(out.emptyDir) && out.emptyDir.sizeLimit !== undefined) {
    const q = parseQuantity(out.emptyDir.sizeLimit);
    out.emptyDir = { ...out.emptyDir, sizeLimit: q === undefined ? out.emptyDir.sizeLimit : q.toString() };
  }
  return out;
}

/** A Pod template with server defaults removed and quantities canonical, for comparison only. */
export function normalisePodTemplate(template: unknown): unknown {
  const t = isObject(template) ? template : {};
  const metadata = isObject(t.metadata) ? t.metadata : {};
  const spec: Obj = isObject(t.spec) ? { ...t.spec } : {};
  dropDefault(spec, 'restartPolicy', 'Always');
  dropDefault(spec, 'dnsPolicy', 'ClusterFirst');
  dropDefault(spec, 'schedulerName', 'default-scheduler');
  dropDefault(spec, 'terminationGracePeriodSeconds', 30);
  dropDefault(spec, 'enableServiceLinks', true);
  dropDefault(spec, 'serviceAccount', spec.serviceAccountName);
  for (const list of ['containers', 'initContainers']) {
    if (Array.isArray(spec[list])) spec[list] = (spec[list] as unknown[]).map(normaliseContainer);
  }
  if (Array.isArray(spec.volumes)) spec.volumes = spec.volumes.map(normaliseVolume);
  return { metadata: { labels: metadata.labels, annotations: metadata.annotations }, spec };
}

/**
 * A JSON merge patch (RFC 7386) that turns `live` into `desired`: changed keys are set, keys missing from
 * `desired` are nulled, lists are replaced whole.
 */
export function mergePatchBetween(live: unknown, desired: unknown): unknown {
  if (!isObject(live) || !isObject(desired)) return desired;
  const patch: Obj = {};
  for (const [k, v] of Object.entries(desired)) {
    if (v === undefined) continue;
    if (!(k in live) || live[k] === undefined || live[k] === null) {
      patch[k] = v;
    } else if (!deepEqual(live[k], v)) {
      patch[k] = mergePatchBetween(live[k], v);
    }
  }
  for (const k of Object.keys(live)) {
    if (desired[k] === undefined && live[k] !== undefined && live[k] !== null) patch[k] = null;
  }
  return patch;
}

function labelPatch(live: Record<string, string> | undefined, workspaceName: string): Obj | undefined {
  return live?.[LABEL_WORKSPACE_NAME] === workspaceName ? undefined : { [LABEL_WORKSPACE_NAME]: workspaceName };
}

/** The patch that corrects a drifted StatefulSet, or undefined when it matches the rendered one. */
export function statefulSetPatch(live: StatefulSetObject, desired: RenderedStatefulSet): JsonObject | undefined {
  const workspaceName = desired.metadata.labels[LABEL_WORKSPACE_NAME];
  const labels = labelPatch(live.metadata.labels, workspaceName);
  const replicasChanged = (live.spec.replicas ?? 1) !== desired.spec.replicas;
  const templateChanged = !semanticEqual(normalisePodTemplate(live.spec.template), normalisePodTemplate(desired.spec.template));
  if (!labels && !replicasChanged && !templateChanged) return undefined;
  const spec: Obj = {};
  if (replicasChanged) spec.replicas = desired.spec.replicas;
  if (templateChanged) spec.template = mergePatchBetween(live.spec.template, desired.spec.template);
  return {
    metadata: { resourceVersion: live.metadata.resourceVersion, ...(labels ? { labels } : {}) },
    ...(Object.keys(spec).length > 0 ? { spec } : {}),
  };
}

function projectServicePorts(ports: readonly unknown[] | undefined): unknown[] {
  return (ports ?? []).map((p) => {
    const port = isObject(p) ? p : {};
    return { name: port.name ?? '', port: port.port, targetPort: port.targetPort ?? port.port, protocol: port.protocol ?? 'TCP' };
  });
}

/** The patch that corrects a drifted Service, or undefined when it matches the rendered one. */
export function servicePatch(live: ServiceObject, desired: RenderedService): JsonObject | undefined {
  const workspaceName = desired.metadata.labels[LABEL_WORKSPACE_NAME];
  const labels = labelPatch(live.metadata.labels, workspaceName);
  const spec: Obj = {};
  if ((live.spec.type ?? 'ClusterIP') !== desired.spec.type) spec.type = desired.spec.type;
  if (!semanticEqual(live.spec.selector, desired.spec.selector)) {
    spec.selector = mergePatchBetween(live.spec.selector ?? {}, desired.spec.selector);
  }
  if (!deepEqual(projectServicePorts(live.spec.ports), projectServicePorts(desired.spec.ports))) {
    spec.ports = desired.spec.ports;
  }
  if (!labels && Object.keys(spec).length === 0) return undefined;
  return {
    metadata: { resourceVersion: live.metadata.resourceVersion, ...(labels ? { labels } : {}) },
    ...(Object.keys(spec).length > 0 ? { spec } : {}),
  };
}

/**
 * v2.0.0-beta.0: the Workspace's ServiceAccount. Desired labels are merged into the live ones
 * (docs/upstream-v2-beta.md §4.4): keys others added — and annotations, `imagePullSecrets` — are kept.
 */
export function serviceAccountPatch(live: ServiceAccountObject, desired: RenderedServiceAccount): JsonObject | undefined {
  const labels: Obj = {};
  for (const [k, v] of Object.entries(desired.metadata.labels)) {
    if (live.metadata.labels?.[k] !== v) labels[k] = v;
  }
  if (Object.keys(labels).length === 0) return undefined;
  return { metadata: { resourceVersion: live.metadata.resourceVersion, labels } };
}

/** Whether a live RoleBinding binds the same role as the rendered one (`roleRef` is immutable: else delete and create). */
export function sameRoleRef(live: RoleBindingObject, desired: RenderedRoleBinding): boolean {
  const ref = live.roleRef;
  return ref?.apiGroup === desired.roleRef.apiGroup && ref?.kind === desired.roleRef.kind && ref?.name === desired.roleRef.name;
}

/** The patch that corrects a RoleBinding's workspace-name label and subjects, or undefined when they match. */
export function roleBindingPatch(live: RoleBindingObject, desired: RenderedRoleBinding): JsonObject | undefined {
  const labels = labelPatch(live.metadata.labels, desired.metadata.labels[LABEL_WORKSPACE_NAME]);
  const subjects = (live.subjects ?? []).map((s) => ({ kind: s.kind, name: s.name, namespace: s.namespace ?? '', apiGroup: s.apiGroup ?? '' }));
  const wanted = desired.subjects.map((s) => ({ ...s, apiGroup: '' }));
  const subjectsChanged = !deepEqual(subjects, wanted);
  if (!labels && !subjectsChanged) return undefined;
  return {
    metadata: { resourceVersion: live.metadata.resourceVersion, ...(labels ? { labels } : {}) },
    ...(subjectsChanged ? { subjects: desired.subjects } : {}),
  };
}

/** The patch that corrects a drifted VirtualService: its label, and the whole `spec` when it differs. */
export function virtualServicePatch(live: VirtualServiceObject, desired: RenderedVirtualService): JsonObject | undefined {
  const labels = labelPatch(live.metadata.labels, desired.metadata.labels[LABEL_WORKSPACE_NAME]);
  const specChanged = !deepEqual(live.spec ?? {}, desired.spec);
  if (!labels && !specChanged) return undefined;
  return {
    metadata: { resourceVersion: live.metadata.resourceVersion, ...(labels ? { labels } : {}) },
    ...(specChanged ? { spec: mergePatchBetween(live.spec ?? {}, desired.spec) as JsonObject } : {}),
  };
}
