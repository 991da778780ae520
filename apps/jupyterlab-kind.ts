import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import {
  ActivityProbe, EmptyDirMedium, ImagePullPolicy, RedirectLevel, SpawnerImage, TaintEffect, TolerationOperator,
  WorkspaceKind,
} from '../lib';

/**
 * The upstream `jupyterlab` sample WorkspaceKind, option for option: two JupyterLab images (the older one hidden and
 * redirecting to the newer) and three pod sizes.
 */
export function addJupyterLabKind(scope: Construct, id: string): WorkspaceKind {
  const kind = new WorkspaceKind(scope, id, {
    name: 'jupyterlab',
    displayName: 'JupyterLab Notebook',
    description: 'A Workspace which runs JupyterLab in a Pod',
    hidden: false,
    deprecated: false,
    deprecationMessage: 'This WorkspaceKind will be removed on 20XX-XX-XX, please use another WorkspaceKind.',
    icon: SpawnerImage.fromUrl('https://jupyter.org/assets/favicons/apple-touch-icon-152x152.png'),
    logo: SpawnerImage.fromUrl('https://upload.wikimedia.org/wikipedia/commons/3/38/Jupyter_logo.svg'),
    podLabels: { 'my-workspace-kind-label': 'my-value' },
    podAnnotations: { 'my-workspace-kind-annotation': 'my-value' },
    serviceAccountName: 'default-editor',
    culling: { enabled: true, maxInactive: Duration.hours(24), activityProbe: ActivityProbe.jupyter() },
    homeMountPath: '/home/jovyan',
    // Old Kubeflow Jupyter images serve under NB_PREFIX, which must be the Workspace's HTTP path prefix.
    extraEnv: [{ name: 'NB_PREFIX', value: '{{ httpPathPrefix "jupyterlab" }}' }],
    extraVolumes: [{ name: 'dshm', emptyDir: { medium: EmptyDirMedium.MEMORY } }],
    extraVolumeMounts: [{ name: 'dshm', mountPath: '/dev/shm' }],
    podSecurityContext: { fsGroup: 100 },
    containerSecurityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true },
  });

  const jupyterlab = kind.addPort({ id: 'jupyterlab', displayName: 'JupyterLab', removePathPrefix: false, requestHeaders: {} });

  const scipy180 = kind.addImageConfig({
    id: 'jupyterlab_scipy_180',
    displayName: 'jupyter-scipy:v1.8.0',
    description: 'JupyterLab, with SciPy Packages',
    labels: [{ key: 'python_version', value: '3.11' }],
    hidden: true,
    image: 'ghcr.io/kubeflow/kubeflow/notebook-servers/jupyter-scipy:v1.8.0',
    imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
    ports: [{ port: jupyterlab, number: 8888 }],
  });
  const scipy190 = kind.addImageConfig({
    id: 'jupyterlab_scipy_190',
    displayName: 'jupyter-scipy:v1.9.0',
    description: 'JupyterLab, with SciPy Packages',
    labels: [{ key: 'python_version', value: '3.11' }],
    image: 'ghcr.io/kubeflow/kubeflow/notebook-servers/jupyter-scipy:v1.9.0',
    imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
    ports: [{ port: jupyterlab, number: 8888 }],
  });
  scipy180.redirectTo(scipy190, { level: RedirectLevel.INFO, text: 'This update will change...' });
  kind.useDefaultImageConfig(scipy190);

  kind.addPodConfig({
    id: 'tiny_cpu',
    displayName: 'Tiny CPU',
    description: 'Pod with 0.1 CPU, 128 Mb RAM',
    labels: [{ key: 'cpu', value: '100m' }, { key: 'memory', value: '128Mi' }],
    resources: { requests: { cpu: '100m', memory: '128Mi' } },
  });
  kind.addPodConfig({
    id: 'small_cpu',
    displayName: 'Small CPU',
    description: 'Pod with 1 CPU, 2 GB RAM',
    labels: [{ key: 'cpu', value: '1000m' }, { key: 'memory', value: '2Gi' }],
    hidden: false,
    affinity: {},
    nodeSelector: {},
    tolerations: [],
    resources: { requests: { cpu: '1000m', memory: '2Gi' } },
  });
  kind.addPodConfig({
    id: 'big_gpu',
    displayName: 'Big GPU',
    description: 'Pod with 4 CPU, 16 GB RAM, and 1 GPU',
    labels: [{ key: 'cpu', value: '4000m' }, { key: 'memory', value: '16Gi' }, { key: 'gpu', value: '1' }],
    hidden: false,
    affinity: {},
    nodeSelector: {},
    tolerations: [{ key: 'nvidia.com/gpu', operator: TolerationOperator.EXISTS, effect: TaintEffect.NO_SCHEDULE }],
    resources: { requests: { cpu: '4000m', memory: '16Gi' }, limits: { 'nvidia.com/gpu': '1' } },
  });
  return kind;
}
