/**
 * An oracle of the Kubeflow v1 notebook controller (kubeflow/kubeflow v1.10.0, notebook_controller.go, as listed in
 * docs/migrate.md, "What the Pod runs"), written for the tests independently of lib/cli/migrate: the Pod it ran for a
 * Notebook, compared with the Pod of the migrated Workspace.
 */

import { WorkspaceKindObject, WorkspaceObject } from '../../lib/core/api';
import { parseQuantity } from '../../lib/core/quantity';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

export function defaultPullPolicy(image: string): string {
  if (image.includes('@')) return 'IfNotPresent';
  const last = image.split('/').pop() as string;
  return !last.includes(':') || last.endsWith(':latest') ? 'Always' : 'IfNotPresent';
}

export function v1Pod(nb: Json): { labels: Json; annotations: Json; spec: Json } {
  const spec = structuredClone(nb.spec.template.spec);
  const c = spec.containers[0];
  if (!c.workingDir) c.workingDir = '/home/jovyan';
  if (!c.ports) c.ports = [{ containerPort: 8888, name: 'notebook-port', protocol: 'TCP' }];
  const prefix = `/notebook/${nb.metadata.namespace}/${nb.metadata.name}`;
  c.env = [...(c.env ?? []).filter((e: Json) => e.name !== 'NB_PREFIX'), { name: 'NB_PREFIX', value: prefix }];
  if (!spec.securityContext) spec.securityContext = { fsGroup: 100 };
  c.image = c.image.trim();
  c.imagePullPolicy = c.imagePullPolicy ?? defaultPullPolicy(c.image);
  const labels = { statefulset: nb.metadata.name, 'notebook-name': nb.metadata.name, ...nb.metadata.labels };
  // kubeflow-resource-stopped is copied too, but only while stopped, when no Pod runs: a started Pod never has it.
  const annotations = Object.fromEntries(Object.entries(nb.metadata.annotations ?? {})
    .filter(([k]) => !k.includes('kubectl') && !k.includes('notebook') && k !== 'kubeflow-resource-stopped'));
  return { labels, annotations, spec };
}

const empty = (v: unknown): boolean => v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && Object.keys(v as object).length === 0);
const quantities = (r: Json | undefined): Json =>
  Object.fromEntries(Object.entries(r ?? {}).map(([k, m]) => [k, Object.fromEntries(Object.entries(m as Json).map(([q, v]) => [q, String(v)]))]));

function quantityValues(r: Json | undefined): Json {
  return Object.fromEntries(Object.entries(r ?? {}).map(([k, m]) => [k, Object.fromEntries(Object.entries(m as Json).map(([q, v]) => [q, String(parseQuantity(v))]))]));
}

function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${sortedJson((v as Json)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

/** mountPath → what is mounted there (claim, or the volume source). */
function mounts(spec: Json, container: Json): Record<string, string> {
  const volumes = new Map<string, Json>((spec.volumes ?? []).map((v: Json) => [v.name, v]));
  const out: Record<string, string> = {};
  for (const m of container.volumeMounts ?? []) {
    const { name, ...source } = volumes.get(m.name) ?? {};
    const pvc = source.persistentVolumeClaim;
    const what = pvc ? `pvc ${pvc.claimName}` : sortedJson(source);
    out[m.mountPath] = `${what}${m.readOnly || pvc?.readOnly ? ' ro' : ''}${m.subPath ? ` subPath ${m.subPath}` : ''}`;
    void name;
  }
  return out;
}

/**
 * Compares the Pod the v1 controller ran for `nb` with the StatefulSet and Service of the migrated Workspace `ws`
 * (rendered, or read back from a cluster); returns what differs, each to be found in the report.
 */
export function comparePods(nb: Json, ws: WorkspaceObject, kind: WorkspaceKindObject, sts: Json, svc: Json): string[] {
  const v1 = v1Pod(nb);
  const pod = sts.spec.template;
  const c1 = v1.spec.containers[0];
  const c2 = pod.spec.containers[0] as Json;
  const diffs: string[] = [];
  expect(pod.spec.containers).toHaveLength(1);
  expect(c2.image).toBe(c1.image);
  expect(c2.imagePullPolicy).toBe(c1.imagePullPolicy);
  // Quantities by value: the API server writes them canonically (0.5 → 500m) in v1 and v2 alike.
  expect(quantityValues(c2.resources)).toEqual(quantityValues(quantities(c1.resources)));
  expect((c2.ports as Json[]).map((p) => p.containerPort)).toEqual(c1.ports.map((p: Json) => p.containerPort));
  expect(svc.spec.ports.map((p: Json) => p.targetPort)).toEqual(c1.ports.map((p: Json) => p.containerPort));
  expect(sts.spec.replicas).toBe(nb.metadata.annotations?.['kubeflow-resource-stopped'] !== undefined ? 0 : 1);
  expect(pod.spec.serviceAccountName).toBe(v1.spec.serviceAccountName ?? 'default');
  // env: the same, NB_PREFIX now the Workspace's own prefix
  const env = (list: Json[]): Json[] => list.filter((e) => e.name !== 'NB_PREFIX');
  expect(env((c2.env ?? []) as Json[])).toEqual(env(c1.env));
  const portId = kind.spec!.podTemplate.options.imageConfig.values.find((v) => v.id === ws.spec!.podTemplate.options.imageConfig)!.spec.ports[0].id;
  expect((c2.env as Json[]).find((e) => e.name === 'NB_PREFIX')!.value).toBe(`/workspace/${ws.metadata.namespace}/${ws.metadata.name}/${portId}/`);
  // scheduling and security
  for (const field of ['nodeSelector', 'tolerations', 'affinity']) {
    expect(empty(pod.spec[field]) ? undefined : pod.spec[field]).toEqual(empty(v1.spec[field]) ? undefined : v1.spec[field]);
  }
  expect(empty(pod.spec.securityContext) ? undefined : pod.spec.securityContext).toEqual(empty(v1.spec.securityContext) ? undefined : v1.spec.securityContext);
  expect(c2.securityContext).toEqual(empty(c1.securityContext) ? undefined : c1.securityContext);
  // labels and annotations the v1 Pod had are on the new Pod (AppArmor's per-container key follows the container)
  expect(pod.metadata.labels).toEqual(expect.objectContaining(v1.labels));
  const apparmor = (k: string): string => k.replace(`container.apparmor.security.beta.kubernetes.io/${c1.name}`, 'container.apparmor.security.beta.kubernetes.io/main');
  expect(pod.metadata.annotations ?? {}).toEqual(Object.fromEntries(Object.entries(v1.annotations).map(([k, v]) => [apparmor(k), v])));
  // volumes: every mount of the v1 container, by mount path
  const before = mounts(v1.spec, c1);
  const after = mounts(pod.spec, c2);
  for (const [mountPath, what] of Object.entries(before)) {
    if (after[mountPath] !== what) diffs.push(`mount ${mountPath}`);
  }
  expect(Object.keys(after).filter((p) => !(p in before))).toEqual([]);
  // probes: carried with named ports resolved
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    if (!c1[probe]) continue;
    const port = c1[probe].httpGet?.port;
    const number = typeof port === 'string' ? c1.ports.find((p: Json) => p.name === port)?.containerPort : port;
    expect(c2[probe]).toEqual({ ...c1[probe], httpGet: { ...c1[probe].httpGet, port: number } });
  }
  // everything else the v1 Pod spec and container had
  const comparedPod = ['containers', 'volumes', 'serviceAccountName', 'securityContext', 'nodeSelector', 'tolerations', 'affinity'];
  for (const [field, v] of Object.entries(v1.spec)) {
    // Fields that are not part of a PodSpec were pruned by the v1 API server: no Pod ever had them.
    if (!comparedPod.includes(field) && !empty(v) && !NOT_POD_FIELDS.includes(field)) diffs.push(`spec.template.spec.${field}`);
  }
  const comparedContainer = ['name', 'image', 'imagePullPolicy', 'resources', 'ports', 'env', 'securityContext', 'volumeMounts', 'workingDir', 'livenessProbe', 'readinessProbe', 'startupProbe'];
  for (const [field, v] of Object.entries(c1)) if (!comparedContainer.includes(field) && !empty(v)) diffs.push(`containers[0].${field}`);
  for (const other of v1.spec.containers.slice(1)) diffs.push(`container "${other.name}"`);
  return diffs;
}


/** Fields of the corpus' pod templates that a PodSpec does not have (a Job's field in 13). */
export const NOT_POD_FIELDS = ['ttlSecondsAfterFinished'];

