/**
 * The objects a Workspace owns — one StatefulSet and one Service — rendered from the Workspace and its
 * WorkspaceKind (docs/upstream-behavior.md §1.4–§1.6). Pure: the reconciler and `kfws render` share it.
 *
 * The Pod is always rendered from the options literally selected in the Workspace spec, never from redirect
 * targets (§2.5): redirects only take effect when the reconciler rewrites the spec.
 */
import {
  API_VERSION,
  DEFAULT_SECRET_MODE,
  ImageConfigSpec,
  ImageConfigValue,
  JsonObject,
  LABEL_STATEFULSET,
  LABEL_WORKSPACE_NAME,
  OwnerReference,
  PodConfigValue,
  WORKSPACE_KIND,
  WorkspaceKindObject,
  WorkspaceKindPodTemplate,
  WorkspaceObject,
  WorkspaceSpec,
} from './api';
import { serviceNamePrefix, statefulSetNamePrefix, workspaceRoleBindingName, workspaceServiceAccountName } from './naming';
import { ApiRevision, DEFAULT_API_REVISION } from './revision';
import { OptionType, resolveOption } from './options';
import { renderTemplate, TemplateError, workspacePathPrefix } from './template';
import { goQuote } from './validation/quote';

/** Name of the Workspace's only container. */
export const MAIN_CONTAINER_NAME = 'main';
export const HOME_VOLUME_NAME = 'home-volume';
/** Data volume `i` is named `data-volume-<i>`. */
export const DATA_VOLUME_NAME_PREFIX = 'data-volume-';
/** Secret volume `i` is named `secret-volume-<i>` (v2.0.0-beta.0). */
export const SECRET_VOLUME_NAME_PREFIX = 'secret-volume-';

/** How to render: the revision of the installed CRDs, and (beta) the ServiceAccount the Pod runs as. */
export interface RenderOptions {
  /** @default fd7a3d8e */
  readonly revision?: ApiRevision;
  /**
   * v2.0.0-beta.0: the name of the ServiceAccount the Workspace owns, which the reconciler keeps even when it
   * differs from the deterministic one (docs/upstream-v2-beta.md §4.2 step 7). @default `ws-<workspace name>`
   */
  readonly serviceAccountName?: string;
}

const DEFAULT_IMAGE_PULL_POLICY = 'IfNotPresent';

/** Which object failed to render; decides the state message prefix (§2.3). */
export enum RenderedObject {
  STATEFUL_SET = 'StatefulSet',
  SERVICE = 'Service',
  VIRTUAL_SERVICE = 'VirtualService',
  SERVICE_ACCOUNT = 'ServiceAccount',
  ROLE_BINDING = 'RoleBinding',
}

/** The Workspace cannot be rendered; `message` is the upstream detail text (§1.5, §1.6). */
export class RenderError extends Error {
  constructor(
    public readonly object: RenderedObject,
    detail: string,
  ) {
    super(detail);
    this.name = 'RenderError';
  }

  /** `Workspace failed to generate <object> with error: <detail>` (§2.3). */
  get stateMessage(): string {
    return `Workspace failed to generate ${this.object} with error: ${this.message}`;
  }
}

export interface RenderedMetadata {
  generateName: string;
  namespace: string;
  labels: Record<string, string>;
  ownerReferences?: OwnerReference[];
}

export interface RenderedPodTemplate {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: JsonObject & { containers: JsonObject[] };
}

export interface RenderedStatefulSet {
  apiVersion: 'apps/v1';
  kind: 'StatefulSet';
  metadata: RenderedMetadata;
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: RenderedPodTemplate;
  };
}

export interface RenderedServicePort {
  name: string;
  port: number;
  targetPort: number;
  protocol: 'TCP';
}

export interface RenderedService {
  apiVersion: 'v1';
  kind: 'Service';
  metadata: RenderedMetadata;
  spec: {
    type: 'ClusterIP';
    selector: Record<string, string>;
    ports: RenderedServicePort[];
  };
}

/** The labels that select a Workspace's Pod (StatefulSet selector and Service selector). */
export function workspaceSelector(workspaceName: string): Record<string, string> {
  return { [LABEL_WORKSPACE_NAME]: workspaceName, [LABEL_STATEFULSET]: workspaceName };
}

/** The controller ownerReference of an object owned by the Workspace (§1.8). */
export function workspaceOwnerReference(name: string, uid: string): OwnerReference {
  return { apiVersion: API_VERSION, kind: WORKSPACE_KIND, name, uid, controller: true, blockOwnerDeletion: true };
}

/** Port name used in the container and the Service: the port number, not the port id, is in the name. */
export function httpPortName(port: number): string {
  return `http-${port}`;
}

/** The StatefulSet that runs the Workspace's Pod (§1.4, §1.5). */
export function renderStatefulSet(ws: WorkspaceObject, kind: WorkspaceKindObject, options: RenderOptions = {}): RenderedStatefulSet {
  const revision = options.revision ?? DEFAULT_API_REVISION;
  const beta = revision === ApiRevision.V2_0_0_BETA_0;
  const { name, namespace, spec } = identify(ws, RenderedObject.STATEFUL_SET);
  const podTemplate = kindPodTemplate(kind, RenderedObject.STATEFUL_SET);
  const image = selectedImage(spec, podTemplate);
  const pod = selectedPod(spec, podTemplate);
  const ports = imagePorts(image.spec, RenderedObject.STATEFUL_SET);

  const httpPathPrefix = (portId: string): string =>
    image.spec.ports.some((p) => p.id === portId) ? workspacePathPrefix(namespace, name, portId, revision) : '';
  const env = (podTemplate.extraEnv ?? []).map((entry) => renderEnv(entry, httpPathPrefix));
  const { volumes, volumeMounts } = assembleVolumes(spec, podTemplate, beta);

  const container: JsonObject = {
    name: MAIN_CONTAINER_NAME,
    image: image.spec.image,
    imagePullPolicy: image.spec.imagePullPolicy || DEFAULT_IMAGE_PULL_POLICY,
  };
  if (ports.length > 0) {
    container.ports = ports.map((port) => ({ name: httpPortName(port), containerPort: port, protocol: 'TCP' }));
  }
  if (env.length > 0) {
    container.env = env;
  }
  container.resources = clone(pod.spec.resources) ?? {};
  const probes = podTemplate.probes ?? {};
  for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe'] as const) {
    if (probes[probe]) {
      container[probe] = clone(probes[probe]);
    }
  }
  if (podTemplate.containerSecurityContext) {
    container.securityContext = clone(podTemplate.containerSecurityContext);
  }
  if (volumeMounts.length > 0) {
    container.volumeMounts = volumeMounts;
  }

  const serviceAccountName = beta ? options.serviceAccountName ?? workspaceServiceAccountName(name) : podTemplate.serviceAccount?.name;
  const podSpec: JsonObject & { containers: JsonObject[] } = {
    // fd7a3d8e: the Kind names a ServiceAccount that must exist; beta: the Workspace's own (beta §4.5).
    ...(serviceAccountName !== undefined ? { serviceAccountName } : {}),
    containers: [container],
  };
  if (podTemplate.securityContext) {
    podSpec.securityContext = clone(podTemplate.securityContext);
  }
  // Go omits empty maps and lists but keeps a pointer to an empty Affinity: mirror what upstream sends.
  if (pod.spec.affinity) {
    podSpec.affinity = clone(pod.spec.affinity);
  }
  if (pod.spec.nodeSelector && Object.keys(pod.spec.nodeSelector).length > 0) {
    podSpec.nodeSelector = { ...pod.spec.nodeSelector };
  }
  if (pod.spec.tolerations && pod.spec.tolerations.length > 0) {
    podSpec.tolerations = clone(pod.spec.tolerations);
  }
  if (volumes.length > 0) {
    podSpec.volumes = volumes;
  }

  const templateMetadata: RenderedPodTemplate['metadata'] = {
    labels: {
      ...podTemplate.podMetadata?.labels,
      ...spec.podTemplate.podMetadata?.labels,
      ...workspaceSelector(name),
    },
  };
  const annotations = { ...podTemplate.podMetadata?.annotations, ...spec.podTemplate.podMetadata?.annotations };
  if (Object.keys(annotations).length > 0) {
    templateMetadata.annotations = annotations;
  }

  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: ownedMetadata(ws, statefulSetNamePrefix(name), namespace),
    spec: {
      replicas: spec.paused ? 0 : 1,
      selector: { matchLabels: workspaceSelector(name) },
      template: { metadata: templateMetadata, spec: podSpec },
    },
  };
}

/** The ClusterIP Service in front of the Workspace's Pod (§1.6). */
export function renderService(ws: WorkspaceObject, kind: WorkspaceKindObject): RenderedService {
  const { name, namespace, spec } = identify(ws, RenderedObject.SERVICE);
  const podTemplate = kindPodTemplate(kind, RenderedObject.SERVICE);
  const image = selectedImage(spec, podTemplate);
  const ports = imagePorts(image.spec, RenderedObject.SERVICE);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: ownedMetadata(ws, serviceNamePrefix(name), namespace),
    spec: {
      type: 'ClusterIP',
      selector: workspaceSelector(name),
      ports: ports.map((port) => ({ name: httpPortName(port), port, targetPort: port, protocol: 'TCP' })),
    },
  };
}

export interface RenderedServiceAccount {
  apiVersion: 'v1';
  kind: 'ServiceAccount';
  metadata: { name: string; namespace: string; labels: Record<string, string>; ownerReferences?: OwnerReference[] };
}

export interface RenderedRoleBinding {
  apiVersion: 'rbac.authorization.k8s.io/v1';
  kind: 'RoleBinding';
  metadata: { name: string; namespace: string; labels: Record<string, string>; ownerReferences?: OwnerReference[] };
  roleRef: { apiGroup: 'rbac.authorization.k8s.io'; kind: 'ClusterRole'; name: string };
  subjects: { kind: 'ServiceAccount'; name: string; namespace: string }[];
}

/** v2.0.0-beta.0: the Workspace's own ServiceAccount `ws-<name>` (beta §4.4). Nothing but name, label and owner. */
export function renderServiceAccount(ws: WorkspaceObject): RenderedServiceAccount {
  const { name, namespace } = identify(ws, RenderedObject.STATEFUL_SET);
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: namedMetadata(ws, workspaceServiceAccountName(name), namespace) };
}

/**
 * v2.0.0-beta.0: one RoleBinding per Kind `spec.podTemplate.serviceAccount.clusterRoles[]` entry, in list order,
 * binding the ClusterRole to `serviceAccountName` (the live ServiceAccount's name) in the Workspace's namespace.
 */
export function renderRoleBindings(ws: WorkspaceObject, kind: WorkspaceKindObject, serviceAccountName: string): RenderedRoleBinding[] {
  const { name, namespace } = identify(ws, RenderedObject.STATEFUL_SET);
  const roles = kind.spec?.podTemplate?.serviceAccount?.clusterRoles ?? [];
  return roles.map((role) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: namedMetadata(ws, workspaceRoleBindingName(name, role.name), namespace),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.name },
    subjects: [{ kind: 'ServiceAccount', name: serviceAccountName, namespace }],
  }));
}

/** Where the VirtualServices of a v2.0.0-beta.0 install route from (the controller's Istio flags, beta §6.1). */
export interface IstioRouting {
  readonly gateway: string;
  readonly hosts: string;
  readonly clusterDomain: string;
}

export interface RenderedVirtualService {
  apiVersion: 'networking.istio.io/v1';
  kind: 'VirtualService';
  metadata: RenderedMetadata;
  spec: { gateways: string[]; hosts: string[]; http: JsonObject[] };
}

/**
 * v2.0.0-beta.0 with Istio on: the VirtualService routing the connect path of every HTTP port of the selected image
 * to `serviceName` (beta §4.6). Header values are templates rendered like `extraEnv` values.
 */
export function renderVirtualService(
  ws: WorkspaceObject,
  kind: WorkspaceKindObject,
  serviceName: string,
  istio: IstioRouting,
): RenderedVirtualService {
  const object = RenderedObject.VIRTUAL_SERVICE;
  const { name, namespace, spec } = identify(ws, object);
  const podTemplate = kindPodTemplate(kind, object);
  const image = selectedImage(spec, podTemplate);
  const revision = ApiRevision.V2_0_0_BETA_0;
  const httpPathPrefix = (portId: string): string =>
    image.spec.ports.some((p) => p.id === portId) ? workspacePathPrefix(namespace, name, portId, revision) : '';
  const http: JsonObject[] = [];
  for (const port of image.spec.ports ?? []) {
    const kindPort = podTemplate.ports.find((p) => p.id === port.id);
    if (!kindPort || kindPort.protocol !== 'HTTP') continue;
    const route: JsonObject = { match: [{ uri: { prefix: workspacePathPrefix(namespace, name, port.id, revision) } }] };
    if (kindPort.httpProxy?.removePathPrefix) route.rewrite = { uri: '/' };
    const headers = kindPort.httpProxy?.requestHeaders;
    if (headers) {
      const request: JsonObject = {};
      for (const op of ['set', 'add'] as const) {
        const source = headers[op] as Record<string, string> | undefined;
        if (!source) continue;
        const rendered: Record<string, string> = {};
        for (const [key, raw] of Object.entries(source)) {
          try {
            rendered[key] = renderTemplate(raw, httpPathPrefix);
          } catch (err) {
            if (err instanceof TemplateError) {
              throw new RenderError(object, `failed to render requestHeaders.${op} ${goQuote(key)}: ${err.message}`);
            }
            throw err;
          }
        }
        request[op] = rendered;
      }
      if (headers.remove) request.remove = [...headers.remove];
      route.headers = { request };
    }
    route.route = [{ destination: { host: `${serviceName}.${namespace}.svc.${istio.clusterDomain}`, port: { number: port.port } } }];
    http.push(route);
  }
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: ownedMetadata(ws, serviceNamePrefix(name), namespace),
    spec: { gateways: [istio.gateway], hosts: [istio.hosts], http },
  };
}

function namedMetadata(ws: WorkspaceObject, objectName: string, namespace: string): RenderedServiceAccount['metadata'] {
  const wsName = ws.metadata.name as string;
  const metadata: RenderedServiceAccount['metadata'] = { name: objectName, namespace, labels: { [LABEL_WORKSPACE_NAME]: wsName } };
  if (ws.metadata.uid) {
    metadata.ownerReferences = [workspaceOwnerReference(wsName, ws.metadata.uid)];
  }
  return metadata;
}

function identify(ws: WorkspaceObject, object: RenderedObject): { name: string; namespace: string; spec: WorkspaceSpec } {
  const { name, namespace } = ws.metadata;
  if (!name || !namespace) {
    throw new RenderError(object, 'the Workspace needs metadata.name and metadata.namespace');
  }
  if (!ws.spec) {
    throw new RenderError(object, `Workspace "${name}" has no spec`);
  }
  return { name, namespace, spec: ws.spec };
}

function kindPodTemplate(kind: WorkspaceKindObject, object: RenderedObject): WorkspaceKindPodTemplate {
  if (!kind.spec?.podTemplate) {
    throw new RenderError(object, `WorkspaceKind "${kind.metadata.name}" has no spec.podTemplate`);
  }
  return kind.spec.podTemplate;
}

function selectedImage(spec: WorkspaceSpec, podTemplate: WorkspaceKindPodTemplate): ImageConfigValue {
  const values = podTemplate.options.imageConfig.values;
  return resolveOption(OptionType.IMAGE_CONFIG, values, spec.podTemplate.options.imageConfig).current;
}

function selectedPod(spec: WorkspaceSpec, podTemplate: WorkspaceKindPodTemplate): PodConfigValue {
  const values = podTemplate.options.podConfig.values;
  return resolveOption(OptionType.POD_CONFIG, values, spec.podTemplate.options.podConfig).current;
}

function imagePorts(image: ImageConfigSpec, object: RenderedObject): number[] {
  const seen = new Set<number>();
  for (const { port } of image.ports ?? []) {
    if (seen.has(port)) {
      throw new RenderError(object, `duplicate port number ${port} in imageConfig`);
    }
    seen.add(port);
  }
  return [...seen];
}

function renderEnv(entry: JsonObject, httpPathPrefix: (portId: string) => string): JsonObject {
  const copy = clone(entry);
  if (typeof entry.value === 'string' && entry.value !== '') {
    try {
      copy.value = renderTemplate(entry.value, httpPathPrefix);
    } catch (err) {
      if (err instanceof TemplateError) {
        throw new RenderError(
          RenderedObject.STATEFUL_SET,
          `failed to render extraEnv ${goQuote(String(entry.name))}: ${err.message}`,
        );
      }
      throw err;
    }
  }
  return copy;
}

/** Home, data and the Kind's extra volumes in that order; later entries lose on name or mount-path clashes (§1.5). */
function assembleVolumes(
  spec: WorkspaceSpec,
  podTemplate: WorkspaceKindPodTemplate,
  withSecrets: boolean,
): { volumes: JsonObject[]; volumeMounts: JsonObject[] } {
  const volumes: JsonObject[] = [];
  const volumeMounts: JsonObject[] = [];
  const volumeNames = new Set<string>();
  const mountPaths = new Set<string>();
  const add = (volume: JsonObject, mount: JsonObject | undefined): void => {
    volumes.push(volume);
    volumeNames.add(volume.name as string);
    if (mount) {
      volumeMounts.push(mount);
      mountPaths.add(mount.mountPath as string);
    }
  };

  const { home, data } = spec.podTemplate.volumes ?? {};
  if (home) {
    add(
      { name: HOME_VOLUME_NAME, persistentVolumeClaim: { claimName: home } },
      { name: HOME_VOLUME_NAME, mountPath: podTemplate.volumeMounts.home },
    );
  }
  (data ?? []).forEach((d, i) => {
    const volumeName = `${DATA_VOLUME_NAME_PREFIX}${i}`;
    if (volumeNames.has(volumeName) || mountPaths.has(d.mountPath)) {
      return;
    }
    const claim: JsonObject = { claimName: d.pvcName };
    const mount: JsonObject = { name: volumeName, mountPath: d.mountPath };
    if (d.readOnly) {
      claim.readOnly = true;
      mount.readOnly = true;
    }
    add({ name: volumeName, persistentVolumeClaim: claim }, mount);
  });
  // v2.0.0-beta.0 (beta §4.5): after the data volumes, with the same skip rules; no readOnly, items or subPath.
  const secrets = withSecrets ? (spec.podTemplate.volumes?.secrets ?? []) : [];
  secrets.forEach((secret, i) => {
    const volumeName = `${SECRET_VOLUME_NAME_PREFIX}${i}`;
    if (volumeNames.has(volumeName) || mountPaths.has(secret.mountPath)) {
      return;
    }
    add(
      { name: volumeName, secret: { secretName: secret.secretName, defaultMode: secret.defaultMode ?? DEFAULT_SECRET_MODE } },
      { name: volumeName, mountPath: secret.mountPath },
    );
  });
  for (const extra of podTemplate.extraVolumes ?? []) {
    if (!volumeNames.has(extra.name as string)) {
      add(clone(extra), undefined);
    }
  }
  for (const mount of podTemplate.extraVolumeMounts ?? []) {
    if (!mountPaths.has(mount.mountPath as string) && volumeNames.has(mount.name as string)) {
      volumeMounts.push(clone(mount));
      mountPaths.add(mount.mountPath as string);
    }
  }
  return { volumes, volumeMounts };
}

function ownedMetadata(ws: WorkspaceObject, generateName: string, namespace: string): RenderedMetadata {
  const name = ws.metadata.name as string;
  const metadata: RenderedMetadata = { generateName, namespace, labels: { [LABEL_WORKSPACE_NAME]: name } };
  if (ws.metadata.uid) {
    metadata.ownerReferences = [workspaceOwnerReference(name, ws.metadata.uid)];
  }
  return metadata;
}

function clone<T>(value: T): T {
  return value === undefined ? value : structuredClone(value);
}
