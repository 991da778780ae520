/**
 * Wire types of the kubeflow.org/v1beta1 API (Workspace and WorkspaceKind) as they appear in YAML/JSON.
 *
 * One set of types serves both upstream revisions (`ApiRevision`): a field that exists in only one of them is
 * optional here and documented with the revision that has it ("fd7a3d8e only", "v2.0.0-beta.0 only"). Whether a
 * given object may carry it is decided by the revision's schema and validation (lib/core/validation), never by
 * these types.
 *
 * These are the shapes that the validation rules, the renderer and the reconciler work on. They are plain data:
 * the constructs build them, the CLI parses them from YAML and the reconciler reads them from the API server.
 * Embedded Kubernetes core types (Probe, EnvVar, Volume, ...) are kept as JSON objects: the CRD schema that the
 * validator loads (generated from `crd-definition.ts`) describes them fully.
 */

export const API_GROUP = 'kubeflow.org';
export const API_VERSION = 'kubeflow.org/v1beta1';
export const WORKSPACE_KIND = 'Workspace';
export const WORKSPACEKIND_KIND = 'WorkspaceKind';

/** Label put on every object the controller owns and read on Pods to map them back to their Workspace. */
export const LABEL_WORKSPACE_NAME = 'notebooks.kubeflow.org/workspace-name';
/** Second selector label of a Workspace's Pod (the key is literally `statefulset`). */
export const LABEL_STATEFULSET = 'statefulset';
/** Finalizer that keeps a WorkspaceKind while Workspaces still use it. */
export const FINALIZER_WORKSPACEKIND_PROTECTION = 'notebooks.kubeflow.org/workspacekind-protection';

/** Any JSON object. */
export interface JsonObject {
  [key: string]: unknown;
}

export interface OwnerReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
  readonly controller?: boolean;
  readonly blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  readonly name?: string;
  readonly generateName?: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
  readonly generation?: number;
  readonly creationTimestamp?: string;
  readonly deletionTimestamp?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly finalizers?: string[];
  readonly ownerReferences?: OwnerReference[];
}

// ---------------------------------------------------------------------------------------------------------------
// WorkspaceKind
// ---------------------------------------------------------------------------------------------------------------

export interface WorkspaceKindObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: ObjectMeta;
  readonly spec?: WorkspaceKindSpec;
  readonly status?: WorkspaceKindStatus;
}

export interface WorkspaceKindSpec {
  readonly spawner: WorkspaceKindSpawner;
  readonly podTemplate: WorkspaceKindPodTemplate;
  /** v2.0.0-beta.0 only: culling rules, first match wins (atomic list, order matters). */
  readonly activityRules?: ActivityRule[];
  /** v2.0.0-beta.0 only: stored and validated, evaluated by upstream's backend API only (atomic list). */
  readonly filterRules?: FilterRule[];
}

/** The only `mediaType` of an icon or logo ConfigMap at v2.0.0-beta.0. */
export const ASSET_MEDIA_TYPE_SVG = 'image/svg+xml';

/** Label a ConfigMap needs before the v2.0.0-beta.0 controller reads an icon or logo from it. */
export const LABEL_IMAGE_SOURCE = 'notebooks.kubeflow.org/image-source';

export interface ConfigMapKeyRef {
  readonly name: string;
  readonly key: string;
  /** Namespace of the ConfigMap. Required at v2.0.0-beta.0, absent at fd7a3d8e. */
  readonly namespace?: string;
  /** Media type of the value: `image/svg+xml` only. Required at v2.0.0-beta.0, absent at fd7a3d8e. */
  readonly mediaType?: string;
}

/** Exactly one of `url` or `configMap` (CEL rule of the CRD). Upstream's Go type is `WorkspaceKindAsset` at the beta. */
export interface WorkspaceKindIcon {
  readonly url?: string;
  readonly configMap?: ConfigMapKeyRef;
}

export interface WorkspaceKindSpawner {
  readonly displayName: string;
  readonly description: string;
  readonly hidden?: boolean;
  readonly deprecated?: boolean;
  readonly deprecationMessage?: string;
  readonly icon: WorkspaceKindIcon;
  readonly logo: WorkspaceKindIcon;
}

export interface PodMetadata {
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

/** fd7a3d8e only: the probe of `spec.podTemplate.culling` (exactly one of `exec` or `jupyter`). */
export interface ActivityProbe {
  readonly exec?: { readonly command: string[] };
  readonly jupyter?: { readonly lastActivity: boolean };
}

/** fd7a3d8e only: `spec.podTemplate.culling` (replaced by `activityProbe` and `spec.activityRules` at the beta). */
export interface WorkspaceKindCulling {
  readonly enabled?: boolean;
  readonly maxInactiveSeconds?: number;
  readonly activityProbe: ActivityProbe;
}

// --- v2.0.0-beta.0: activity probe, activity rules, filter rules, ServiceAccount cluster roles -----------------

/** CRD defaults of `spec.podTemplate.activityProbe` (v2.0.0-beta.0). */
export const DEFAULT_PROBE_INTERVAL_SECONDS = 3600;
export const DEFAULT_MIN_PROBE_INTERVAL_SECONDS = 300;
export const DEFAULT_POD_EXEC_TIMEOUT_SECONDS = 60;
/** Bounds of `minProbeIntervalSeconds` / `probeIntervalSeconds` (one year). */
export const MAX_PROBE_INTERVAL_SECONDS = 31536000;
/** Minimum of `spec.activityRules[].config.secondsSinceActive`. */
export const MIN_SECONDS_SINCE_ACTIVE = 16;

/** Runs `script` in the Workspace's `main` container; it may write `{"has_activity"|"last_activity"}` to `$OUTPUT_JSON_PATH`. */
export interface PodExecActivityProbe {
  /** 1–2048 characters, starting with a valid shebang line (webhook). */
  readonly script: string;
  /** Default 60, minimum 1. */
  readonly timeoutSeconds?: number;
}

/** GETs `<connect path of portId>/api/status` and reads Jupyter's `last_activity`. */
export interface JupyterActivityProbe {
  /** Must be true (CEL). */
  readonly lastActivity: boolean;
  /** A Kind `ports[].id` (webhook). */
  readonly portId: string;
}

/** v2.0.0-beta.0 only: `spec.podTemplate.activityProbe` (exactly one of `podExec` or `jupyter`, CEL). */
export interface WorkspaceKindActivityProbe {
  /** Default 300, 1–31536000, at most `probeIntervalSeconds` (CEL, after defaulting). */
  readonly minProbeIntervalSeconds?: number;
  /** Default 3600, 1–31536000. */
  readonly probeIntervalSeconds?: number;
  readonly podExec?: PodExecActivityProbe;
  readonly jupyter?: JupyterActivityProbe;
}

/** A Kubernetes `metav1.LabelSelector` as JSON. */
export interface LabelSelector {
  readonly matchLabels?: Record<string, string>;
  readonly matchExpressions?: LabelSelectorRequirement[];
}

export interface LabelSelectorRequirement {
  readonly key: string;
  /** `In`, `NotIn`, `Exists` or `DoesNotExist`. */
  readonly operator: string;
  readonly values?: string[];
}

export interface SelectorMatch {
  readonly selector: LabelSelector;
}

/** Absent, `{}` or with neither member: a catch-all. Both members: both must match. */
export interface ActivityRuleMatch {
  /** Tested against the labels of the Workspace's namespace. */
  readonly matchNamespace?: SelectorMatch;
  /** Tested against the selected podConfig's `spawner.labels`. */
  readonly matchPodConfig?: SelectorMatch;
}

export interface ActivityRuleConfig {
  /** Minimum 16. */
  readonly secondsSinceActive: number;
  /** Default 0, minimum 0. */
  readonly minRunningSeconds?: number;
}

export interface ActivityRuleEffect {
  /** true: pause when eligible; false: exempt (stops evaluation). Required by CEL. */
  readonly pauseWorkspace?: boolean;
}

/** v2.0.0-beta.0 only: one entry of `spec.activityRules`. */
export interface ActivityRule {
  readonly config: ActivityRuleConfig;
  readonly match?: ActivityRuleMatch;
  readonly effect: ActivityRuleEffect;
}

/** `spec.filterRules[].scope` values. */
export enum FilterRuleScope {
  WORKSPACE_KIND = 'WORKSPACE_KIND',
  POD_CONFIG = 'POD_CONFIG',
  IMAGE_CONFIG = 'IMAGE_CONFIG',
}

export interface FilterRuleApiEffect {
  readonly hide?: boolean;
  readonly deny?: boolean;
  /** Only when `deny` is true (CEL); text 2–1024. */
  readonly denyMessage?: { readonly text: string };
}

/** At least one of `ui` or `api` (CEL), and at least one flag true (webhook). */
export interface FilterRuleEffect {
  readonly ui?: { readonly hide: boolean };
  readonly api?: FilterRuleApiEffect;
}

/** Exactly one member (CEL); `matchImageConfig`/`matchPodConfig` only with scope POD_CONFIG or IMAGE_CONFIG (webhook). */
export interface FilterRuleMatch {
  readonly matchNamespace?: SelectorMatch;
  readonly matchImageConfig?: SelectorMatch;
  readonly matchPodConfig?: SelectorMatch;
}

/** v2.0.0-beta.0 only: one entry of `spec.filterRules`; all `match` entries must hold. */
export interface FilterRule {
  readonly scope: FilterRuleScope | string;
  readonly effect: FilterRuleEffect;
  /** At least one entry. */
  readonly match: FilterRuleMatch[];
}

/** v2.0.0-beta.0 only: a ClusterRole bound (RoleBinding `ws-<workspace>-<hash8>`) to each Workspace's ServiceAccount. */
export interface ClusterRoleRef {
  /** 1–253 characters, a path segment: not `.` or `..`, no `/` or `%`. */
  readonly name: string;
}

/**
 * `spec.podTemplate.serviceAccount`: required with `name` at fd7a3d8e (an existing ServiceAccount every Pod runs as);
 * optional with `clusterRoles` at v2.0.0-beta.0, where each Workspace gets its own ServiceAccount `ws-<name>`.
 */
export interface WorkspaceKindServiceAccount {
  /** fd7a3d8e only (required there, immutable). */
  readonly name?: string;
  /** v2.0.0-beta.0 only: list-map keyed by `name`. */
  readonly clusterRoles?: ClusterRoleRef[];
}

export interface WorkspaceKindProbes {
  readonly startupProbe?: JsonObject;
  readonly livenessProbe?: JsonObject;
  readonly readinessProbe?: JsonObject;
}

export interface HttpProxy {
  readonly removePathPrefix?: boolean;
  readonly requestHeaders?: {
    readonly set?: Record<string, string>;
    readonly add?: Record<string, string>;
    readonly remove?: string[];
  };
}

export interface WorkspaceKindPort {
  readonly id: string;
  /** Only `HTTP` at this API version. */
  readonly protocol: string;
  readonly defaultDisplayName: string;
  readonly httpProxy?: HttpProxy;
}

export interface OptionSpawnerLabel {
  readonly key: string;
  readonly value: string;
}

export interface OptionSpawnerInfo {
  readonly displayName: string;
  readonly description?: string;
  readonly labels?: OptionSpawnerLabel[];
  readonly hidden?: boolean;
}

export interface OptionRedirect {
  readonly to: string;
  readonly message?: { readonly level: string; readonly text: string };
}

export interface ImagePort {
  readonly id: string;
  readonly port: number;
  readonly displayName?: string;
}

export interface ImageConfigSpec {
  readonly image: string;
  readonly imagePullPolicy?: string;
  readonly ports: ImagePort[];
}

export interface PodConfigSpec {
  readonly affinity?: JsonObject;
  readonly nodeSelector?: Record<string, string>;
  readonly tolerations?: JsonObject[];
  readonly resources?: JsonObject;
}

export interface OptionValue<S> {
  readonly id: string;
  readonly spawner: OptionSpawnerInfo;
  readonly redirect?: OptionRedirect;
  readonly spec: S;
}

export type ImageConfigValue = OptionValue<ImageConfigSpec>;
export type PodConfigValue = OptionValue<PodConfigSpec>;

export interface OptionList<S> {
  readonly spawner: { readonly default: string };
  readonly values: OptionValue<S>[];
}

export interface WorkspaceKindPodTemplate {
  readonly podMetadata?: PodMetadata;
  /** Required at fd7a3d8e, optional at v2.0.0-beta.0. */
  readonly serviceAccount?: WorkspaceKindServiceAccount;
  /** fd7a3d8e only. */
  readonly culling?: WorkspaceKindCulling;
  /** v2.0.0-beta.0 only. */
  readonly activityProbe?: WorkspaceKindActivityProbe;
  readonly probes?: WorkspaceKindProbes;
  readonly volumeMounts: { readonly home: string };
  readonly ports: WorkspaceKindPort[];
  readonly extraEnv?: JsonObject[];
  readonly extraVolumeMounts?: JsonObject[];
  readonly extraVolumes?: JsonObject[];
  readonly securityContext?: JsonObject;
  readonly containerSecurityContext?: JsonObject;
  readonly options: {
    readonly imageConfig: OptionList<ImageConfigSpec>;
    readonly podConfig: OptionList<PodConfigSpec>;
  };
}

export interface OptionUsage {
  readonly id: string;
  readonly workspaces: number;
}

/** `status.spawnerIcon/spawnerLogo[].configMap.errorType` values (v2.0.0-beta.0). */
export enum AssetErrorType {
  NOT_FOUND = 'NotFound',
  KEY_NOT_FOUND = 'KeyNotFound',
  OTHER = 'Other',
}

/**
 * v2.0.0-beta.0 only: state of an icon or logo in the Kind's status. `{}` for a `url` asset; `sha256` (lower-case hex
 * of the ConfigMap value) when read, else `configMap.errorType`/`errorMessage`.
 */
export interface WorkspaceKindAssetStatus {
  readonly sha256?: string;
  readonly configMap?: { readonly errorType?: AssetErrorType | string; readonly errorMessage?: string };
}

export interface WorkspaceKindStatus {
  readonly workspaces: number;
  readonly podTemplateOptions: {
    readonly imageConfig: OptionUsage[];
    readonly podConfig: OptionUsage[];
  };
  /** v2.0.0-beta.0 only, and required there (no default: every status write sends it, `{}` is valid). */
  readonly spawnerIcon?: WorkspaceKindAssetStatus;
  /** v2.0.0-beta.0 only, and required there. */
  readonly spawnerLogo?: WorkspaceKindAssetStatus;
}

// ---------------------------------------------------------------------------------------------------------------
// Workspace
// ---------------------------------------------------------------------------------------------------------------

export interface WorkspaceObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: ObjectMeta;
  readonly spec?: WorkspaceSpec;
  readonly status?: WorkspaceStatus;
}

export interface WorkspaceDataVolume {
  readonly pvcName: string;
  readonly mountPath: string;
  readonly readOnly?: boolean;
}

/** v2.0.0-beta.0 only: a whole Secret mounted as `secret-volume-<i>` (no items, no subPath). */
export interface WorkspaceSecretVolume {
  /** DNS-1123 subdomain. */
  readonly secretName: string;
  readonly mountPath: string;
  /** File mode, decimal 0–511 (420 = 0644, the default). */
  readonly defaultMode?: number;
}

/** CRD default of `volumes.secrets[].defaultMode` (0644). */
export const DEFAULT_SECRET_MODE = 420;

export interface WorkspaceSpec {
  /** Absent means false. Upstream's beta Go client always sends it; the schema is the same for both revisions. */
  readonly paused?: boolean;
  /** fd7a3d8e only (removed at the beta, where redirects are never applied by the controller). */
  readonly deferUpdates?: boolean;
  /** v2.0.0-beta.0 only: a UI label, 1–128 characters. */
  readonly displayName?: string;
  readonly kind: string;
  readonly podTemplate: {
    readonly podMetadata?: PodMetadata;
    readonly volumes: {
      readonly home?: string;
      readonly data?: WorkspaceDataVolume[];
      /** v2.0.0-beta.0 only: list-map keyed by `mountPath`. */
      readonly secrets?: WorkspaceSecretVolume[];
    };
    readonly options: {
      readonly imageConfig: string;
      readonly podConfig: string;
    };
  };
}

/** The states of `status.state`. */
export enum WorkspaceState {
  RUNNING = 'Running',
  TERMINATING = 'Terminating',
  PAUSED = 'Paused',
  PENDING = 'Pending',
  ERROR = 'Error',
  UNKNOWN = 'Unknown',
}

export interface RedirectStep {
  readonly source: string;
  readonly target: string;
}

export interface OptionStatus {
  readonly desired?: string;
  readonly redirectChain?: RedirectStep[];
}

/** `status.activity.lastProbe.result` values (v2.0.0-beta.0). */
export enum ProbeResult {
  SUCCESS = 'Success',
  FAILURE = 'Failure',
  TIMEOUT = 'Timeout',
}

/** v2.0.0-beta.0 only: the latest activity probe, whatever its outcome. Times in Unix milliseconds. */
export interface ActivityProbeResult {
  readonly startTime: number;
  readonly endTime: number;
  readonly result: ProbeResult | string;
  readonly message: string;
}

/**
 * `status.activity`. Both revisions require `lastActivity` and `lastUpdate`; their unit is Unix **seconds** at
 * fd7a3d8e (where upstream never writes them) and Unix **milliseconds** at v2.0.0-beta.0: `lastActivity` is the
 * activity the probe reported, `lastUpdate` the end of the last successful probe; both reset to 0 when the Workspace
 * enters Running.
 */
export interface WorkspaceActivityStatus {
  readonly lastActivity: number;
  readonly lastUpdate: number;
  /** v2.0.0-beta.0 only. */
  readonly lastProbe?: ActivityProbeResult;
  /**
   * v2.0.0-beta.0 only. `pauseWorkspace` is present while a rule with `pauseWorkspace: true` matches; `eligibleAfter`
   * = `lastActivity + secondsSinceActive × 1000`, or 0 without activity (ms).
   */
  readonly rules?: { readonly pauseWorkspace?: { readonly eligibleAfter: number } };
}

export interface WorkspacePodStatus {
  readonly name: string;
  /** v2.0.0-beta.0 only, and required there: `pod.spec.nodeName`, `""` without a Pod. */
  readonly nodeName?: string;
  /** v2.0.0-beta.0 only: the Workspace's own ServiceAccount (`ws-<name>`), set even without a Pod. */
  readonly serviceAccountName?: string;
  readonly containers?: { readonly name: string }[];
  readonly initContainers?: { readonly name: string }[];
}

/**
 * Workspace status. Every timestamp is Unix seconds at fd7a3d8e and Unix milliseconds at v2.0.0-beta.0; a Workspace
 * paused under fd7a3d8e keeps its seconds-valued `pauseTime` after the upgrade until it is unpaused.
 */
export interface WorkspaceStatus {
  readonly activity: WorkspaceActivityStatus;
  /** v2.0.0-beta.0 only, and required there: when the Workspace last entered Running (ms), 0 before. */
  readonly lastRunningTime?: number;
  /** When `spec.paused` was first seen true, 0 when not paused (seconds at fd7a3d8e, ms at the beta). */
  readonly pauseTime: number;
  readonly pendingRestart: boolean;
  readonly podTemplateOptions: { readonly imageConfig: OptionStatus; readonly podConfig: OptionStatus };
  readonly podTemplatePod: WorkspacePodStatus;
  readonly state: WorkspaceState | string;
  readonly stateMessage: string;
}
