/**
 * What a Kubeflow v1 `Notebook` (kubeflow.org/v1, v1beta1, v1alpha1: one schema) is, and what the v1 notebook
 * controller and the Jupyter web app added to the Pod it ran. Facts from kubeflow/kubeflow v1.10.0
 * components/notebook-controller/controllers/notebook_controller.go and the web app's notebook template, listed in
 * docs/migrate.md ("What the Pod runs"): the migration reproduces the Pod those produced, not the bare Notebook spec.
 */

export const NOTEBOOK_KIND = 'Notebook';
export const NOTEBOOK_API_VERSIONS: readonly string[] = ['kubeflow.org/v1', 'kubeflow.org/v1beta1', 'kubeflow.org/v1alpha1'];
export const PVC_KIND = 'PersistentVolumeClaim';
export const PODDEFAULT_KIND = 'PodDefault';

/** The controller sets `workingDir` to this when the container has none. */
export const V1_DEFAULT_WORKING_DIR = '/home/jovyan';
/** The controller adds this port when the container declares none (`DefaultContainerPort`). */
export const V1_DEFAULT_PORT = 8888;
export const V1_DEFAULT_PORT_NAME = 'notebook-port';
/** The Service the controller creates listens on port 80 and forwards to the first container port. */
export const V1_SERVICE_PORT = 80;
/** The controller adds `fsGroup: 100` when the Pod has no securityContext (`ADD_FSGROUP` unset or `true`). */
export const V1_DEFAULT_FS_GROUP = 100;
/** Env var the controller sets to the Notebook's URL prefix. */
export const NB_PREFIX = 'NB_PREFIX';
/** Annotation whose presence stops a Notebook (replicas 0). */
export const STOPPED_ANNOTATION = 'kubeflow-resource-stopped';
export const SERVER_TYPE_ANNOTATION = 'notebooks.kubeflow.org/server-type';
export const REWRITE_URI_ANNOTATION = 'notebooks.kubeflow.org/http-rewrite-uri';
export const HEADERS_SET_ANNOTATION = 'notebooks.kubeflow.org/http-headers-request-set';
/** Written by the v1 culler; in v2 activity is controller-owned status. */
export const ACTIVITY_ANNOTATIONS: readonly string[] = [
  'notebooks.kubeflow.org/last-activity',
  'notebooks.kubeflow.org/last_activity_check_timestamp',
];
/** Written by kubectl itself; describes the old object. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
/** Pod label the controller adds beside `statefulset` (selectors such as anti-affinity terms rely on it). */
export const NOTEBOOK_NAME_LABEL = 'notebook-name';

/** `/notebook/<ns>/<name>`: NB_PREFIX as the controller sets it (no trailing slash). */
export function v1PathPrefix(namespace: string, name: string): string {
  return `/notebook/${namespace}/${name}`;
}

/** The v1 controller copies Notebook annotations to the Pod except those whose key contains these. */
export function v1CopiesAnnotationToPod(key: string): boolean {
  return !key.includes('kubectl') && !key.includes('notebook');
}

/**
 * Kubernetes' default pull policy, which the Pod ran with when the Notebook named none: `Always` for `:latest` or
 * an untagged image, else `IfNotPresent` (a digest counts as a tag).
 */
export function kubernetesDefaultPullPolicy(image: string): string {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.indexOf(':');
  if (colon === -1) return 'Always';
  return lastSegment.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

/** Known server types of the Jupyter web app and how they are shown. */
export const SERVER_TYPES: Readonly<Record<string, { readonly slug: string; readonly display: string }>> = {
  jupyter: { slug: 'jupyter', display: 'JupyterLab' },
  'group-one': { slug: 'codeserver', display: 'VS Code' },
  'group-two': { slug: 'rstudio', display: 'RStudio' },
};

/** Every field of a core/v1 PodSpec; others are not part of the Pod and were pruned by the v1 API server. */
export const POD_SPEC_FIELDS: ReadonlySet<string> = new Set([
  'activeDeadlineSeconds', 'affinity', 'automountServiceAccountToken', 'containers', 'dnsConfig', 'dnsPolicy',
  'enableServiceLinks', 'ephemeralContainers', 'hostAliases', 'hostIPC', 'hostNetwork', 'hostPID', 'hostUsers',
  'hostname', 'imagePullSecrets', 'initContainers', 'nodeName', 'nodeSelector', 'os', 'overhead', 'preemptionPolicy',
  'priority', 'priorityClassName', 'readinessGates', 'resourceClaims', 'resources', 'restartPolicy',
  'runtimeClassName', 'schedulerName', 'schedulingGates', 'securityContext', 'serviceAccount', 'serviceAccountName',
  'setHostnameAsFQDN', 'shareProcessNamespace', 'subdomain', 'terminationGracePeriodSeconds', 'tolerations',
  'topologySpreadConstraints', 'volumes',
]);

/** Every field of a core/v1 Container. */
export const CONTAINER_FIELDS: ReadonlySet<string> = new Set([
  'args', 'command', 'env', 'envFrom', 'image', 'imagePullPolicy', 'lifecycle', 'livenessProbe', 'name', 'ports',
  'readinessProbe', 'resizePolicy', 'resources', 'restartPolicy', 'securityContext', 'startupProbe', 'stdin',
  'stdinOnce', 'terminationMessagePath', 'terminationMessagePolicy', 'tty', 'volumeDevices', 'volumeMounts',
  'workingDir',
]);
