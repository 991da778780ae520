/**
 * The migration itself, pure: Kubeflow v1 Notebooks (with the PVCs and PodDefaults beside them) in, WorkspaceKinds,
 * Workspaces and a per-Notebook account of every fact out. No I/O; `kfws migrate` (./command.ts) reads and writes.
 *
 * Every Notebook becomes one Workspace of the same name and namespace. What the v1 controller made of the Notebook
 * (./v1.ts) is what the Workspace's Pod must run, so the controller's defaults (port 8888, NB_PREFIX, fsGroup 100,
 * the `notebook-name` Pod label, Kubernetes' pull policy default) are written out. Settings that a WorkspaceKind
 * holds for all its Workspaces (service account, home path, ports, env, extra volumes, security contexts, probes)
 * decide which kind a Notebook lands in: Notebooks that agree on all of them share a kind, named after a hash of
 * them, so the same Notebooks always give the same kinds. Images and sizes become options of that kind, named after
 * a hash of their spec; options are sorted by id and the first is the default.
 */

import {
  API_VERSION,
  ImageConfigValue,
  JsonObject,
  PodConfigValue,
  WORKSPACE_KIND,
  WORKSPACEKIND_KIND,
  WorkspaceKindObject,
  WorkspaceKindPort,
  WorkspaceObject,
} from '../../core/api';
import { isPlainObject } from '../../core/json';
import { DATA_VOLUME_NAME_PREFIX, HOME_VOLUME_NAME, MAIN_CONTAINER_NAME } from '../../core/render';
import { goQuote } from '../../core/validation/quote';
import { compare } from '../types';
import { brief, canonicalJson, contentHash, isEmpty, plain, slug } from './json';
import {
  ACTIVITY_ANNOTATIONS,
  CONTAINER_FIELDS,
  HEADERS_SET_ANNOTATION,
  kubernetesDefaultPullPolicy,
  LAST_APPLIED_ANNOTATION,
  NB_PREFIX,
  NOTEBOOK_NAME_LABEL,
  POD_SPEC_FIELDS,
  REWRITE_URI_ANNOTATION,
  SERVER_TYPE_ANNOTATION,
  SERVER_TYPES,
  STOPPED_ANNOTATION,
  v1CopiesAnnotationToPod,
  V1_DEFAULT_FS_GROUP,
  V1_DEFAULT_PORT,
  V1_DEFAULT_PORT_NAME,
  V1_DEFAULT_WORKING_DIR,
  v1PathPrefix,
  V1_SERVICE_PORT,
} from './v1';

type Json = Record<string, unknown>;

/** Where an input object was read. */
export interface SourceRef {
  readonly file: string;
  /** 1-based document of the file. */
  readonly document: number;
  /** For an item of a `List` document: its path there (`items[3]`). */
  readonly item?: string;
}

export interface InputObject {
  readonly value: Json;
  readonly source: SourceRef;
}

export interface MigrationInput {
  readonly notebooks: readonly InputObject[];
  readonly claims: readonly InputObject[];
  readonly podDefaults: readonly InputObject[];
}

export interface NamespacedName {
  readonly namespace?: string;
  readonly name: string;
}

/** What became of one Notebook. */
export interface NotebookReport {
  readonly notebook: NamespacedName;
  readonly apiVersion: string;
  readonly source: SourceRef;
  /** The WorkspaceKind and options the Workspace (same name and namespace) uses. */
  readonly kind: string;
  readonly imageConfig: string;
  readonly podConfig: string;
  /** Facts carried into the Workspace or its kind, one line each. */
  readonly carried: readonly string[];
  /** Where the Pod or its surroundings differ by design of the v2 API, with nothing of the Notebook lost. */
  readonly changed: readonly string[];
  /** Facts neither a Workspace nor a WorkspaceKind can express: not in the output. */
  readonly notCarried: readonly string[];
}

/** An input object that cannot be migrated at all (exit status 2). */
export interface InputError {
  readonly source: SourceRef;
  readonly message: string;
}

export interface MigrationPlan {
  /** Sorted by name. */
  readonly kinds: readonly WorkspaceKindObject[];
  /** Sorted by namespace, then name. */
  readonly workspaces: readonly WorkspaceObject[];
  /** In the order of the Workspaces. */
  readonly notebooks: readonly NotebookReport[];
  readonly errors: readonly InputError[];
}

/** Icons of migrated kinds: the upstream sample kind's, to be replaced by the platform team's own. */
export const MIGRATED_KIND_ICON_URL = 'https://jupyter.org/assets/favicons/apple-touch-icon-152x152.png';
export const MIGRATED_KIND_LOGO_URL = 'https://upload.wikimedia.org/wikipedia/commons/3/38/Jupyter_logo.svg';
/** Label on every migrated kind: where it came from. */
export const MIGRATED_LABEL = 'notebooks.kubeflow.org/migrated-from';
export const MIGRATED_LABEL_VALUE = 'notebook-v1';

/** Volume sources a WorkspaceKind's extra volumes take (the library's Volume type), and mount fields. */
const EXTRA_VOLUME_TYPES: readonly string[] = ['emptyDir', 'configMap', 'secret', 'persistentVolumeClaim', 'downwardAPI', 'csi'];
const EXTRA_MOUNT_FIELDS: readonly string[] = ['name', 'mountPath', 'subPath', 'readOnly'];

/** AppArmor profile of one container, by container name (before Kubernetes 1.30's securityContext field). */
const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

const PORT_ID_PATTERN = /^[a-z0-9][a-z0-9_-]*[a-z0-9]$/;
const PORT_ID_MAX = 32;

/** The kind-wide part of a Notebook: Notebooks whose parts are equal share a kind. */
interface KindPart {
  readonly serverType: string;
  readonly serviceAccountName: string;
  readonly home: string;
  readonly ports: WorkspaceKindPort[];
  readonly extraEnv: JsonObject[];
  readonly extraVolumes: JsonObject[];
  readonly extraVolumeMounts: JsonObject[];
  readonly securityContext?: JsonObject;
  readonly containerSecurityContext?: JsonObject;
  readonly probes?: JsonObject;
}

interface Migrated {
  readonly kindPart: KindPart;
  readonly image: ImageConfigValue;
  readonly pod: PodConfigValue;
  readonly workspace: WorkspaceObject;
  readonly report: Omit<NotebookReport, 'kind'>;
}

/** Migrates `input`; never throws on bad input (it becomes `errors`). */
export function planMigration(input: MigrationInput): MigrationPlan {
  const errors: InputError[] = [];
  const migrated: Migrated[] = [];
  const seen = new Map<string, SourceRef>();
  const claimsKnown = new Set(input.claims.map((c) => claimKey(c.value)));
  for (const nb of input.notebooks) {
    const result = migrateNotebook(nb, input, claimsKnown);
    if (typeof result === 'string') {
      errors.push({ source: nb.source, message: result });
      continue;
    }
    const key = `${result.workspace.metadata.namespace ?? ''}/${result.workspace.metadata.name}`;
    const first = seen.get(key);
    if (first) {
      errors.push({ source: nb.source, message: `${describe(result.report.notebook)} is also defined in ${where(first)}; expected each Notebook once` });
      continue;
    }
    seen.set(key, nb.source);
    migrated.push(result);
  }

  // Group by kind-wide settings: one WorkspaceKind per distinct set.
  const groups = new Map<string, { part: KindPart; members: Migrated[] }>();
  for (const m of migrated) {
    const key = canonicalJson(m.kindPart);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { part: m.kindPart, members: [] }));
    group.members.push(m);
  }
  const kinds: WorkspaceKindObject[] = [];
  const kindOf = new Map<Migrated, string>();
  for (const [key, { part, members }] of groups) {
    const name = kindName(part, key);
    for (const m of members) kindOf.set(m, name);
    kinds.push(buildKind(name, part, members));
  }
  kinds.sort((a, b) => compare(a.metadata.name ?? '', b.metadata.name ?? ''));

  const ordered = [...migrated].sort((a, b) =>
    compare(a.workspace.metadata.namespace ?? '', b.workspace.metadata.namespace ?? '') ||
    compare(a.workspace.metadata.name ?? '', b.workspace.metadata.name ?? ''));
  const workspaces = ordered.map((m) => {
    const kind = kindOf.get(m) as string;
    const spec = m.workspace.spec!;
    return plain({ ...m.workspace, spec: { ...spec, kind } });
  });
  const notebooks = ordered.map((m) => ({ ...m.report, kind: kindOf.get(m) as string }));
  return { kinds, workspaces, notebooks, errors };
}

function kindName(part: KindPart, key: string): string {
  const type = SERVER_TYPES[part.serverType]?.slug ?? (slug(part.serverType, 40) || 'notebook');
  return `${type}-${contentHash(key)}`;
}

function buildKind(name: string, part: KindPart, members: readonly Migrated[]): WorkspaceKindObject {
  const images = uniqueById(members.map((m) => m.image));
  const pods = uniqueById(members.map((m) => m.pod));
  const type = SERVER_TYPES[part.serverType];
  const typeText = part.serverType === '' ? 'no server type' : `server type ${part.serverType}`;
  return plain({
    apiVersion: API_VERSION,
    kind: WORKSPACEKIND_KIND,
    metadata: { name, labels: { [MIGRATED_LABEL]: MIGRATED_LABEL_VALUE } },
    spec: {
      spawner: {
        displayName: `${type?.display ?? 'Notebook'} (migrated)`,
        description: `Migrated from Kubeflow v1 Notebooks (${typeText}, service account ${part.serviceAccountName}, home ${part.home})`,
        icon: { url: MIGRATED_KIND_ICON_URL },
        logo: { url: MIGRATED_KIND_LOGO_URL },
      },
      podTemplate: {
        serviceAccount: { name: part.serviceAccountName },
        probes: part.probes,
        volumeMounts: { home: part.home },
        ports: part.ports,
        extraEnv: part.extraEnv.length > 0 ? part.extraEnv : undefined,
        extraVolumeMounts: part.extraVolumeMounts.length > 0 ? part.extraVolumeMounts : undefined,
        extraVolumes: part.extraVolumes.length > 0 ? part.extraVolumes : undefined,
        securityContext: part.securityContext,
        containerSecurityContext: part.containerSecurityContext,
        options: {
          imageConfig: { spawner: { default: images[0].id }, values: images },
          podConfig: { spawner: { default: pods[0].id }, values: pods },
        },
      },
    },
  });
}

function uniqueById<T extends { readonly id: string }>(values: readonly T[]): T[] {
  const byId = new Map<string, T>();
  for (const v of values) byId.set(v.id, v);
  return [...byId.values()].sort((a, b) => compare(a.id, b.id));
}

function describe(ref: NamespacedName): string {
  return `Notebook ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

function where(source: SourceRef): string {
  return `${source.file}, document ${source.document}${source.item ? `, ${source.item}` : ''}`;
}

function record(value: unknown): Json | undefined {
  return isPlainObject(value) ? value : undefined;
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(record(value) ?? {})) {
    if (typeof v === 'string') out[k] = v;
  }
  return out;
}

/** One Notebook; a string is why it cannot be migrated. */
function migrateNotebook(nb: InputObject, input: MigrationInput, claimsKnown: ReadonlySet<string>): Migrated | string {
  const value = nb.value;
  const meta = record(value.metadata);
  const name = meta?.name;
  if (typeof name !== 'string' || name === '') return 'Notebook without metadata.name; expected a name';
  const namespace = typeof meta?.namespace === 'string' && meta.namespace !== '' ? meta.namespace : undefined;
  const ref: NamespacedName = { namespace, name };
  const podSpec = record(record(record(value.spec)?.template)?.spec);
  if (!podSpec) return `${describe(ref)}: spec.template.spec is missing; expected a Pod spec with at least one container`;
  const containers = podSpec.containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    return `${describe(ref)}: spec.template.spec.containers is ${containers === undefined ? 'missing' : brief(containers)}; expected at least one container`;
  }
  const main = record(containers[0]);
  if (!main || typeof main.image !== 'string' || main.image.trim() === '') {
    return `${describe(ref)}: spec.template.spec.containers[0].image is ${brief(main?.image)}; expected an image`;
  }

  const carried: string[] = [];
  const changed: string[] = [];
  const notCarried: string[] = [];
  const annotations = stringMap(meta?.annotations);
  const labels = stringMap(meta?.labels);
  const pathNamespace = namespace ?? '<namespace>';

  // ---- what the v1 controller ran: container[0] with its defaults ----
  const image = main.image.trim();
  const workingDir = typeof main.workingDir === 'string' && main.workingDir !== '' ? main.workingDir : V1_DEFAULT_WORKING_DIR;
  const declaredPorts = Array.isArray(main.ports) ? main.ports.filter(isPlainObject) : [];
  const ranPorts: Json[] = declaredPorts.length > 0
    ? declaredPorts
    : [{ name: V1_DEFAULT_PORT_NAME, containerPort: V1_DEFAULT_PORT, protocol: 'TCP' }];

  // ---- ports ----
  const serverType = annotations[SERVER_TYPE_ANNOTATION] ?? '';
  const ports: WorkspaceKindPort[] = [];
  const imagePorts: { id: string; port: number }[] = [];
  const portIdByName = new Map<string, number>();
  const usedIds = new Set<string>();
  ranPorts.forEach((p, i) => {
    const number = p.containerPort;
    if (typeof number !== 'number') {
      notCarried.push(`container port ${brief(p)}: no containerPort number`);
      return;
    }
    const portName = typeof p.name === 'string' ? p.name : '';
    let id = PORT_ID_PATTERN.test(portName) && portName.length <= PORT_ID_MAX ? portName : `port-${number}`;
    for (let n = 2; usedIds.has(id); n++) id = `port-${number}-${n}`;
    usedIds.add(id);
    if (portName) portIdByName.set(portName, number);
    const protocol = typeof p.protocol === 'string' ? p.protocol : 'TCP';
    if (protocol !== 'TCP') {
      notCarried.push(`container port ${portName || number} uses protocol ${protocol}; Workspace ports are HTTP over TCP`);
      return;
    }
    for (const field of ['hostPort', 'hostIP']) {
      if (p[field] !== undefined) notCarried.push(`container port ${portName || number}: ${field} ${brief(p[field])} (no equivalent)`);
    }
    const display = i === 0 && SERVER_TYPES[serverType] ? SERVER_TYPES[serverType].display : (portName || `port ${number}`);
    ports.push({ id, protocol: 'HTTP', defaultDisplayName: display.slice(0, 64) });
    imagePorts.push({ id, port: number });
    if (i > 0) changed.push(`container port ${portName || number} (${number}) is also served by the Workspace's Service, as HTTP port "${id}" (v1's Service had the first port only)`);
  });
  if (ports.length === 0) {
    return `${describe(ref)}: no usable container port; expected a TCP port`;
  }
  const firstPortId = ports[0].id;
  if (declaredPorts.length > 0 && imagePorts[0].port !== V1_DEFAULT_PORT) {
    changed.push(`port "${firstPortId}" (${imagePorts[0].port}) is the Workspace's HTTP port and the target of NB_PREFIX, as v1's Service and route sent the Notebook URL to it`);
  }
  if (declaredPorts.length === 0) carried.push(`port ${V1_DEFAULT_PORT} (the v1 controller's default) as port "${firstPortId}"`);
  else carried.push(`container ports ${imagePorts.map((p) => `${p.id}=${p.port}`).join(', ')}`);
  changed.push(`the Service listens on ${imagePorts.map((p) => p.port).join(', ')} (v1: port ${V1_SERVICE_PORT} → ${imagePorts[0].port}) and is named by the controller (ws-${name}-…)`);
  changed.push(`the container is named "main" (v1: "${typeof main.name === 'string' ? main.name : ''}")`);

  // rewrite and headers annotations → httpProxy of the first port (the one v1's route went to)
  const rewrite = annotations[REWRITE_URI_ANNOTATION];
  const headersJson = annotations[HEADERS_SET_ANNOTATION];
  if (rewrite !== undefined || headersJson !== undefined) {
    const proxy: Json = { removePathPrefix: false };
    if (rewrite !== undefined) {
      if (rewrite === '/') {
        proxy.removePathPrefix = true;
        carried.push(`${REWRITE_URI_ANNOTATION} "/" as httpProxy.removePathPrefix of port "${firstPortId}"`);
      } else {
        notCarried.push(`${REWRITE_URI_ANNOTATION} ${goQuote(rewrite)}: only a rewrite to "/" (removePathPrefix) is expressible`);
      }
    }
    if (headersJson !== undefined) {
      const set = parseHeaders(headersJson);
      if (set === undefined) {
        notCarried.push(`${HEADERS_SET_ANNOTATION} ${goQuote(headersJson)}: not a JSON object of strings`);
      } else {
        const prefix = `${v1PathPrefix(pathNamespace, name)}/`;
        const templated: Record<string, string> = {};
        for (const [k, v] of Object.entries(set)) {
          // The v1 prefix of this Notebook is the Workspace's own prefix in v2: say so with the template, so that
          // the header stays right and Notebooks can share the kind.
          templated[k] = v === prefix || v === prefix.slice(0, -1) ? `{{ httpPathPrefix "${firstPortId}" }}` : escapeTemplate(v);
        }
        proxy.requestHeaders = { set: templated };
        carried.push(`${HEADERS_SET_ANNOTATION} as httpProxy.requestHeaders.set of port "${firstPortId}"`);
      }
    }
    ports[0] = { ...ports[0], httpProxy: proxy };
  }
  changed.push(`the URL prefix becomes /workspace/${pathNamespace}/${name}/${firstPortId}/ (v1: ${v1PathPrefix(pathNamespace, name)}/)`);

  // ---- env: the container's, then NB_PREFIX as the controller set it, now the Workspace's prefix ----
  const extraEnv: JsonObject[] = [];
  let prefixSet = false;
  for (const e of Array.isArray(main.env) ? main.env : []) {
    if (!isPlainObject(e) || typeof e.name !== 'string') {
      notCarried.push(`env entry ${brief(e)}: no name`);
      continue;
    }
    if (e.name === NB_PREFIX) {
      extraEnv.push({ name: NB_PREFIX, value: `{{ httpPathPrefix "${firstPortId}" }}` });
      prefixSet = true;
      continue;
    }
    extraEnv.push(typeof e.value === 'string' ? plain({ ...e, value: escapeTemplate(e.value) }) : plain(e));
  }
  if (!prefixSet) extraEnv.push({ name: NB_PREFIX, value: `{{ httpPathPrefix "${firstPortId}" }}` });
  const ownEnv = extraEnv.length - 1;
  if (ownEnv > 0) carried.push(`${ownEnv} env variable${ownEnv === 1 ? '' : 's'} (kind extraEnv)`);
  changed.push(`${NB_PREFIX} is the Workspace's path prefix {{ httpPathPrefix "${firstPortId}" }} (v1: ${v1PathPrefix(pathNamespace, name)})`);

  // ---- volumes ----
  const volumesByName = new Map<string, Json>();
  for (const v of Array.isArray(podSpec.volumes) ? podSpec.volumes : []) {
    if (isPlainObject(v) && typeof v.name === 'string') volumesByName.set(v.name, v);
  }
  const mountedByMain = new Set<string>();
  let home: string | undefined;
  const data: Json[] = [];
  const extraVolumeMounts: JsonObject[] = [];
  const extraVolumeNames: string[] = [];
  const checkClaim = (claimName: string): void => {
    if (claimsKnown.size > 0 && !claimsKnown.has(`${namespace ?? ''}/${claimName}`)) {
      changed.push(`PersistentVolumeClaim ${claimName} is not among the inputs: it must exist in the namespace (the Workspace does not create it)`);
    }
  };
  for (const m of Array.isArray(main.volumeMounts) ? main.volumeMounts : []) {
    if (!isPlainObject(m) || typeof m.name !== 'string' || typeof m.mountPath !== 'string') {
      notCarried.push(`volume mount ${brief(m)}: no name or mountPath`);
      continue;
    }
    const volume = volumesByName.get(m.name);
    if (!volume) {
      notCarried.push(`volume mount ${m.name} at ${m.mountPath}: no volume of that name in the Pod`);
      continue;
    }
    mountedByMain.add(m.name);
    const claim = record(volume.persistentVolumeClaim);
    const plainMount = Object.keys(m).every((k) => k === 'name' || k === 'mountPath' || k === 'readOnly');
    const volumeOnlyClaim = Object.keys(volume).every((k) => k === 'name' || k === 'persistentVolumeClaim');
    if (claim && typeof claim.claimName === 'string' && plainMount && volumeOnlyClaim) {
      const readOnly = m.readOnly === true || claim.readOnly === true;
      checkClaim(claim.claimName);
      if (home === undefined && m.mountPath === workingDir && !readOnly) {
        home = claim.claimName;
        carried.push(`PVC ${claim.claimName} at ${m.mountPath} as the home volume`);
      } else {
        data.push({ pvcName: claim.claimName, mountPath: m.mountPath, readOnly });
        carried.push(`PVC ${claim.claimName} at ${m.mountPath}${readOnly ? ' (read-only)' : ''} as a data volume`);
      }
      continue;
    }
    // Anything else is mounted exactly as before, kind-wide, where the kind's volume types allow.
    const type = volumeType(volume);
    if (!EXTRA_VOLUME_TYPES.includes(type)) {
      notCarried.push(`volume ${m.name} (${type}) at ${m.mountPath}: a WorkspaceKind mounts ${EXTRA_VOLUME_TYPES.join(', ')} volumes only`);
      continue;
    }
    const extraFields = Object.keys(m).filter((k) => !EXTRA_MOUNT_FIELDS.includes(k));
    if (extraFields.length > 0) {
      notCarried.push(`volume mount ${m.name} at ${m.mountPath}: ${extraFields.join(', ')} (no equivalent)`);
      continue;
    }
    extraVolumeMounts.push(plain(m) as JsonObject);
    if (!extraVolumeNames.includes(m.name)) extraVolumeNames.push(m.name);
    carried.push(`volume ${m.name} (${type}) at ${m.mountPath} (kind extraVolumes)`);
  }
  // Volumes of other containers go with them; volumes nobody mounts were in the Pod all the same.
  const otherContainers = containers.slice(1).filter(isPlainObject);
  const mountedByOthers = new Set<string>();
  for (const c of otherContainers) {
    for (const m of Array.isArray(c.volumeMounts) ? c.volumeMounts : []) if (isPlainObject(m) && typeof m.name === 'string') mountedByOthers.add(m.name);
  }
  for (const c of Array.isArray(podSpec.initContainers) ? podSpec.initContainers : []) {
    for (const m of isPlainObject(c) && Array.isArray(c.volumeMounts) ? c.volumeMounts : []) if (isPlainObject(m) && typeof m.name === 'string') mountedByOthers.add(m.name);
  }
  for (const [volumeName, volume] of volumesByName) {
    if (mountedByMain.has(volumeName)) continue;
    if (mountedByOthers.has(volumeName)) {
      notCarried.push(`volume ${volumeName} (${volumeType(volume)}): mounted only by containers that are not carried`);
      continue;
    }
    if (!EXTRA_VOLUME_TYPES.includes(volumeType(volume))) {
      notCarried.push(`volume ${volumeName} (${volumeType(volume)}), not mounted: a WorkspaceKind mounts ${EXTRA_VOLUME_TYPES.join(', ')} volumes only`);
      continue;
    }
    extraVolumeNames.push(volumeName);
    carried.push(`volume ${volumeName} (${volumeType(volume)}), not mounted (kind extraVolumes)`);
  }
  // Names the controller gives the home and data volumes cannot be used by extra volumes.
  const reserved = (n: string): boolean => n === HOME_VOLUME_NAME || n.startsWith(DATA_VOLUME_NAME_PREFIX);
  const rename = new Map<string, string>();
  for (const n of extraVolumeNames) {
    if (!reserved(n)) continue;
    let next = `${n}-v1`;
    while (reserved(next) || extraVolumeNames.includes(next)) next = `${next}-v1`;
    rename.set(n, next);
    changed.push(`volume ${n} is named ${next}: the controller's own volumes use ${n}`);
  }
  const extraVolumes: JsonObject[] = extraVolumeNames.map((n) => plain({ ...volumesByName.get(n), name: rename.get(n) ?? n }) as JsonObject);
  const mounts = extraVolumeMounts.map((m) => plain({ ...m, name: rename.get(m.name as string) ?? m.name }) as JsonObject);

  if (home === undefined) changed.push(`no PVC is mounted at the working directory ${workingDir}: the Workspace has no home volume (the kind's home path is ${workingDir})`);
  if (main.workingDir === undefined || main.workingDir === '') {
    changed.push(`workingDir is left to the image (v1 set ${V1_DEFAULT_WORKING_DIR}, the home path of the kind)`);
  } else {
    changed.push(`workingDir ${workingDir} is left to the image; it is the home path of the kind`);
  }

  // ---- security contexts: the pod's, or the controller's fsGroup default ----
  let securityContext: JsonObject | undefined;
  if (podSpec.securityContext === undefined || podSpec.securityContext === null) {
    securityContext = { fsGroup: V1_DEFAULT_FS_GROUP };
    carried.push(`pod securityContext fsGroup ${V1_DEFAULT_FS_GROUP} (the v1 controller's default)`);
  } else if (!isEmpty(podSpec.securityContext)) {
    securityContext = plain(podSpec.securityContext) as JsonObject;
    carried.push('pod securityContext');
  }
  let containerSecurityContext: JsonObject | undefined;
  if (!isEmpty(main.securityContext)) {
    containerSecurityContext = plain(main.securityContext) as JsonObject;
    carried.push('container securityContext');
  }

  // ---- probes: named ports become numbers (the container's ports are renamed http-<number>) ----
  let probes: JsonObject | undefined;
  for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe'] as const) {
    const p = record(main[probe]);
    if (!p) continue;
    const fixed = resolveProbePorts(p, portIdByName);
    if (typeof fixed === 'string') {
      notCarried.push(`${probe}: port ${goQuote(fixed)} is not a port of the container`);
      continue;
    }
    probes = { ...probes, [probe]: plain(fixed) };
    carried.push(`${probe} (kind probes)`);
  }

  // ---- what nothing can express ----
  for (const c of otherContainers) {
    notCarried.push(`container ${goQuote(String(c.name ?? ''))} (${String(c.image ?? '')}): a Workspace runs one container`);
  }
  for (const [field, v] of Object.entries(main)) {
    if (isEmpty(v)) continue;
    if (!CONTAINER_FIELDS.has(field)) {
      changed.push(`containers[0].${field} is not a field of a container; the v1 API server dropped it`);
    } else if (!['name', 'image', 'imagePullPolicy', 'ports', 'env', 'resources', 'volumeMounts', 'workingDir', 'securityContext', 'livenessProbe', 'readinessProbe', 'startupProbe'].includes(field)) {
      notCarried.push(`containers[0].${field} ${brief(v)} (no equivalent)`);
    }
  }
  const handledPodFields = ['containers', 'volumes', 'serviceAccountName', 'serviceAccount', 'securityContext', 'nodeSelector', 'tolerations', 'affinity'];
  for (const [field, v] of Object.entries(podSpec)) {
    if (handledPodFields.includes(field)) continue;
    if (!POD_SPEC_FIELDS.has(field)) {
      changed.push(`spec.template.spec.${field} is not a field of a Pod spec; the v1 API server dropped it`);
    } else if (!isEmpty(v)) {
      notCarried.push(`spec.template.spec.${field} ${brief(v)} (no equivalent)`);
    }
  }
  const template = record(record(value.spec)?.template);
  for (const field of Object.keys(template ?? {})) {
    if (field !== 'spec') changed.push(`spec.template.${field} is not a field of a Notebook; the v1 API server dropped it`);
  }
  for (const field of Object.keys(record(value.spec) ?? {})) {
    if (field !== 'template') changed.push(`spec.${field} is not a field of a Notebook; the v1 API server dropped it`);
  }

  // ---- service account (kind-wide; the Pod ran as "default" without one) ----
  const sa = typeof podSpec.serviceAccountName === 'string' && podSpec.serviceAccountName !== ''
    ? podSpec.serviceAccountName
    : typeof podSpec.serviceAccount === 'string' && podSpec.serviceAccount !== '' ? podSpec.serviceAccount : 'default';
  carried.push(`service account ${sa} (kind serviceAccount)`);

  // ---- image option ----
  const pullPolicy = typeof main.imagePullPolicy === 'string' && main.imagePullPolicy !== '' ? main.imagePullPolicy : kubernetesDefaultPullPolicy(image);
  const imageSpec = { image, imagePullPolicy: pullPolicy, ports: imagePorts };
  const imageId = `${slug(image.slice(image.lastIndexOf('/') + 1), 60) || 'image'}-${contentHash(imageSpec)}`;
  const imageOption = plain({
    id: imageId,
    spawner: { displayName: image.length > 128 ? `${image.slice(0, 127)}…` : image, hidden: false },
    spec: imageSpec,
  }) as ImageConfigValue;
  carried.push(`image ${image} (${pullPolicy}${main.imagePullPolicy ? '' : ', the Kubernetes default'}) as imageConfig ${imageId}`);
  if (image !== main.image) changed.push(`image ${goQuote(main.image)} is written without surrounding spaces`);

  // ---- pod option: resources and scheduling ----
  const podOptionSpec: Json = {};
  if (!isEmpty(main.resources)) podOptionSpec.resources = quantitiesAsStrings(main.resources);
  if (!isEmpty(podSpec.affinity)) podOptionSpec.affinity = plain(podSpec.affinity);
  if (!isEmpty(podSpec.nodeSelector)) podOptionSpec.nodeSelector = plain(podSpec.nodeSelector);
  if (!isEmpty(podSpec.tolerations)) podOptionSpec.tolerations = plain(podSpec.tolerations);
  const podId = `${podSlug(podOptionSpec)}-${contentHash(podOptionSpec)}`;
  const podOption = plain({
    id: podId,
    spawner: { displayName: podDisplay(podOptionSpec), hidden: false },
    spec: podOptionSpec,
  }) as PodConfigValue;
  carried.push(`${Object.keys(podOptionSpec).join(', ') || 'no resources or scheduling'} as podConfig ${podId}`);

  // ---- metadata ----
  const stopped = annotations[STOPPED_ANNOTATION] !== undefined;
  if (stopped) carried.push(`${STOPPED_ANNOTATION} as paused: true`);
  const workspaceAnnotations: Record<string, string> = {};
  const podAnnotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(annotations)) {
    if (k === STOPPED_ANNOTATION) {
      changed.push(`the stop time ${v} is not kept (the controller records status.pauseTime)`);
      continue;
    }
    if (ACTIVITY_ANNOTATIONS.includes(k)) {
      changed.push(`annotation ${k} is dropped: activity is status the Workspace controller keeps`);
      continue;
    }
    if (k === LAST_APPLIED_ANNOTATION) {
      changed.push(`annotation ${k} is dropped: kubectl writes it for the object it applies`);
      continue;
    }
    workspaceAnnotations[k] = v;
    if (!v1CopiesAnnotationToPod(k)) continue;
    // Per-container annotations named the v1 container; the Workspace's container is "main".
    if (k === `${APPARMOR_ANNOTATION_PREFIX}${String(main.name)}`) {
      podAnnotations[`${APPARMOR_ANNOTATION_PREFIX}${MAIN_CONTAINER_NAME}`] = v;
      changed.push(`annotation ${k} applies to the container "main" (${APPARMOR_ANNOTATION_PREFIX}${MAIN_CONTAINER_NAME})`);
    } else {
      podAnnotations[k] = v;
    }
  }
  if (Object.keys(workspaceAnnotations).length > 0) carried.push('annotations on the Workspace');
  if (Object.keys(podAnnotations).length > 0) carried.push('annotations the v1 controller put on the Pod (podMetadata.annotations)');
  const podLabels = { ...labels, [NOTEBOOK_NAME_LABEL]: name };
  carried.push(`labels on the Workspace and its Pod, with the v1 Pod label ${NOTEBOOK_NAME_LABEL}=${name}`);
  const serverFields = ['uid', 'resourceVersion', 'selfLink', 'creationTimestamp', 'generation', 'managedFields'].filter((f) => meta?.[f] !== undefined);
  if (serverFields.length > 0 || value.status !== undefined) {
    changed.push(`state the API server kept (${[...serverFields.map((f) => `metadata.${f}`), ...(value.status !== undefined ? ['status'] : [])].join(', ')}) is not carried`);
  }
  for (const f of ['finalizers', 'ownerReferences', 'generateName']) {
    if (!isEmpty(meta?.[f])) notCarried.push(`metadata.${f} ${brief(meta?.[f])} (no equivalent)`);
  }

  // ---- PodDefaults that selected the Pod keep selecting it: its labels are the same ----
  for (const pd of input.podDefaults) {
    const pdMeta = record(pd.value.metadata);
    const pdNamespace = typeof pdMeta?.namespace === 'string' ? pdMeta.namespace : undefined;
    if (pdNamespace !== undefined && pdNamespace !== namespace) continue;
    const selector = record(record(pd.value.spec)?.selector);
    if (selector && selects(selector, podLabels)) {
      changed.push(`PodDefault ${String(pdMeta?.name ?? '')} selects the Pod by its labels and keeps applying (it is not folded into the kind)`);
    }
  }

  const workspace: WorkspaceObject = {
    apiVersion: API_VERSION,
    kind: WORKSPACE_KIND,
    metadata: {
      name,
      namespace,
      labels: Object.keys(labels).length > 0 ? labels : undefined,
      annotations: Object.keys(workspaceAnnotations).length > 0 ? workspaceAnnotations : undefined,
    },
    spec: {
      paused: stopped,
      deferUpdates: false,
      kind: '',
      podTemplate: {
        podMetadata: { labels: podLabels, annotations: Object.keys(podAnnotations).length > 0 ? podAnnotations : undefined },
        volumes: { home, data: data.length > 0 ? (data as unknown as { pvcName: string; mountPath: string; readOnly: boolean }[]) : undefined },
        options: { imageConfig: imageId, podConfig: podId },
      },
    },
  };
  const kindPart: KindPart = {
    serverType,
    serviceAccountName: sa,
    home: workingDir,
    ports,
    extraEnv,
    extraVolumes,
    extraVolumeMounts: mounts,
    securityContext,
    containerSecurityContext,
    probes,
  };
  return {
    kindPart: plain(kindPart),
    image: imageOption,
    pod: podOption,
    workspace,
    report: {
      notebook: ref,
      apiVersion: String(value.apiVersion ?? ''),
      source: nb.source,
      imageConfig: imageId,
      podConfig: podId,
      carried,
      changed,
      notCarried,
    },
  };
}

function claimKey(value: Json): string {
  const meta = record(value.metadata);
  return `${typeof meta?.namespace === 'string' ? meta.namespace : ''}/${String(meta?.name ?? '')}`;
}

function volumeType(volume: Json): string {
  return Object.keys(volume).filter((k) => k !== 'name').join('+') || 'no source';
}

function parseHeaders(text: string): Record<string, string> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isPlainObject(parsed)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (typeof v !== 'string') return undefined;
    out[k] = v;
  }
  return out;
}

/** Env and header values are templates in v2: text that looks like an action is written as a string literal. */
export function escapeTemplate(value: string): string {
  return value.includes('{{') ? `{{ ${goQuote(value)} }}` : value;
}

/** The probe with named ports replaced by their numbers; the unknown port name when one does not exist. */
function resolveProbePorts(probe: Json, ports: ReadonlyMap<string, number>): Json | string {
  const out: Json = { ...probe };
  for (const handler of ['httpGet', 'tcpSocket', 'grpc']) {
    const h = record(probe[handler]);
    if (!h || typeof h.port !== 'string') continue;
    if (/^[0-9]+$/.test(h.port)) {
      out[handler] = { ...h, port: Number(h.port) };
      continue;
    }
    const number = ports.get(h.port);
    if (number === undefined) return h.port;
    out[handler] = { ...h, port: number };
  }
  return out;
}

function selects(selector: Json, labels: Record<string, string>): boolean {
  const matchLabels = stringMap(selector.matchLabels);
  const expressions = Array.isArray(selector.matchExpressions) ? selector.matchExpressions.filter(isPlainObject) : [];
  if (Object.keys(matchLabels).length === 0 && expressions.length === 0) return false;
  for (const [k, v] of Object.entries(matchLabels)) if (labels[k] !== v) return false;
  for (const e of expressions) {
    const key = String(e.key ?? '');
    const values = Array.isArray(e.values) ? e.values.map(String) : [];
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    switch (e.operator) {
      case 'In': if (!has || !values.includes(labels[key])) return false; break;
      case 'NotIn': if (has && values.includes(labels[key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

function quantity(spec: Json, resource: string): string | undefined {
  const resources = record(spec.resources);
  const v = record(resources?.requests)?.[resource] ?? record(resources?.limits)?.[resource];
  return v === undefined ? undefined : String(v);
}

function gpuKeys(spec: Json): string[] {
  const resources = record(spec.resources);
  const keys = new Set([...Object.keys(record(resources?.requests) ?? {}), ...Object.keys(record(resources?.limits) ?? {})]);
  return [...keys].filter((k) => k !== 'cpu' && k !== 'memory' && k !== 'ephemeral-storage').sort();
}

function podSlug(spec: Json): string {
  const parts: string[] = [];
  const cpu = quantity(spec, 'cpu');
  const memory = quantity(spec, 'memory');
  if (cpu) parts.push(`cpu-${cpu}`);
  if (memory) parts.push(`memory-${memory}`);
  for (const k of gpuKeys(spec)) parts.push(`${k.slice(k.lastIndexOf('/') + 1)}-${quantity(spec, k)}`);
  return slug(parts.join('-'), 80) || 'pod';
}

function podDisplay(spec: Json): string {
  const parts: string[] = [];
  const cpu = quantity(spec, 'cpu');
  const memory = quantity(spec, 'memory');
  if (cpu) parts.push(`${cpu} CPU`);
  if (memory) parts.push(`${memory} memory`);
  for (const k of gpuKeys(spec)) parts.push(`${quantity(spec, k)} ${k}`);
  if (spec.affinity || spec.nodeSelector || spec.tolerations) parts.push('scheduling rules');
  const text = parts.join(', ') || 'no requests';
  return text.length > 128 ? `${text.slice(0, 127)}…` : text;
}

/** Resources with every quantity a string, as Kubernetes stores them (`nvidia.com/gpu: 1` becomes "1"). */
function quantitiesAsStrings(resources: unknown): Json {
  const out: Json = {};
  for (const [field, list] of Object.entries(record(resources) ?? {})) {
    const m = record(list);
    if (!m) {
      out[field] = list;
      continue;
    }
    const q: Json = {};
    for (const [k, v] of Object.entries(m)) q[k] = typeof v === 'number' ? String(v) : v;
    out[field] = q;
  }
  return plain(out);
}
