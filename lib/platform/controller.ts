import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ClusterScopedApiObject, registerForCollisionCheck, sortedMap } from '../constructs/internal';
import { ImagePullPolicy, ResourceRequirements, Toleration } from '../constructs/kube-types';
import {
  RECONCILER_CLUSTER_RULES,
  RECONCILER_CULLING_RULES,
  RECONCILER_HEALTH_PORT,
  RECONCILER_HEALTHZ_PATH,
  RECONCILER_METRICS_PORT,
  RECONCILER_NAMESPACE_RULES,
  RECONCILER_READYZ_PATH,
} from '../reconciler/permissions';
import { RECONCILER_CHART_ARGS, RECONCILER_POD_NAME_ENV, RECONCILER_POD_NAMESPACE_ENV } from '../reconciler/config';
import { RECONCILER_IMAGE_REPOSITORY, RECONCILER_IMAGE_TAG } from '../reconciler/image';
import { ApplyOrder, ApplyStage } from './apply-order';
import { WorkspacesCrds } from './crds';
import { addNamespace, PodSecurityLevel } from './namespace';
import {
  CONTROLLER_CLUSTER_ROLE_NAME,
  CONTROLLER_CULLING_CLUSTER_ROLE_NAME,
  CONTROLLER_LEADER_ELECTION_ROLE_NAME,
  CONTROLLER_METRICS_SERVICE_NAME,
  CONTROLLER_NAME,
  CONTROLLER_SELECTOR_LABELS,
  assertDnsLabel,
  controllerLabels,
  DEFAULT_CONTROLLER_NAMESPACE,
} from './names';
import { mebibytes, quantityErrors, requestAboveLimitErrors, toKubeQuantities } from './quantity';
import { renderPolicyRules } from './rbac';
import { addClusterRole, WorkspacesUserRoles } from './user-roles';

/** Requests and limits of the reconciler container, unless overridden. */
export const DEFAULT_CONTROLLER_RESOURCES: ResourceRequirements = {
  // The reconciler stays under 150 MB with 2,000 Workspaces; the limit leaves room for bursts during a full resync.
  requests: { cpu: '50m', memory: '128Mi' },
  limits: { cpu: '500m', memory: '256Mi' },
};

/** Properties of the controller install. */
export interface WorkspacesControllerProps {
  /**
   * Namespace the controller runs in; this construct creates it, with the `restricted` Pod Security level.
   * @default 'kubeflow-workspaces'
   */
  readonly namespace?: string;
  /**
   * Repository of the reconciler image.
   * @default - the image published with this package version
   */
  readonly imageRepository?: string;
  /**
   * Tag of the reconciler image.
   * @default - this package's version
   */
  readonly imageTag?: string;
  /**
   * Digest (`sha256:<64 hex digits>`) that pins the image instead of a tag; the reference becomes
   * `repository@digest`.
   * @default - the image is pulled by tag
   */
  readonly imageDigest?: string;
  /**
   * When the kubelet pulls the image.
   * @default ImagePullPolicy.IF_NOT_PRESENT
   */
  readonly imagePullPolicy?: ImagePullPolicy;
  /**
   * Secrets (in the controller's namespace) holding registry credentials for a private mirror.
   * @default - none
   */
  readonly imagePullSecrets?: string[];
  /**
   * Reconciler flags added after the chart's own (`--leader-elect=true --log-level=info`); a later flag wins, e.g.
   * `['--log-level=debug', '--workers=8']`.
   * @default - none
   */
  readonly additionalArgs?: string[];
  /**
   * Number of reconciler Pods; one leads (Lease-based leader election), the others stand by.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Requests and limits of the reconciler container; each value given replaces the default one of the same name.
   * @default DEFAULT_CONTROLLER_RESOURCES
   */
  readonly resources?: ResourceRequirements;
  /**
   * Extra node labels the Pods must match (`kubernetes.io/os: linux` is always required).
   * @default - none
   */
  readonly nodeSelector?: Record<string, string>;
  /**
   * Tolerations of the Pods, e.g. to run on dedicated system nodes.
   * @default - none
   */
  readonly tolerations?: Toleration[];
  /**
   * PriorityClass of the Pods.
   * @default - the cluster's default priority
   */
  readonly priorityClassName?: string;
  /**
   * Labels of the namespaces (e.g. the monitoring one) whose Pods may reach the metrics port; the NetworkPolicy
   * admits nothing else. The kubelet's health probes are not affected (see the NetworkPolicy notes in
   * docs/platform.md).
   * @default - no ingress is admitted at all, the metrics port included
   */
  readonly metricsScraperNamespaceLabels?: Record<string, string>;
  /**
   * CIDRs of the Kubernetes API server endpoints, to narrow the NetworkPolicy's egress on ports 443 and 6443.
   * @default - any address on ports 443 and 6443
   */
  readonly apiServerCidrs?: string[];
}

/**
 * The Workspace controller install: the two CRDs, the controller's namespace (Pod Security `restricted`), its
 * ServiceAccount and RBAC (rendered from the reconciler's own list of API calls), the hardened reconciler Deployment,
 * a metrics Service, a PodDisruptionBudget, a NetworkPolicy, and the aggregated ClusterRoles for people.
 */
export class WorkspacesController extends Construct {
  /** The namespace the controller runs in. */
  public readonly namespace: string;
  /** The name of the controller's ServiceAccount (in `namespace`). */
  public readonly serviceAccountName: string;
  /** The image reference the Deployment runs. */
  public readonly image: string;
  /** The CRDs. */
  public readonly crds: WorkspacesCrds;
  /** The reconciler Deployment. */
  public readonly deployment: ApiObject;

  constructor(scope: Construct, id: string, props: WorkspacesControllerProps = {}) {
    super(scope, id);
    ApplyOrder.assignStage(this, ApplyStage.CONTROLLER);
    this.namespace = props.namespace ?? DEFAULT_CONTROLLER_NAMESPACE;
    assertDnsLabel(this, 'namespace', this.namespace, 'a namespace name (an RFC 1123 label)');
    this.serviceAccountName = CONTROLLER_NAME;
    this.image = imageReference(props);
    const replicas = props.replicas ?? 2;
    if (!Number.isInteger(replicas) || replicas < 1) {
      throw new Error(`replicas is ${replicas}; expected a whole number of at least 1`);
    }
    const resources = mergeResources(props.resources);
    const resourceErrors = [
      ...quantityErrors('resources.requests', resources.requests),
      ...quantityErrors('resources.limits', resources.limits),
      ...requestAboveLimitErrors('resources.requests', resources.requests, 'resources.limits', resources.limits),
    ];
    if (resourceErrors.length > 0) {
      throw new Error(resourceErrors.join('; '));
    }
    const labels = controllerLabels();
    const namespace = this.namespace;

    // Created in the order a reader (and a one-pass apply) wants them: the namespace and CRDs first, isolation and
    // disruption rules before the Pods they cover, identity and permissions before the Deployment that uses them.
    addNamespace(this, 'Namespace', namespace, PodSecurityLevel.RESTRICTED, labels);
    this.crds = new WorkspacesCrds(this, 'Crds');
    this.addNetworkPolicy(props, labels);
    new k8s.KubePodDisruptionBudget(this, 'PodDisruptionBudget', {
      metadata: { name: CONTROLLER_NAME, namespace, labels },
      spec: {
        // One Pod at a time: with the default two replicas a drain never stops reconciling for long, and with one
        // replica a drain is still possible.
        maxUnavailable: k8s.IntOrString.fromNumber(1),
        selector: { matchLabels: { ...CONTROLLER_SELECTOR_LABELS } },
        // A stand-by or crash-looping Pod must not block node drains.
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });
    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: this.serviceAccountName, namespace, labels },
      // Only the reconciler Pod mounts the token (it asks for it explicitly); no other Pod that names this account.
      automountServiceAccountToken: false,
    });
    addClusterRole(this, 'ClusterRole', CONTROLLER_CLUSTER_ROLE_NAME, RECONCILER_CLUSTER_RULES, labels);
    new ClusterScopedApiObject(this, 'ClusterRoleBinding', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: CONTROLLER_CLUSTER_ROLE_NAME, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: CONTROLLER_CLUSTER_ROLE_NAME },
      subjects: [{ kind: 'ServiceAccount', name: this.serviceAccountName, namespace }],
    });
    // Exec and the service proxy, for the culling probes: deliberately not bound here. Bound cluster-wide they would
    // let the controller run commands in any Pod and call any Service; each tenant binds them in its namespace.
    addClusterRole(this, 'CullingClusterRole', CONTROLLER_CULLING_CLUSTER_ROLE_NAME, RECONCILER_CULLING_RULES, labels);
    new ApiObject(this, 'LeaderElectionRole', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: CONTROLLER_LEADER_ELECTION_ROLE_NAME, namespace, labels },
      rules: renderPolicyRules(RECONCILER_NAMESPACE_RULES),
    });
    new k8s.KubeRoleBinding(this, 'LeaderElectionRoleBinding', {
      metadata: { name: CONTROLLER_LEADER_ELECTION_ROLE_NAME, namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: CONTROLLER_LEADER_ELECTION_ROLE_NAME },
      subjects: [{ kind: 'ServiceAccount', name: this.serviceAccountName, namespace }],
    });
    new WorkspacesUserRoles(this, 'UserRoles', { labels });
    new k8s.KubeService(this, 'MetricsService', {
      metadata: { name: CONTROLLER_METRICS_SERVICE_NAME, namespace, labels },
      spec: {
        selector: { ...CONTROLLER_SELECTOR_LABELS },
        ports: [{ name: 'metrics', port: RECONCILER_METRICS_PORT, protocol: 'TCP', targetPort: k8s.IntOrString.fromString('metrics') }],
      },
    });
    this.deployment = this.addDeployment(props, replicas, resources, labels);
    // The CRDs and the roles for people register their own objects.
    for (const child of this.node.children) {
      if (child instanceof ApiObject) {
        registerForCollisionCheck(child);
      }
    }
  }

  private addNetworkPolicy(props: WorkspacesControllerProps, labels: Record<string, string>): void {
    if (props.metricsScraperNamespaceLabels && Object.keys(props.metricsScraperNamespaceLabels).length === 0) {
      throw new Error(`${this.node.path}: metricsScraperNamespaceLabels is {}; expected at least one label (an empty namespace selector would admit every namespace), or leave it out to admit none`);
    }
    const scrapers = sortedMap(props.metricsScraperNamespaceLabels);
    const apiServerPeers = [...(props.apiServerCidrs ?? [])].sort().map(cidr => ({ ipBlock: { cidr } }));
    new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: { name: CONTROLLER_NAME, namespace: this.namespace, labels },
      spec: {
        podSelector: { matchLabels: { ...CONTROLLER_SELECTOR_LABELS } },
        policyTypes: ['Ingress', 'Egress'],
        // Nothing calls the reconciler but a metrics scraper, and only the configured ones are admitted: without
        // them there is no rule, and with policyType Ingress that admits no ingress at all (left out rather than
        // `[]`, which the server drops, so that applying it again changes nothing). The kubelet's health probes
        // come from the Pod's own node, which NetworkPolicy always admits (see docs/platform.md for plugins set to
        // filter that too).
        ingress: scrapers
          ? [{
            from: [{ namespaceSelector: { matchLabels: scrapers } }],
            ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(RECONCILER_METRICS_PORT) }],
          }]
          : undefined,
        egress: [
          // The API server is the reconciler's only peer: Workspace Pods are reached through it (services/proxy,
          // pods/exec). 443 is the `kubernetes` Service; 6443 is the usual endpoint port behind it, which policies
          // enforced after the Service's address translation see instead.
          {
            to: apiServerPeers.length > 0 ? apiServerPeers : undefined,
            ports: [443, 6443].map(port => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) })),
          },
          // DNS, to resolve the API server's name; cluster DNS runs in different places (kube-system, node-local
          // caches on a link-local address), so any destination on port 53.
          { ports: ['UDP', 'TCP'].map(protocol => ({ protocol, port: k8s.IntOrString.fromNumber(53) })) },
        ],
      },
    });
  }

  private addDeployment(props: WorkspacesControllerProps, replicas: number, resources: ResourceRequirements, labels: Record<string, string>): ApiObject {
    const selector = { matchLabels: { ...CONTROLLER_SELECTOR_LABELS } };
    const hostname = 'kubernetes.io/hostname';
    return new k8s.KubeDeployment(this, 'Deployment', {
      metadata: { name: CONTROLLER_NAME, namespace: this.namespace, labels },
      spec: {
        replicas,
        selector,
        template: {
          metadata: {
            labels,
            annotations: { 'kubectl.kubernetes.io/default-container': 'reconciler' },
          },
          spec: {
            serviceAccountName: this.serviceAccountName,
            automountServiceAccountToken: true,
            imagePullSecrets: props.imagePullSecrets?.map(name => ({ name })),
            priorityClassName: props.priorityClassName,
            nodeSelector: { ...props.nodeSelector, 'kubernetes.io/os': 'linux' },
            tolerations: props.tolerations?.map(toleration => ({ ...toleration })),
            // Spread the replicas so that losing a node never stops reconciling for longer than a Lease takeover.
            topologySpreadConstraints: [{ maxSkew: 1, topologyKey: hostname, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: selector }],
            affinity: {
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: hostname, labelSelector: selector } }],
              },
            },
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 65532,
              runAsGroup: 65532,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            terminationGracePeriodSeconds: 10,
            containers: [{
              name: 'reconciler',
              image: this.image,
              imagePullPolicy: props.imagePullPolicy ?? ImagePullPolicy.IF_NOT_PRESENT,
              args: [...RECONCILER_CHART_ARGS, ...(props.additionalArgs ?? [])],
              env: [
                // apiVersion as the server defaults it: fieldRef is an atomic struct, so without it every server-side
                // apply would conflict with (and replace) the stored one
                { name: RECONCILER_POD_NAMESPACE_ENV, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
                { name: RECONCILER_POD_NAME_ENV, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
                // V8 sizes its heap from the node's memory, not the container's limit: keep it under the limit so
                // the garbage collector works harder before the kernel kills the Pod.
                { name: 'NODE_OPTIONS', value: `--max-old-space-size=${Math.floor(mebibytes(resources.limits!.memory) * 0.75)}` },
              ],
              ports: [
                { name: 'metrics', containerPort: RECONCILER_METRICS_PORT, protocol: 'TCP' },
                { name: 'health', containerPort: RECONCILER_HEALTH_PORT, protocol: 'TCP' },
              ],
              livenessProbe: {
                httpGet: { path: RECONCILER_HEALTHZ_PATH, port: k8s.IntOrString.fromString('health') },
                initialDelaySeconds: 15,
                periodSeconds: 20,
              },
              readinessProbe: {
                httpGet: { path: RECONCILER_READYZ_PATH, port: k8s.IntOrString.fromString('health') },
                initialDelaySeconds: 5,
                periodSeconds: 10,
              },
              resources: {
                requests: toKubeQuantities(resources.requests),
                limits: toKubeQuantities(resources.limits),
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                privileged: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            }],
            // The root filesystem is read-only; Node and its libraries may still need a scratch directory.
            volumes: [{ name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } }],
          },
        },
      },
    });
  }
}

/** `repository:tag`, or `repository@digest` when pinned. */
function imageReference(props: WorkspacesControllerProps): string {
  const repository = props.imageRepository ?? RECONCILER_IMAGE_REPOSITORY;
  if (!/^[a-z0-9]([a-z0-9._\/:-]*[a-z0-9])?$/.test(repository) || /:[^/]*$/.test(repository.replace(/^[^/]*\//, ''))) {
    throw new Error(`imageRepository is "${repository}"; expected a repository without tag or digest, e.g. "registry.example.com/mirror/reconciler"`);
  }
  if (props.imageDigest !== undefined) {
    if (props.imageTag !== undefined) {
      throw new Error('imageTag and imageDigest are both given; expected one of them (a digest names the image exactly)');
    }
    if (!/^sha256:[a-f0-9]{64}$/.test(props.imageDigest)) {
      throw new Error(`imageDigest is "${props.imageDigest}"; expected "sha256:" and 64 lowercase hex digits`);
    }
    return `${repository}@${props.imageDigest}`;
  }
  const tag = props.imageTag ?? RECONCILER_IMAGE_TAG;
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) {
    throw new Error(`imageTag is "${tag}"; expected up to 128 letters, digits, "_", "." and "-", not starting with "." or "-"`);
  }
  return `${repository}:${tag}`;
}

function mergeResources(overrides: ResourceRequirements | undefined): ResourceRequirements {
  return {
    requests: { ...DEFAULT_CONTROLLER_RESOURCES.requests, ...overrides?.requests },
    limits: { ...DEFAULT_CONTROLLER_RESOURCES.limits, ...overrides?.limits },
  };
}
