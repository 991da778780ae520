/**
 * Thin Kubernetes types for the parts of a pod that a WorkspaceKind carries verbatim (probes, env, volumes, security
 * contexts, scheduling, resources).
 *
 * They mirror the Kubernetes JSON field names one to one, so what you write is what lands in the YAML, and they
 * belong to this package: moving to a newer cdk8s-plus or Kubernetes release never changes them in a breaking way.
 * Every value is checked at synth time against the schema of the CRD (which embeds the upstream Kubernetes schemas),
 * so a misspelt field or a malformed quantity fails `cdk8s synth` instead of `kubectl apply`.
 *
 * Quantities (`cpu`, `memory`, `storage`, ...) are Kubernetes quantity strings such as `500m`, `2Gi`, `1`.
 */

/** When the kubelet pulls a container image. */
export enum ImagePullPolicy {
  ALWAYS = 'Always',
  IF_NOT_PRESENT = 'IfNotPresent',
  NEVER = 'Never',
}

/** How a toleration matches a taint's value. */
export enum TolerationOperator {
  EXISTS = 'Exists',
  EQUAL = 'Equal',
}

/** The taint effect a toleration applies to. */
export enum TaintEffect {
  NO_SCHEDULE = 'NoSchedule',
  PREFER_NO_SCHEDULE = 'PreferNoSchedule',
  NO_EXECUTE = 'NoExecute',
}

/** Kind of seccomp profile. */
export enum SeccompProfileType {
  RUNTIME_DEFAULT = 'RuntimeDefault',
  LOCALHOST = 'Localhost',
  UNCONFINED = 'Unconfined',
}

/** Medium backing an emptyDir volume. */
export enum EmptyDirMedium {
  /** The node's default medium (disk). */
  DEFAULT = '',
  /** tmpfs (RAM-backed). */
  MEMORY = 'Memory',
}

export interface KeyToPath {
  readonly key: string;
  readonly path: string;
  readonly mode?: number;
}

export interface ObjectKeySelector {
  readonly name: string;
  readonly key: string;
  readonly optional?: boolean;
}

export interface ObjectFieldSelector {
  readonly fieldPath: string;
  readonly apiVersion?: string;
}

export interface ResourceFieldSelector {
  readonly resource: string;
  readonly containerName?: string;
  readonly divisor?: string;
}

export interface EnvVarSource {
  readonly configMapKeyRef?: ObjectKeySelector;
  readonly secretKeyRef?: ObjectKeySelector;
  readonly fieldRef?: ObjectFieldSelector;
  readonly resourceFieldRef?: ResourceFieldSelector;
}

/**
 * An environment variable of the Workspace container.
 *
 * A `value` is a template: `{{ httpPathPrefix "<port id>" }}` expands to the Workspace's HTTP path prefix for that
 * port, e.g. `/workspace/<namespace>/<workspace>/<port id>/`.
 */
export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: EnvVarSource;
}

export interface HttpHeader {
  readonly name: string;
  readonly value: string;
}

export interface HttpGetAction {
  readonly path?: string;
  /** A port number or a named port. */
  readonly port: number | string;
  readonly host?: string;
  readonly scheme?: string;
  readonly httpHeaders?: HttpHeader[];
}

export interface ExecAction {
  readonly command: string[];
}

export interface TcpSocketAction {
  readonly port: number | string;
  readonly host?: string;
}

export interface GrpcAction {
  readonly port: number;
  readonly service?: string;
}

/** A container probe (startup, liveness or readiness). */
export interface Probe {
  readonly httpGet?: HttpGetAction;
  readonly exec?: ExecAction;
  readonly tcpSocket?: TcpSocketAction;
  readonly grpc?: GrpcAction;
  readonly initialDelaySeconds?: number;
  readonly periodSeconds?: number;
  readonly timeoutSeconds?: number;
  readonly successThreshold?: number;
  readonly failureThreshold?: number;
  readonly terminationGracePeriodSeconds?: number;
}

export interface EmptyDirVolumeSource {
  readonly medium?: EmptyDirMedium;
  readonly sizeLimit?: string;
}

export interface ConfigMapVolumeSource {
  readonly name: string;
  readonly items?: KeyToPath[];
  readonly defaultMode?: number;
  readonly optional?: boolean;
}

export interface SecretVolumeSource {
  readonly secretName: string;
  readonly items?: KeyToPath[];
  readonly defaultMode?: number;
  readonly optional?: boolean;
}

export interface PersistentVolumeClaimVolumeSource {
  readonly claimName: string;
  readonly readOnly?: boolean;
}

export interface DownwardApiVolumeFile {
  readonly path: string;
  readonly fieldRef?: ObjectFieldSelector;
  readonly resourceFieldRef?: ResourceFieldSelector;
  readonly mode?: number;
}

export interface DownwardApiVolumeSource {
  readonly items?: DownwardApiVolumeFile[];
  readonly defaultMode?: number;
}

export interface CsiVolumeSource {
  readonly driver: string;
  readonly readOnly?: boolean;
  readonly fsType?: string;
  readonly volumeAttributes?: Record<string, string>;
  readonly nodePublishSecretRef?: LocalObjectReference;
}

/** A reference to an object by name, in the same namespace. */
export interface LocalObjectReference {
  readonly name: string;
}

/** A pod volume. Set exactly one source. */
export interface Volume {
  readonly name: string;
  readonly emptyDir?: EmptyDirVolumeSource;
  readonly configMap?: ConfigMapVolumeSource;
  readonly secret?: SecretVolumeSource;
  readonly persistentVolumeClaim?: PersistentVolumeClaimVolumeSource;
  readonly downwardAPI?: DownwardApiVolumeSource;
  readonly csi?: CsiVolumeSource;
}

export interface VolumeMount {
  readonly name: string;
  readonly mountPath: string;
  readonly subPath?: string;
  readonly readOnly?: boolean;
}

export interface Capabilities {
  readonly add?: string[];
  readonly drop?: string[];
}

export interface SeccompProfile {
  readonly type: SeccompProfileType;
  readonly localhostProfile?: string;
}

export interface SeLinuxOptions {
  readonly level?: string;
  readonly role?: string;
  readonly type?: string;
  readonly user?: string;
}

/** Security settings of the Workspace container. */
export interface ContainerSecurityContext {
  readonly allowPrivilegeEscalation?: boolean;
  readonly capabilities?: Capabilities;
  readonly privileged?: boolean;
  readonly readOnlyRootFilesystem?: boolean;
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly runAsGroup?: number;
  readonly seccompProfile?: SeccompProfile;
  readonly seLinuxOptions?: SeLinuxOptions;
}

export interface Sysctl {
  readonly name: string;
  readonly value: string;
}

/** Security settings of the Workspace pod. */
export interface PodSecurityContext {
  readonly fsGroup?: number;
  readonly fsGroupChangePolicy?: string;
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly runAsGroup?: number;
  readonly supplementalGroups?: number[];
  readonly seccompProfile?: SeccompProfile;
  readonly seLinuxOptions?: SeLinuxOptions;
  readonly sysctls?: Sysctl[];
}

export interface Toleration {
  readonly key?: string;
  readonly operator?: TolerationOperator;
  readonly value?: string;
  readonly effect?: TaintEffect;
  readonly tolerationSeconds?: number;
}

/** Compute resources of the Workspace container; keys are resource names (`cpu`, `memory`, `nvidia.com/gpu`, ...). */
export interface ResourceRequirements {
  readonly requests?: Record<string, string>;
  readonly limits?: Record<string, string>;
}

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: string;
  readonly values?: string[];
}

export interface LabelSelector {
  readonly matchLabels?: Record<string, string>;
  readonly matchExpressions?: LabelSelectorRequirement[];
}

export interface NodeSelectorRequirement {
  readonly key: string;
  readonly operator: string;
  readonly values?: string[];
}

export interface NodeSelectorTerm {
  readonly matchExpressions?: NodeSelectorRequirement[];
  readonly matchFields?: NodeSelectorRequirement[];
}

/** Node selector terms, of which a node must match at least one. */
export interface NodeSelector {
  readonly nodeSelectorTerms: NodeSelectorTerm[];
}

/** A node selector term with the weight it adds to the nodes that match it. */
export interface PreferredSchedulingTerm {
  readonly weight: number;
  readonly preference: NodeSelectorTerm;
}

export interface NodeAffinity {
  readonly requiredDuringSchedulingIgnoredDuringExecution?: NodeSelector;
  readonly preferredDuringSchedulingIgnoredDuringExecution?: PreferredSchedulingTerm[];
}

export interface PodAffinityTerm {
  readonly topologyKey: string;
  readonly labelSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
  readonly namespaces?: string[];
}

/** A pod affinity term with the weight it adds to the nodes that match it. */
export interface WeightedPodAffinityTerm {
  readonly weight: number;
  readonly podAffinityTerm: PodAffinityTerm;
}

export interface PodAffinity {
  readonly requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[];
  readonly preferredDuringSchedulingIgnoredDuringExecution?: WeightedPodAffinityTerm[];
}

/** Scheduling constraints of the Workspace pod. */
export interface Affinity {
  readonly nodeAffinity?: NodeAffinity;
  readonly podAffinity?: PodAffinity;
  readonly podAntiAffinity?: PodAffinity;
}
