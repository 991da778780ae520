/**
 * Wire types of the kubeflow.org/v1beta1 API (Workspace and WorkspaceKind) as they appear in YAML/JSON.
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
}

export interface ConfigMapKeyRef {
  readonly name: string;
  readonly key: string;
}

/** Exactly one of `url` or `configMap` (CEL rule of the CRD). */
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

export interface ActivityProbe {
  readonly exec?: { readonly command: string[] };
  readonly jupyter?: { readonly lastActivity: boolean };
}

export interface WorkspaceKindCulling {
  readonly enabled?: boolean;
  readonly maxInactiveSeconds?: number;
  readonly activityProbe: ActivityProbe;
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
  readonly serviceAccount: { readonly name: string };
  readonly culling?: WorkspaceKindCulling;
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

export interface WorkspaceKindStatus {
  readonly workspaces: number;
  readonly podTemplateOptions: {
    readonly imageConfig: OptionUsage[];
    readonly podConfig: OptionUsage[];
  };
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

export interface WorkspaceSpec {
  readonly paused?: boolean;
  readonly deferUpdates?: boolean;
  readonly kind: string;
  readonly podTemplate: {
    readonly podMetadata?: PodMetadata;
    readonly volumes: {
      readonly home?: string;
      readonly data?: WorkspaceDataVolume[];
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

export interface WorkspaceStatus {
  readonly activity: { readonly lastActivity: number; readonly lastUpdate: number };
  readonly pauseTime: number;
  readonly pendingRestart: boolean;
  readonly podTemplateOptions: { readonly imageConfig: OptionStatus; readonly podConfig: OptionStatus };
  readonly podTemplatePod: {
    readonly name: string;
    readonly containers?: { readonly name: string }[];
    readonly initContainers?: { readonly name: string }[];
  };
  readonly state: WorkspaceState | string;
  readonly stateMessage: string;
}
