import { isIP } from 'node:net';
import { ApiObject } from 'cdk8s';
import * as k8s from '../../imports/k8s';
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
  RECONCILER_WORKLOAD_WRITE_RULES,
  RECONCILER_BETA_CLUSTER_RULES,
  RECONCILER_BETA_WORKLOAD_WRITE_RULES,
  RECONCILER_BETA_ISTIO_CLUSTER_RULES,
  RECONCILER_BETA_ISTIO_WRITE_RULES,
  reconcilerBindRules,
  reconcilerWebhookConfigurationRules,
  reconcilerWebhookSecretRules,
} from '../core/contract/permissions';
import { ConfigError, parseConfig, RECONCILER_API_REVISION_ENV, RECONCILER_CHART_ARGS, RECONCILER_POD_NAME_ENV, RECONCILER_POD_NAMESPACE_ENV, WebhookCertificates } from '../core/contract/flags';
import { validatingWebhooks, WEBHOOK_PORT, WEBHOOK_SERVICE_PORT, WEBHOOK_TIMEOUT_SECONDS, webhookRequestTimeoutMs } from '../core/contract/webhooks';
import { RECONCILER_IMAGE_DIGEST, RECONCILER_IMAGE_REPOSITORY, RECONCILER_IMAGE_TAG } from '../core/contract/image';
import { ApplyOrder, ApplyStage } from './apply-order';
import { ApiRevision, DEFAULT_API_REVISION } from '../core/revision';
import { LABEL_WORKSPACE_NAME } from '../core/api';
import { contextRevision } from './revision-context';
import { WorkspacesCrds } from './crds';
import { addNamespace, PodSecurityLevel } from './namespace';
import {
  CONTROLLER_CLUSTER_ROLE_NAME,
  CONTROLLER_CULLING_CLUSTER_ROLE_NAME,
  CONTROLLER_LEADER_ELECTION_ROLE_NAME,
  CONTROLLER_METRICS_SERVICE_NAME,
  CONTROLLER_NAME,
  CONTROLLER_SELECTOR_LABELS,
  CONTROLLER_WEBHOOK_CERT_ROLE_NAME,
  CONTROLLER_WEBHOOK_CERTIFICATE_NAME,
  CONTROLLER_WEBHOOK_ISSUER_NAME,
  CONTROLLER_WEBHOOK_SECRET_NAME,
  CONTROLLER_WEBHOOK_SERVICE_NAME,
  CONTROLLER_WRITER_CLUSTER_ROLE_NAME,
  WEBHOOK_CONFIGURATION_NAME,
  assertDnsLabel,
  controllerLabels,
  DEFAULT_CONTROLLER_NAMESPACE,
} from './names';
import { mebibytes, quantityErrors, requestAboveLimitErrors, toKubeQuantities } from './quantity';
import { renderPolicyRules } from './rbac';
import { addClusterRole, WorkspacesUserRoles } from './user-roles';

const DEFAULT_CONTROLLER_RESOURCES: ResourceRequirements = {
  // The reconciler stays under 150 MB with 2,000 Workspaces; the limit leaves room for bursts during a full resync.
  requests: { cpu: '50m', memory: '128Mi' },
  limits: { cpu: '500m', memory: '256Mi' },
};

/** Where the admission webhooks' serving certificate comes from, or whether there are webhooks at all. */
export enum AdmissionWebhookMode {
  /**
   * No extra dependency: the controller keeps a CA and serving certificate in a Secret that the chart creates empty,
   * sets the CA bundle of its ValidatingWebhookConfiguration, and issues new ones before they expire.
   */
  SELF_MANAGED = 'self-managed',
  /**
   * As upstream: a cert-manager Issuer (self-signed) and Certificate write the Secret, and cert-manager's CA injector
   * sets the CA bundle. Needs cert-manager in the cluster.
   */
  CERT_MANAGER = 'cert-manager',
  /**
   * No webhooks: nothing stops `kubectl edit` from removing an option that Workspaces use, changing a Workspace's
   * options to ones its kind lacks or breaking a redirect chain; only reviews with `kfws` catch those.
   */
  DISABLED = 'disabled',
}

/** Where the controller may create and patch the StatefulSets and Services of Workspaces. */
export enum ControllerWriteScope {
  /**
   * Only in namespaces whose tenant grants it (a RoleBinding of `kubeflow-workspaces-controller-writer`, which
   * `WorkspacesTenant` makes); Workspaces elsewhere get an Error state saying the permission is missing.
   */
  TENANT_NAMESPACES = 'tenant-namespaces',
  /** In every namespace (a ClusterRoleBinding): a compromised controller could then run any image in any namespace. */
  CLUSTER = 'cluster',
}

/** A destination the controller may send DNS queries to. */
export interface DnsPeer {
  /** Labels of the namespace of the DNS Pods; with `podLabels`, selects them. */
  readonly namespaceLabels?: Record<string, string>;
  /** Labels of the DNS Pods. */
  readonly podLabels?: Record<string, string>;
  /** An address range instead (e.g. a node-local DNS cache on `169.254.20.10/32`). */
  readonly cidr?: string;
}

const DEFAULT_DNS_PEERS: readonly DnsPeer[] = [
  { namespaceLabels: { 'kubernetes.io/metadata.name': 'kube-system' }, podLabels: { 'k8s-app': 'kube-dns' } },
];

/**
 * Private address ranges (RFC 1918): where in-cluster API server endpoints are on most clusters. The default egress
 * to the API server goes nowhere else, so the controller has no path to the internet.
 */
const PRIVATE_CIDRS = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

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
   * Tag of the reconciler image; when given, the image is referenced by this tag alone (no digest), e.g. for an
   * image loaded into the nodes with `kind load` or `ctr images import`.
   * @default - this package's version
   */
  readonly imageTag?: string;
  /**
   * Digest (`sha256:<64 hex digits>`) that pins the image instead of a tag; the reference becomes
   * `repository@digest`.
   * @default - with neither imageTag nor imageDigest given, a package installed from the npm registry pins the image
   * its release published (`repository:version@digest`; the same digest in a mirror that copies it, or built from a
   * clone of the release tag); a checkout of the repository references the image by tag
   */
  readonly imageDigest?: string;
  /**
   * When the kubelet pulls the image.
   * @default ImagePullPolicy.IF_NOT_PRESENT
   */
  readonly imagePullPolicy?: ImagePullPolicy;
  /**
   * The upstream revision of `kubeflow.org/v1beta1` installed (its CRDs).
   * @default ApiRevision.FD7A3D8E
   */
  readonly apiRevision?: ApiRevision;
  /**
   * v2.0.0-beta.0: the ClusterRoles WorkspaceKinds may grant to Workspace ServiceAccounts
   * (`spec.podTemplate.serviceAccount.clusterRoles`). The controller gets `bind` on exactly these, with its workload
   * writes (per tenant namespace by default); a Kind naming another one has its RoleBinding refused, and its
   * Workspaces report it. Upstream grants `bind` on every ClusterRole instead.
   * @default - none: Kinds cannot grant ClusterRoles
   */
  readonly bindableClusterRoles?: string[];
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
   * @default WorkspacesController.DEFAULT_RESOURCES
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
   * CIDRs of the Kubernetes API server endpoints (and of the `kubernetes` Service's ClusterIP where the network
   * plugin filters before address translation): the only destinations of the NetworkPolicy's egress on ports 443 and
   * 6443, and, unless `webhookIngressCidrs` is given, the only sources of its ingress to the webhook port.
   * `['0.0.0.0/0']` allows any address, a deliberate choice for API servers on public addresses that change.
   * @default - the private ranges 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 for egress; ingress to the webhook port
   *   from any address (the API server's source address is not knowable in general)
   */
  readonly apiServerCidrs?: string[];
  /**
   * CIDRs the API server's webhook calls come from: the only sources the NetworkPolicy admits to the webhook port.
   * They differ from `apiServerCidrs` where the calls leave the control plane through another address: a konnectivity
   * or VPN tunnel (the agent Pods' or nodes' addresses), a managed control plane's peering range. Too narrow a
   * value makes every Workspace and WorkspaceKind write fail (the webhooks are fail-closed); see docs/security.md.
   * @default - `apiServerCidrs` when given, else any address
   */
  readonly webhookIngressCidrs?: string[];
  /**
   * Where the controller may send DNS queries (port 53): nowhere else.
   * @default WorkspacesController.DEFAULT_DNS_PEERS (CoreDNS / kube-dns Pods in kube-system)
   */
  readonly dnsPeers?: DnsPeer[];
  /**
   * The admission webhooks (`vworkspace.kb.io`, `vworkspacekind.kb.io`) and where their certificate comes from.
   * @default AdmissionWebhookMode.SELF_MANAGED
   */
  readonly webhook?: AdmissionWebhookMode;
  /**
   * How long the API server waits for a webhook's answer before refusing the request (failurePolicy Fail), 1–30.
   * @default 10
   */
  readonly webhookTimeoutSeconds?: number;
  /**
   * Where the controller may create and patch StatefulSets and Services. It always lists and watches them
   * cluster-wide.
   * @default ControllerWriteScope.TENANT_NAMESPACES
   */
  readonly writeScope?: ControllerWriteScope;
}

/** How much longer than the reconciler's shutdown timeout the Pods get between SIGTERM and SIGKILL. */
const TERMINATION_GRACE_MARGIN_SECONDS = 5;
/** Where the cert-manager Secret is mounted in the controller's container. */
const WEBHOOK_CERT_DIR = '/etc/kfws/webhook-certs';

/**
 * The Workspace controller install: the two CRDs, the controller's namespace (Pod Security `restricted`), its
 * ServiceAccount and RBAC (rendered from the reconciler's own list of API calls), the hardened reconciler Deployment,
 * a metrics Service, a PodDisruptionBudget, a NetworkPolicy, the admission webhooks (Service, registration and
 * certificate plumbing), and the aggregated ClusterRoles for people.
 */
export class WorkspacesController extends Construct {
  /** Requests and limits of the reconciler container, unless overridden. */
  public static readonly DEFAULT_RESOURCES: ResourceRequirements = structuredClone(DEFAULT_CONTROLLER_RESOURCES);
  /** Cluster DNS as most distributions run it: the `kube-dns`-labelled Pods (CoreDNS) in `kube-system`. */
  public static readonly DEFAULT_DNS_PEERS: DnsPeer[] = [...DEFAULT_DNS_PEERS];

  /** The namespace the controller runs in. */
  public readonly namespace: string;
  /** The name of the controller's ServiceAccount (in `namespace`). */
  public readonly serviceAccountName: string;
  /** The image reference the Deployment runs. */
  public readonly image: string;
  /** The upstream revision of `kubeflow.org/v1beta1` installed. */
  public readonly apiRevision: ApiRevision;
  /** v2.0.0-beta.0: the ClusterRoles the controller may bind to Workspace ServiceAccounts. */
  public readonly bindableClusterRoles: string[];
  private useIstio = false;
  /** The CRDs. */
  public readonly crds: WorkspacesCrds;
  /** The reconciler Deployment. */
  public readonly deployment: ApiObject;
  /** The admission webhooks' certificate mode. */
  public readonly webhookMode: AdmissionWebhookMode;

  constructor(scope: Construct, id: string, props: WorkspacesControllerProps = {}) {
    super(scope, id);
    ApplyOrder.assignStage(this, ApplyStage.CONTROLLER);
    this.namespace = props.namespace ?? DEFAULT_CONTROLLER_NAMESPACE;
    this.apiRevision = props.apiRevision ?? contextRevision(this) ?? DEFAULT_API_REVISION;
    const beta = this.apiRevision === ApiRevision.V2_0_0_BETA_0;
    if (!beta && props.bindableClusterRoles !== undefined) {
      throw new Error(`bindableClusterRoles is a setting of ${ApiRevision.V2_0_0_BETA_0}, and this install is of ${this.apiRevision}; expected apiRevision ${ApiRevision.V2_0_0_BETA_0}, or no bindableClusterRoles`);
    }
    this.bindableClusterRoles = [...new Set(props.bindableClusterRoles ?? [])].sort();
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
    this.webhookMode = props.webhook ?? AdmissionWebhookMode.SELF_MANAGED;

    // Created in the order a reader (and a one-pass apply) wants them: the namespace and CRDs first, isolation and
    // disruption rules before the Pods they cover, identity and permissions before the Deployment that uses them.
    addNamespace(this, 'Namespace', namespace, PodSecurityLevel.RESTRICTED, labels);
    this.crds = new WorkspacesCrds(this, 'Crds', { apiRevision: this.apiRevision });
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
    const istio = beta && this.usesIstio(props);
    addClusterRole(
      this,
      'ClusterRole',
      CONTROLLER_CLUSTER_ROLE_NAME,
      [...RECONCILER_CLUSTER_RULES, ...(beta ? RECONCILER_BETA_CLUSTER_RULES : []), ...(istio ? RECONCILER_BETA_ISTIO_CLUSTER_RULES : [])],
      labels,
    );
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
    this.addWriterRole(props.writeScope ?? ControllerWriteScope.TENANT_NAMESPACES, labels);
    if (this.webhookMode !== AdmissionWebhookMode.DISABLED) {
      this.addWebhook(props, labels);
    }
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
    if (props.apiServerCidrs && props.apiServerCidrs.length === 0) {
      throw new Error(`${this.node.path}: apiServerCidrs is []; expected at least one CIDR (['0.0.0.0/0'] for any address), or leave it out for the private ranges`);
    }
    for (const cidr of props.apiServerCidrs ?? []) {
      assertCidr(this, 'apiServerCidrs', cidr);
    }
    if (props.webhookIngressCidrs) {
      if (this.webhookMode === AdmissionWebhookMode.DISABLED) {
        throw new Error(`${this.node.path}: webhookIngressCidrs is set but webhook is AdmissionWebhookMode.DISABLED; expected no webhookIngressCidrs (there is no webhook port to admit), or a webhook mode`);
      }
      if (props.webhookIngressCidrs.length === 0) {
        throw new Error(`${this.node.path}: webhookIngressCidrs is []; expected at least one CIDR (['0.0.0.0/0', '::/0'] for any address), or leave it out to follow apiServerCidrs`);
      }
      for (const cidr of props.webhookIngressCidrs) {
        assertCidr(this, 'webhookIngressCidrs', cidr);
      }
    }
    const dnsPeers = props.dnsPeers ?? DEFAULT_DNS_PEERS;
    if (dnsPeers.length === 0) {
      throw new Error(`${this.node.path}: dnsPeers is []; expected at least one (the controller resolves the API server's name), or leave it out for the cluster DNS`);
    }
    const scrapers = sortedMap(props.metricsScraperNamespaceLabels);
    const apiServerPeers = [...(props.apiServerCidrs ?? PRIVATE_CIDRS)].sort().map(cidr => ({ ipBlock: { cidr } }));
    const ingress: k8s.NetworkPolicyIngressRule[] = [];
    if (scrapers) {
      ingress.push({
        from: [{ namespaceSelector: { matchLabels: scrapers } }],
        ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(RECONCILER_METRICS_PORT) }],
      });
    }
    if (this.webhookMode !== AdmissionWebhookMode.DISABLED) {
      // The API server calls the webhooks. Where it calls from is only known when its addresses are given.
      const webhookCallers = props.webhookIngressCidrs ?? props.apiServerCidrs;
      ingress.push({
        from: webhookCallers ? [...new Set(webhookCallers)].sort().map(cidr => ({ ipBlock: { cidr } })) : undefined,
        ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(WEBHOOK_PORT) }],
      });
    }
    new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: { name: CONTROLLER_NAME, namespace: this.namespace, labels },
      spec: {
        podSelector: { matchLabels: { ...CONTROLLER_SELECTOR_LABELS } },
        policyTypes: ['Ingress', 'Egress'],
        // Only the API server (webhooks) and the configured metrics scrapers are admitted. With neither there is no
        // rule, and with policyType Ingress that admits no ingress at all (left out rather than `[]`, which the server
        // drops, so that applying it again changes nothing). The kubelet's health probes come from the Pod's own
        // node, which NetworkPolicy always admits (see docs/platform.md for plugins set to filter that too).
        ingress: ingress.length > 0 ? ingress : undefined,
        egress: [
          // The API server is the reconciler's only peer: Workspace Pods are reached through it (services/proxy,
          // pods/exec). 443 is the `kubernetes` Service; 6443 is the usual endpoint port behind it, which policies
          // enforced after the Service's address translation see instead.
          {
            to: apiServerPeers,
            ports: [443, 6443].map(port => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) })),
          },
          // DNS, to resolve the API server's name: the cluster DNS only.
          {
            to: dnsPeers.map(peer => dnsPeerOf(this, peer)),
            ports: ['UDP', 'TCP'].map(protocol => ({ protocol, port: k8s.IntOrString.fromNumber(53) })),
          },
          // v2.0.0-beta.0's Jupyter activity probe GETs the Pod's own address and port: Workspace Pods only (every Pod
          // the controller renders carries the workspace-name label), in any namespace, on any port a Kind declares.
          ...(this.apiRevision === ApiRevision.V2_0_0_BETA_0
            ? [{
              to: [{
                namespaceSelector: {},
                podSelector: { matchExpressions: [{ key: LABEL_WORKSPACE_NAME, operator: 'Exists' }] },
              }],
              ports: [{ protocol: 'TCP' }],
            }]
            : []),
        ],
      },
    });
  }

  /** Whether the reconciler's arguments turn on its VirtualServices (`--use-istio`, beta only). */
  private usesIstio(props: WorkspacesControllerProps): boolean {
    try {
      this.useIstio = parseConfig(props.additionalArgs ?? [], this.revisionEnv()).useIstio;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err; // reported with the node path by addDeployment
    }
    return this.useIstio;
  }

  /** The reconciler's `--api-revision` environment: set only for a non-default revision (fd7a3d8e output unchanged). */
  private revisionEnv(): Record<string, string> {
    return this.apiRevision === DEFAULT_API_REVISION ? {} : { [RECONCILER_API_REVISION_ENV]: this.apiRevision };
  }

  /**
   * The ClusterRole of the StatefulSet and Service writes: bound here cluster-wide only when asked to; by default
   * each tenant binds it in its namespace.
   */
  private addWriterRole(scope: ControllerWriteScope, labels: Record<string, string>): void {
    const beta = this.apiRevision === ApiRevision.V2_0_0_BETA_0;
    const writes = beta
      ? [
        ...RECONCILER_WORKLOAD_WRITE_RULES,
        ...RECONCILER_BETA_WORKLOAD_WRITE_RULES,
        ...(this.useIstio ? RECONCILER_BETA_ISTIO_WRITE_RULES : []),
        ...reconcilerBindRules(this.bindableClusterRoles),
      ]
      : RECONCILER_WORKLOAD_WRITE_RULES;
    addClusterRole(this, 'WriterClusterRole', CONTROLLER_WRITER_CLUSTER_ROLE_NAME, writes, labels);
    if (scope === ControllerWriteScope.CLUSTER) {
      new ClusterScopedApiObject(this, 'WriterClusterRoleBinding', {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: CONTROLLER_WRITER_CLUSTER_ROLE_NAME, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: CONTROLLER_WRITER_CLUSTER_ROLE_NAME },
        subjects: [{ kind: 'ServiceAccount', name: this.serviceAccountName, namespace: this.namespace }],
      });
    }
  }

  /**
   * The webhook Service, the ValidatingWebhookConfiguration, and the certificate plumbing of the mode: the empty
   * Secret and the controller's by-name access to it and to the configuration (self-managed), or cert-manager's
   * Issuer and Certificate with CA injection.
   */
  private addWebhook(props: WorkspacesControllerProps, labels: Record<string, string>): void {
    const namespace = this.namespace;
    const timeoutSeconds = props.webhookTimeoutSeconds ?? WEBHOOK_TIMEOUT_SECONDS;
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 30) {
      throw new Error(`${this.node.path}: webhookTimeoutSeconds is ${timeoutSeconds}; expected a whole number from 1 to 30 (the API server's limit)`);
    }
    const webhookLabels = { ...labels, 'app.kubernetes.io/component': 'webhook' };
    new k8s.KubeService(this, 'WebhookService', {
      metadata: { name: CONTROLLER_WEBHOOK_SERVICE_NAME, namespace, labels: webhookLabels },
      spec: {
        selector: { ...CONTROLLER_SELECTOR_LABELS },
        ports: [{ name: 'webhook', port: WEBHOOK_SERVICE_PORT, protocol: 'TCP', targetPort: k8s.IntOrString.fromString('webhook') }],
      },
    });
    const certManager = this.webhookMode === AdmissionWebhookMode.CERT_MANAGER;
    if (certManager) {
      new ApiObject(this, 'WebhookIssuer', {
        apiVersion: 'cert-manager.io/v1',
        kind: 'Issuer',
        metadata: { name: CONTROLLER_WEBHOOK_ISSUER_NAME, namespace, labels: webhookLabels },
        spec: { selfSigned: {} },
      });
      new ApiObject(this, 'WebhookCertificate', {
        apiVersion: 'cert-manager.io/v1',
        kind: 'Certificate',
        metadata: { name: CONTROLLER_WEBHOOK_CERTIFICATE_NAME, namespace, labels: webhookLabels },
        spec: {
          dnsNames: webhookHosts(namespace),
          issuerRef: { kind: 'Issuer', name: CONTROLLER_WEBHOOK_ISSUER_NAME },
          secretName: CONTROLLER_WEBHOOK_SECRET_NAME,
        },
      });
    } else {
      // Filled by the controller; `kubectl apply` and GitOps tools leave the data alone, since the chart sets none.
      new k8s.KubeSecret(this, 'WebhookSecret', {
        metadata: { name: CONTROLLER_WEBHOOK_SECRET_NAME, namespace, labels: webhookLabels },
        type: 'Opaque',
      });
      new ApiObject(this, 'WebhookCertRole', {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: CONTROLLER_WEBHOOK_CERT_ROLE_NAME, namespace, labels },
        rules: renderPolicyRules(reconcilerWebhookSecretRules(CONTROLLER_WEBHOOK_SECRET_NAME)),
      });
      new k8s.KubeRoleBinding(this, 'WebhookCertRoleBinding', {
        metadata: { name: CONTROLLER_WEBHOOK_CERT_ROLE_NAME, namespace, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: CONTROLLER_WEBHOOK_CERT_ROLE_NAME },
        subjects: [{ kind: 'ServiceAccount', name: this.serviceAccountName, namespace }],
      });
      addClusterRole(this, 'WebhookConfigurationClusterRole', WEBHOOK_CONFIGURATION_NAME, reconcilerWebhookConfigurationRules(WEBHOOK_CONFIGURATION_NAME), labels);
      new ClusterScopedApiObject(this, 'WebhookConfigurationClusterRoleBinding', {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: WEBHOOK_CONFIGURATION_NAME, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: WEBHOOK_CONFIGURATION_NAME },
        subjects: [{ kind: 'ServiceAccount', name: this.serviceAccountName, namespace }],
      });
    }
    new ClusterScopedApiObject(this, 'ValidatingWebhookConfiguration', {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: {
        name: WEBHOOK_CONFIGURATION_NAME,
        labels: webhookLabels,
        annotations: certManager ? { 'cert-manager.io/inject-ca-from': `${namespace}/${CONTROLLER_WEBHOOK_CERTIFICATE_NAME}` } : undefined,
      },
      // No caBundle: the controller (or cert-manager) sets it, and re-applying the chart leaves it alone.
      webhooks: validatingWebhooks({
        timeoutSeconds,
        clientConfig: w => ({ service: { name: CONTROLLER_WEBHOOK_SERVICE_NAME, namespace, path: w.path, port: WEBHOOK_SERVICE_PORT } }),
      }),
    });
  }

  /** The reconciler flags of the webhook mode; the request timeout follows the registration's. */
  private webhookArgs(timeoutSeconds: number): string[] {
    const timeout = `--webhook-request-timeout=${webhookRequestTimeoutMs(timeoutSeconds)}ms`;
    switch (this.webhookMode) {
      case AdmissionWebhookMode.DISABLED:
        return [];
      case AdmissionWebhookMode.CERT_MANAGER:
        return [`--webhook-port=${WEBHOOK_PORT}`, timeout, `--webhook-certificates=${WebhookCertificates.FILES}`, `--webhook-cert-dir=${WEBHOOK_CERT_DIR}`];
      default:
        return [
          `--webhook-port=${WEBHOOK_PORT}`,
          timeout,
          `--webhook-certificates=${WebhookCertificates.SELF_MANAGED}`,
          `--webhook-secret=${CONTROLLER_WEBHOOK_SECRET_NAME}`,
          `--webhook-configuration=${WEBHOOK_CONFIGURATION_NAME}`,
          `--webhook-hosts=${webhookHosts(this.namespace).join(',')}`,
        ];
    }
  }

  private addDeployment(props: WorkspacesControllerProps, replicas: number, resources: ResourceRequirements, labels: Record<string, string>): ApiObject {
    const selector = { matchLabels: { ...CONTROLLER_SELECTOR_LABELS } };
    const hostname = 'kubernetes.io/hostname';
    const timeoutSeconds = props.webhookTimeoutSeconds ?? WEBHOOK_TIMEOUT_SECONDS;
    const args = [...RECONCILER_CHART_ARGS, ...this.webhookArgs(timeoutSeconds), ...(props.additionalArgs ?? [])];
    let shutdownTimeoutMs: number;
    try {
      const config = parseConfig(args, this.revisionEnv());
      shutdownTimeoutMs = config.shutdownTimeoutMs;
      if (config.webhookPort > 0 && config.webhookRequestTimeoutMs >= timeoutSeconds * 1000) {
        throw new ConfigError(`--webhook-request-timeout is ${config.webhookRequestTimeoutMs}ms; expected under webhookTimeoutSeconds (${timeoutSeconds}s), after which the API server has given up on the request`);
      }
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      throw new Error(`${this.node.path}: the reconciler would refuse its arguments ${JSON.stringify(args)}: ${err.message}`);
    }
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
            // Longer than the reconciler's shutdown timeout: it drains the webhook and its work, then exits by itself.
            terminationGracePeriodSeconds: Math.ceil(shutdownTimeoutMs / 1000) + TERMINATION_GRACE_MARGIN_SECONDS,
            containers: [{
              name: 'reconciler',
              image: this.image,
              imagePullPolicy: props.imagePullPolicy ?? ImagePullPolicy.IF_NOT_PRESENT,
              args,
              env: [
                // apiVersion as the server defaults it: fieldRef is an atomic struct, so without it every server-side
                // apply would conflict with (and replace) the stored one
                { name: RECONCILER_POD_NAMESPACE_ENV, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
                { name: RECONCILER_POD_NAME_ENV, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
                // V8 sizes its heap from the node's memory, not the container's limit: keep it under the limit so
                // the garbage collector works harder before the kernel kills the Pod.
                { name: 'NODE_OPTIONS', value: `--max-old-space-size=${Math.floor(mebibytes(resources.limits!.memory) * 0.75)}` },
                // The revision of the CRDs this install deploys (fd7a3d8e is the reconciler's default: not written).
                ...Object.entries(this.revisionEnv()).map(([name, value]) => ({ name, value })),
              ],
              ports: [
                { name: 'metrics', containerPort: RECONCILER_METRICS_PORT, protocol: 'TCP' },
                { name: 'health', containerPort: RECONCILER_HEALTH_PORT, protocol: 'TCP' },
                ...(this.webhookMode === AdmissionWebhookMode.DISABLED ? [] : [{ name: 'webhook', containerPort: WEBHOOK_PORT, protocol: 'TCP' }]),
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
              volumeMounts: [
                { name: 'tmp', mountPath: '/tmp' },
                ...(this.webhookMode === AdmissionWebhookMode.CERT_MANAGER ? [{ name: 'webhook-certs', mountPath: WEBHOOK_CERT_DIR, readOnly: true }] : []),
              ],
            }],
            volumes: [
              // The root filesystem is read-only; Node and its libraries may still need a scratch directory.
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
              ...(this.webhookMode === AdmissionWebhookMode.CERT_MANAGER
                ? [{ name: 'webhook-certs', secret: { secretName: CONTROLLER_WEBHOOK_SECRET_NAME, defaultMode: 0o440 } }]
                : []),
            ],
          },
        },
      },
    });
  }
}

/** The names the API server uses for the webhook Service. */
function webhookHosts(namespace: string): string[] {
  const service = `${CONTROLLER_WEBHOOK_SERVICE_NAME}.${namespace}.svc`;
  return [service, `${service}.cluster.local`];
}

function assertCidr(scope: Construct, field: string, cidr: string): void {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F:]+)\/(\d{1,3})$/.exec(cidr);
  const v4 = m && m[1].includes('.');
  const ok = m && (v4
    ? m[1].split('.').every(octet => Number(octet) <= 255) && Number(m[2]) <= 32
    : isIP(m[1]) === 6 && Number(m[2]) <= 128);
  if (!ok) {
    throw new Error(`${scope.node.path}: ${field} has "${cidr}"; expected a CIDR such as "10.0.0.1/32" or "fd00::/8"`);
  }
}

function dnsPeerOf(scope: Construct, peer: DnsPeer): k8s.NetworkPolicyPeer {
  if (peer.cidr !== undefined) {
    if (peer.namespaceLabels || peer.podLabels) {
      throw new Error(`${scope.node.path}: a dnsPeers entry has cidr and labels; expected either a cidr or namespace/pod labels`);
    }
    assertCidr(scope, 'dnsPeers', peer.cidr);
    return { ipBlock: { cidr: peer.cidr } };
  }
  const namespaceLabels = sortedMap(peer.namespaceLabels);
  const podLabels = sortedMap(peer.podLabels);
  if (!namespaceLabels || !podLabels) {
    throw new Error(`${scope.node.path}: a dnsPeers entry needs namespaceLabels and podLabels (each non-empty), or a cidr`);
  }
  return { namespaceSelector: { matchLabels: namespaceLabels }, podSelector: { matchLabels: podLabels } };
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
  // The released image, named by its tag for people and pinned by its digest for the kubelet.
  if (props.imageTag === undefined && RECONCILER_IMAGE_DIGEST !== undefined) return `${repository}:${tag}@${RECONCILER_IMAGE_DIGEST}`;
  return `${repository}:${tag}`;
}

function mergeResources(overrides: ResourceRequirements | undefined): ResourceRequirements {
  return {
    requests: { ...DEFAULT_CONTROLLER_RESOURCES.requests, ...overrides?.requests },
    limits: { ...DEFAULT_CONTROLLER_RESOURCES.limits, ...overrides?.limits },
  };
}
