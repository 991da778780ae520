import * as fs from 'node:fs';
import { ApiObject, Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { loadAll, YAML11_SCHEMA } from 'js-yaml';
import {
  ActivityRule as ActivityRuleJson, API_VERSION, ASSET_MEDIA_TYPE_SVG, FilterRule as FilterRuleJson, ImageConfigValue,
  JsonObject, OptionList, OptionValue, PodConfigValue, WORKSPACEKIND_KIND, WorkspaceKindActivityProbe,
  WorkspaceKindCulling, WorkspaceKindIcon, WorkspaceKindObject, WorkspaceKindPort as WorkspaceKindPortJson,
  WorkspaceKindSpec,
} from '../core/api';
import { isPlainObject } from '../core/json';
import { ApiRevision } from '../core/revision';
import { validateWorkspaceKind, validateWorkspaceKindRendering } from '../core/validation';
import {
  apiRevisionOf, ClusterScopedApiObject, copyJson, memoizedValidation, onlyAtBeta, registerForCollisionCheck,
  removedAtBeta, sortedMap, toValidationMessages,
} from './internal';
import {
  Affinity, ContainerSecurityContext, EnvVar, ImagePullPolicy, LabelSelector, PodSecurityContext, Probe,
  ResourceRequirements, Toleration, Volume, VolumeMount,
} from './kube-types';

/** Protocol of a WorkspaceKind port. */
export enum PortProtocol {
  HTTP = 'HTTP',
}

/** How strongly the spawner UI words a redirect message. */
export enum RedirectLevel {
  INFO = 'Info',
  WARNING = 'Warning',
  DANGER = 'Danger',
}

/** Media type of an icon or logo read from a ConfigMap (v2.0.0-beta.0). */
export enum SpawnerImageMediaType {
  SVG = 'image/svg+xml',
}

/** Where a ConfigMap icon or logo lives, and what it is (v2.0.0-beta.0 needs both). */
export interface ConfigMapImageOptions {
  /**
   * Namespace of the ConfigMap. Required at v2.0.0-beta.0, where the controller also reads only ConfigMaps labelled
   * `notebooks.kubeflow.org/image-source: "true"`; not part of the fd7a3d8e API.
   * @default - none
   */
  readonly namespace?: string;
  /**
   * Media type of the value (v2.0.0-beta.0 only).
   * @default - SpawnerImageMediaType.SVG at v2.0.0-beta.0 (its only value), none at fd7a3d8e
   */
  readonly mediaType?: SpawnerImageMediaType;
}

/** An icon or logo shown by the spawner UI: a URL or a key of a ConfigMap. */
export class SpawnerImage {
  /** An image served at a URL. */
  public static fromUrl(url: string): SpawnerImage {
    return new SpawnerImage({ url });
  }

  /**
   * An image stored under `key` of the ConfigMap `name` (at v2.0.0-beta.0, in `options.namespace`).
   */
  public static fromConfigMap(name: string, key: string, options: ConfigMapImageOptions = {}): SpawnerImage {
    return new SpawnerImage({ configMap: { name, key, namespace: options.namespace, mediaType: options.mediaType } });
  }

  private constructor(private readonly json: WorkspaceKindIcon) {}

  /** @internal */
  public _toJson(revision: ApiRevision = ApiRevision.FD7A3D8E): WorkspaceKindIcon {
    const json = copyJson(this.json);
    const configMap = json.configMap;
    if (!configMap) return json;
    const { name, key, namespace } = configMap;
    const mediaType = configMap.mediaType ?? (revision === ApiRevision.V2_0_0_BETA_0 ? ASSET_MEDIA_TYPE_SVG : undefined);
    return { configMap: { name, namespace, key, mediaType } };
  }
}

/**
 * How the controller tells whether a Workspace is in use, for culling (fd7a3d8e; the beta replaced it with
 * `WorkspaceActivityProbe` and `ActivityRule`).
 */
export class ActivityProbe {
  /** Ask Jupyter's `/api/status` for `last_activity` (Jupyter-based images). */
  public static jupyter(): ActivityProbe {
    return new ActivityProbe({ jupyter: { lastActivity: true } });
  }

  /** Run `command` in the Workspace container; exit status 0 means the Workspace is active. */
  public static exec(command: string[]): ActivityProbe {
    return new ActivityProbe({ exec: { command: [...command] } });
  }

  private constructor(private readonly json: WorkspaceKindCulling['activityProbe']) {}

  /** @internal */
  public _toJson(): WorkspaceKindCulling['activityProbe'] {
    return copyJson(this.json);
  }
}

/** Culling of idle Workspaces. */
export interface CullingOptions {
  /**
   * Whether idle Workspaces are paused.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * How long a Workspace may be idle before it is paused (whole seconds, at least 60).
   * @default Duration.hours(24)
   */
  readonly maxInactive?: Duration;
  /** How activity is detected. */
  readonly activityProbe: ActivityProbe;
}

/** How often the controller probes a Running Workspace for activity (v2.0.0-beta.0). */
export interface ActivityProbeSchedule {
  /**
   * Time between successful probes (whole seconds, 1 s to 365 days).
   * @default Duration.hours(1)
   */
  readonly interval?: Duration;
  /**
   * Shortest time between probes, after a failed one (whole seconds, at most `interval`).
   * @default Duration.minutes(5)
   */
  readonly minInterval?: Duration;
}

/** A `podExec` activity probe: its schedule and timeout. */
export interface PodExecProbeOptions extends ActivityProbeSchedule {
  /**
   * How long the script may run (whole seconds, at least 1).
   * @default Duration.seconds(60)
   */
  readonly timeout?: Duration;
}

/**
 * How the v2.0.0-beta.0 controller tells whether a Workspace is in use (`spec.podTemplate.activityProbe`); with
 * `activityRules` it pauses idle Workspaces.
 */
export class WorkspaceActivityProbe {
  /**
   * GET `<connect path of portId>/api/status` and read Jupyter's `last_activity`. `portId` must be a port of the kind.
   */
  public static jupyter(portId: string, schedule: ActivityProbeSchedule = {}): WorkspaceActivityProbe {
    return new WorkspaceActivityProbe({ ...scheduleJson(schedule), jupyter: { lastActivity: true, portId } });
  }

  /**
   * Run `script` (1–2048 chars, starting with a shebang such as `#!/bin/sh`) in the Workspace container; it may write
   * `{"last_activity": "<RFC 3339>"}` or `{"has_activity": true|false}` to `$OUTPUT_JSON_PATH`, and exits 0.
   */
  public static podExec(script: string, options: PodExecProbeOptions = {}): WorkspaceActivityProbe {
    const timeoutSeconds = options.timeout?.toSeconds({ integral: false });
    return new WorkspaceActivityProbe({ ...scheduleJson(options), podExec: { script, timeoutSeconds } });
  }

  private constructor(private readonly json: WorkspaceKindActivityProbe) {}

  /** @internal */
  public _toJson(): WorkspaceKindActivityProbe {
    return copyJson(this.json);
  }
}

function scheduleJson(schedule: ActivityProbeSchedule): WorkspaceKindActivityProbe {
  // Not rounded: a fractional value is reported by validation rather than silently changed.
  return {
    minProbeIntervalSeconds: schedule.minInterval?.toSeconds({ integral: false }),
    probeIntervalSeconds: schedule.interval?.toSeconds({ integral: false }),
  };
}

/** When an idle Workspace is paused, or exempted (v2.0.0-beta.0 `spec.activityRules[]`; the first match wins). */
export interface ActivityRule {
  /** How long without activity before the Workspace may be paused (whole seconds, at least 16). */
  readonly idleFor: Duration;
  /**
   * How long the Workspace must have been Running before it may be paused.
   * @default - no minimum
   */
  readonly minRunning?: Duration;
  /**
   * Pause matching Workspaces (true), or exempt them from later rules (false).
   * @default true
   */
  readonly pauseWorkspace?: boolean;
  /**
   * Labels the Workspace's namespace must match.
   * @default - any namespace
   */
  readonly matchNamespace?: LabelSelector;
  /**
   * `spawner.labels` the selected podConfig must match.
   * @default - any podConfig
   */
  readonly matchPodConfig?: LabelSelector;
}

/** What a filter rule applies to (v2.0.0-beta.0). */
export enum FilterScope {
  WORKSPACE_KIND = 'WORKSPACE_KIND',
  POD_CONFIG = 'POD_CONFIG',
  IMAGE_CONFIG = 'IMAGE_CONFIG',
}

/** One condition of a filter rule: exactly one selector. */
export interface FilterMatch {
  /**
   * Labels of the target namespace.
   * @default - not this condition
   */
  readonly namespace?: LabelSelector;
  /**
   * `spawner.labels` of an image option (scopes POD_CONFIG and IMAGE_CONFIG only).
   * @default - not this condition
   */
  readonly imageConfig?: LabelSelector;
  /**
   * `spawner.labels` of a pod-size option (scopes POD_CONFIG and IMAGE_CONFIG only).
   * @default - not this condition
   */
  readonly podConfig?: LabelSelector;
}

/**
 * Hides or denies the kind or its options where all conditions hold (v2.0.0-beta.0 `spec.filterRules[]`; stored and
 * validated by the controller, enforced by upstream's backend API).
 */
export interface FilterRule {
  /** What the rule hides or denies. */
  readonly scope: FilterScope;
  /** Conditions, all of which must hold (at least one). */
  readonly match: FilterMatch[];
  /**
   * Hint to the UI to hide the item.
   * @default - no UI effect
   */
  readonly hideInUi?: boolean;
  /**
   * Omit the item from API responses.
   * @default - not hidden in the API
   */
  readonly hideInApi?: boolean;
  /**
   * Refuse Workspaces selecting the item.
   * @default - not denied
   */
  readonly denyInApi?: boolean;
  /**
   * Why a Workspace was refused (2–1024 chars; only with `denyInApi`).
   * @default - none
   */
  readonly denyMessage?: string;
}

/** Probes of the Workspace container, applied to every Workspace of the kind. */
export interface WorkspaceKindProbes {
  /**
   * @default - no startup probe
   */
  readonly startup?: Probe;
  /**
   * @default - no liveness probe
   */
  readonly liveness?: Probe;
  /**
   * @default - no readiness probe
   */
  readonly readiness?: Probe;
}

/** Request headers the HTTP proxy sets, adds or removes for a port. */
export interface RequestHeaders {
  /**
   * Headers to set (replacing any the client sent).
   * @default - none
   */
  readonly set?: Record<string, string>;
  /**
   * Headers to append.
   * @default - none
   */
  readonly add?: Record<string, string>;
  /**
   * Header names to remove.
   * @default - none
   */
  readonly remove?: string[];
}

/** A port that the images of a kind may expose. */
export interface WorkspaceKindPortOptions {
  /** Port id, referenced by image options and by `{{ httpPathPrefix "<id>" }}` (2–32 chars of `a-z0-9_-`). */
  readonly id: string;
  /** Name the spawner UI shows for the port. */
  readonly displayName: string;
  /**
   * Protocol of the port.
   * @default PortProtocol.HTTP
   */
  readonly protocol?: PortProtocol;
  /**
   * Whether the HTTP proxy strips the Workspace path prefix before forwarding.
   * @default false
   */
  readonly removePathPrefix?: boolean;
  /**
   * Request header changes made by the HTTP proxy.
   * @default - none
   */
  readonly requestHeaders?: RequestHeaders;
}

/** A port of a WorkspaceKind; pass it to image options. */
export class WorkspaceKindPort {
  /** @internal */
  constructor(public readonly kind: WorkspaceKind, private readonly options: WorkspaceKindPortOptions) {}

  /** The port id. */
  public get id(): string {
    return this.options.id;
  }

  /** @internal */
  public _toJson(): WorkspaceKindPortJson {
    const headers = this.options.requestHeaders;
    const httpProxy = this.options.removePathPrefix !== undefined || headers
      ? {
        // the CRD default, written: ports are list items (see the spawner of options below)
        removePathPrefix: this.options.removePathPrefix ?? false,
        requestHeaders: headers
          ? { set: sortedMap(headers.set), add: sortedMap(headers.add), remove: headers.remove ? [...headers.remove] : undefined }
          : undefined,
      }
      : undefined;
    return {
      id: this.options.id,
      protocol: this.options.protocol ?? PortProtocol.HTTP,
      defaultDisplayName: this.options.displayName,
      httpProxy,
    };
  }
}

/** A key/value label shown for an option in the spawner UI. */
export interface SpawnerLabel {
  /** Label key (2–64 chars). */
  readonly key: string;
  /** Label value (1–64 chars). */
  readonly value: string;
}

/** What the spawner UI shows for an option. */
export interface OptionSpawnerOptions {
  /** Option id, unique among the kind's options of the same type (1–256 chars); Workspaces store it. */
  readonly id: string;
  /** Name shown in the spawner UI. */
  readonly displayName: string;
  /**
   * Longer text shown in the spawner UI.
   * @default - none
   */
  readonly description?: string;
  /**
   * Labels shown in the spawner UI, in this order (keys unique, at most 32).
   * @default - none
   */
  readonly labels?: SpawnerLabel[];
  /**
   * Hide the option from the spawner UI (Workspaces may still select it).
   * @default false
   */
  readonly hidden?: boolean;
}

/** A message shown to users of an option that redirects. */
export interface RedirectMessage {
  /** How the message is presented. */
  readonly level: RedirectLevel;
  /** The text (2–1024 chars). */
  readonly text: string;
}

/** A port an image serves on. */
export interface ImagePortOptions {
  /** The kind port it implements (from `kind.addPort()`). */
  readonly port: WorkspaceKindPort;
  /** The container port number (1–65535). */
  readonly number: number;
  /**
   * Name shown in the spawner UI.
   * @default - the kind port's display name
   */
  readonly displayName?: string;
}

/** An image option. */
export interface ImageConfigOptions extends OptionSpawnerOptions {
  /** Container image reference. */
  readonly image: string;
  /**
   * When the image is pulled.
   * @default ImagePullPolicy.IF_NOT_PRESENT
   */
  readonly imagePullPolicy?: ImagePullPolicy;
  /** Ports the image serves on (at least one). */
  readonly ports: ImagePortOptions[];
}

/** A pod-size option. */
export interface PodConfigOptions extends OptionSpawnerOptions {
  /**
   * Compute resources of the Workspace container.
   * @default - none
   */
  readonly resources?: ResourceRequirements;
  /**
   * Scheduling affinity.
   * @default - none
   */
  readonly affinity?: Affinity;
  /**
   * Node labels the pod must run on.
   * @default - none
   */
  readonly nodeSelector?: Record<string, string>;
  /**
   * Taints the pod tolerates.
   * @default - none
   */
  readonly tolerations?: Toleration[];
}

/** The two kinds of options of a WorkspaceKind. */
export enum OptionKind {
  /** An image option (`spec.podTemplate.options.imageConfig`). */
  IMAGE = 'imageConfig',
  /** A pod-size option (`spec.podTemplate.options.podConfig`). */
  POD = 'podConfig',
}

/**
 * A reference to an image option of a WorkspaceKind, from this app or defined elsewhere. `optionKind` tells it apart
 * from a pod-size option: passing one where the other is expected does not compile.
 */
export interface IImageConfig {
  /** The option id. */
  readonly id: string;
  /** The kind that defines it. */
  readonly kind: IWorkspaceKind;
  /** Always `OptionKind.IMAGE`. */
  readonly optionKind: OptionKind.IMAGE;
}

/** A reference to a pod-size option of a WorkspaceKind, from this app or defined elsewhere (see `IImageConfig`). */
export interface IPodConfig {
  /** The option id. */
  readonly id: string;
  /** The kind that defines it. */
  readonly kind: IWorkspaceKind;
  /** Always `OptionKind.POD`. */
  readonly optionKind: OptionKind.POD;
}

/** What image and pod-size options share: spawner info, an optional redirect, and a spec. */
abstract class KindOption<O extends OptionSpawnerOptions, S> {
  private redirectTarget?: { readonly option: KindOption<O, S>; readonly message?: RedirectMessage };

  constructor(public readonly kind: WorkspaceKind, protected readonly options: O) {}

  /** The option id. */
  public get id(): string {
    return this.options.id;
  }

  /** @internal */
  protected _setRedirect(target: KindOption<O, S>, message?: RedirectMessage): void {
    if (target.kind !== this.kind) {
      this.kind._reportMisuse(`${this.valuePath()}.redirect.to: Invalid value: "${target.id}": an option of another WorkspaceKind (${target.kind.node.path}); expected an option of this kind`);
      return;
    }
    this.redirectTarget = { option: target, message: message && { ...message } };
    this.kind._invalidate();
  }

  /** Where the option is in the kind's manifest. */
  protected abstract valuePath(): string;

  /** @internal */
  protected abstract _specJson(): S;

  /** @internal */
  public _toJson(): OptionValue<S> {
    const labels = this.options.labels;
    return {
      id: this.options.id,
      spawner: {
        displayName: this.options.displayName,
        description: this.options.description,
        labels: labels?.map(label => ({ key: label.key, value: label.value })),
        // the CRD's default, written: these options are list items, and a list differing from the stored one by a
        // defaulted field is re-sent by every client-side apply
        hidden: this.options.hidden ?? false,
      },
      redirect: this.redirectTarget
        ? { to: this.redirectTarget.option.id, message: this.redirectTarget.message ? { ...this.redirectTarget.message } : undefined }
        : undefined,
      spec: this._specJson(),
    };
  }
}

/** An image option of a WorkspaceKind; pass it to Workspaces and to other options' redirects. */
export class ImageConfig extends KindOption<ImageConfigOptions, ImageConfigValue['spec']> implements IImageConfig {
  /** Always `OptionKind.IMAGE`. */
  public readonly optionKind = OptionKind.IMAGE;

  /** @internal */
  constructor(kind: WorkspaceKind, options: ImageConfigOptions) {
    // A port of another kind is reported at synth time and left out, so that it is reported once.
    for (const port of options.ports.filter(p => p.port.kind !== kind)) {
      kind._reportMisuse(`spec.podTemplate.options.imageConfig.values[${options.id}].spec.ports[${port.port.id}]: Invalid value: "${port.port.id}": a port of another WorkspaceKind (${port.port.kind.node.path}); expected a port from this kind's addPort()`);
    }
    super(kind, { ...options, labels: copyJson(options.labels), ports: options.ports.filter(p => p.port.kind === kind).map(p => ({ ...p })) });
  }

  /**
   * Sends Workspaces on this image to `target` on their next restart (applied while a Workspace is paused, unless
   * it defers updates).
   */
  public redirectTo(target: ImageConfig, message?: RedirectMessage): void {
    this._setRedirect(target, message);
  }

  protected valuePath(): string {
    return `spec.podTemplate.options.imageConfig.values[${this.id}]`;
  }

  /** @internal */
  protected _specJson(): ImageConfigValue['spec'] {
    return {
      image: this.options.image,
      imagePullPolicy: this.options.imagePullPolicy ?? ImagePullPolicy.IF_NOT_PRESENT,
      ports: this.options.ports.map(p => ({ id: p.port.id, port: p.number, displayName: p.displayName })),
    };
  }
}

/** A pod-size option of a WorkspaceKind; pass it to Workspaces and to other options' redirects. */
export class PodConfig extends KindOption<PodConfigOptions, PodConfigValue['spec']> implements IPodConfig {
  /** Always `OptionKind.POD`. */
  public readonly optionKind = OptionKind.POD;

  /** @internal */
  constructor(kind: WorkspaceKind, options: PodConfigOptions) {
    super(kind, copyJson(options));
  }

  /** Sends Workspaces of this size to `target` on their next restart (see `ImageConfig.redirectTo`). */
  public redirectTo(target: PodConfig, message?: RedirectMessage): void {
    this._setRedirect(target, message);
  }

  protected valuePath(): string {
    return `spec.podTemplate.options.podConfig.values[${this.id}]`;
  }

  /** @internal */
  protected _specJson(): PodConfigValue['spec'] {
    return {
      resources: this.options.resources as JsonObject | undefined,
      affinity: this.options.affinity as JsonObject | undefined,
      nodeSelector: sortedMap(this.options.nodeSelector) ?? (this.options.nodeSelector ? {} : undefined),
      tolerations: this.options.tolerations as JsonObject[] | undefined,
    };
  }
}

/** A WorkspaceKind, defined in this app or elsewhere. */
export interface IWorkspaceKind {
  /** The WorkspaceKind's name (`metadata.name`). */
  readonly name: string;
  /** The manifest, when the kind is defined in this app (used to check Workspaces against it). @internal */
  _manifest(): WorkspaceKindObject | undefined;
  /** The image option used when a Workspace names none. @internal */
  _defaultImageConfig(): IImageConfig | undefined;
  /** The pod-size option used when a Workspace names none. @internal */
  _defaultPodConfig(): IPodConfig | undefined;
}

/**
 * A WorkspaceKind defined outside this app, known by name. The option ids of its references are checked at synth
 * time for the API's format (1 to 256 characters; the API has no pattern, so e.g. `small cpu` is a valid id), not
 * for existence: use `WorkspaceKind.fromManifest()` / `fromManifestFile()` for that.
 */
export class ImportedWorkspaceKind extends Construct implements IWorkspaceKind {
  /** @internal */
  constructor(scope: Construct, id: string, public readonly name: string) {
    super(scope, id);
  }

  /** A reference to the image option `id` of this kind. */
  public imageConfig(id: string): IImageConfig {
    return { id, kind: this, optionKind: OptionKind.IMAGE };
  }

  /** A reference to the pod-size option `id` of this kind. */
  public podConfig(id: string): IPodConfig {
    return { id, kind: this, optionKind: OptionKind.POD };
  }

  /** @internal */
  public _manifest(): WorkspaceKindObject | undefined {
    return undefined;
  }

  /** @internal */
  public _defaultImageConfig(): IImageConfig | undefined {
    return undefined;
  }

  /** @internal */
  public _defaultPodConfig(): IPodConfig | undefined {
    return undefined;
  }
}

/**
 * A WorkspaceKind defined outside this app, known from its manifest (for example the YAML file the platform team
 * publishes). It is not synthesized; Workspaces of it are checked at synth time against it exactly as against a kind
 * of this app (options exist, defaults, redirects, render-time rules), and the manifest itself is checked too.
 */
export class ManifestWorkspaceKind extends ImportedWorkspaceKind {
  private readonly manifest: WorkspaceKindObject;

  /** @internal */
  constructor(scope: Construct, id: string, manifest: any, source: string) {
    const name = manifest?.metadata?.name;
    if (!isPlainObject(manifest) || typeof name !== 'string' || name === '') {
      throw new Error(`${scope.node.path}/${id}: the WorkspaceKind manifest from ${source} has no metadata.name; expected a kubeflow.org/v1beta1 WorkspaceKind`);
    }
    super(scope, id, name);
    this.manifest = copyJson(manifest as unknown as WorkspaceKindObject);
    this.node.addValidation(memoizedValidation(() => [this.manifest], () => {
      const { revision, problem } = apiRevisionOf(this);
      return [
        ...(problem ? [problem] : []),
        ...toValidationMessages([...validateWorkspaceKind(this.manifest, revision), ...validateWorkspaceKindRendering(this.manifest)]).map(message => `${source}: ${message}`),
      ];
    }));
  }

  /** The option ids of the manifest, in its order. */
  public optionIds(optionKind: OptionKind): string[] {
    return optionIdsOf(this.manifest, optionKind);
  }

  /** @internal */
  public _manifest(): WorkspaceKindObject {
    return this.manifest;
  }

  /** @internal */
  public _defaultImageConfig(): IImageConfig | undefined {
    const id = defaultIdOf(this.manifest, OptionKind.IMAGE);
    return id === undefined ? undefined : { id, kind: this, optionKind: OptionKind.IMAGE };
  }

  /** @internal */
  public _defaultPodConfig(): IPodConfig | undefined {
    const id = defaultIdOf(this.manifest, OptionKind.POD);
    return id === undefined ? undefined : { id, kind: this, optionKind: OptionKind.POD };
  }
}

function optionsOf(manifest: WorkspaceKindObject, type: OptionKind): Record<string, unknown> | undefined {
  const options = (manifest.spec?.podTemplate?.options as Record<string, unknown> | undefined)?.[type];
  return isPlainObject(options) ? options : undefined;
}

function optionIdsOf(manifest: WorkspaceKindObject, type: OptionKind): string[] {
  const values = optionsOf(manifest, type)?.values;
  return (Array.isArray(values) ? values : []).map(v => (isPlainObject(v) ? v.id : undefined)).filter((id): id is string => typeof id === 'string');
}

function defaultIdOf(manifest: WorkspaceKindObject, type: OptionKind): string | undefined {
  const spawner = optionsOf(manifest, type)?.spawner;
  const id = isPlainObject(spawner) ? spawner.default : undefined;
  return typeof id === 'string' ? id : undefined;
}

/** Options of `WorkspaceKind.fromManifestFile`. */
export interface ManifestFileOptions {
  /**
   * Which WorkspaceKind of the file, when it holds several.
   * @default - the file's only WorkspaceKind
   */
  readonly name?: string;
}

/** Properties of a WorkspaceKind. */
export interface WorkspaceKindProps {
  /** The kind's name (`metadata.name`, 2–63 chars of `a-z0-9-`); Workspaces refer to it. */
  readonly name: string;
  /** Name shown in the spawner UI (2–128 chars). */
  readonly displayName: string;
  /** Description shown in the spawner UI (2–4096 chars). */
  readonly description: string;
  /** Small icon of the spawner UI. */
  readonly icon: SpawnerImage;
  /** Card-size logo of the spawner UI. */
  readonly logo: SpawnerImage;
  /**
   * Hide the kind from the spawner UI.
   * @default false
   */
  readonly hidden?: boolean;
  /**
   * Mark the kind deprecated in the spawner UI.
   * @default false
   */
  readonly deprecated?: boolean;
  /**
   * Message (2–256 chars) shown to users of a deprecated kind.
   * @default - none
   */
  readonly deprecationMessage?: string;
  /**
   * Labels of the metadata of the kind itself.
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * Labels added to every Workspace pod.
   * @default - none
   */
  readonly podLabels?: Record<string, string>;
  /**
   * Annotations added to every Workspace pod.
   * @default - none
   */
  readonly podAnnotations?: Record<string, string>;
  /**
   * ServiceAccount the Workspace pods run as; it must exist in each Workspace namespace. Immutable. Required at
   * fd7a3d8e; removed at v2.0.0-beta.0, where every Workspace gets its own ServiceAccount `ws-<name>` (grant it
   * permissions with `clusterRoles`).
   * @default - none
   */
  readonly serviceAccountName?: string;
  /**
   * ClusterRoles bound (by a RoleBinding in the Workspace's namespace) to each Workspace's own ServiceAccount
   * (v2.0.0-beta.0 only).
   * @default - none
   */
  readonly clusterRoles?: string[];
  /**
   * Culling of idle Workspaces (fd7a3d8e only; at v2.0.0-beta.0 use `activityProbe` and `activityRules`).
   * @default - no culling settings
   */
  readonly culling?: CullingOptions;
  /**
   * How activity is probed (v2.0.0-beta.0 only; required when an activity rule pauses).
   * @default - no probing
   */
  readonly activityProbe?: WorkspaceActivityProbe;
  /**
   * When idle Workspaces are paused, first match wins (v2.0.0-beta.0 only).
   * @default - never paused for inactivity
   */
  readonly activityRules?: ActivityRule[];
  /**
   * Where the kind and its options are hidden or denied (v2.0.0-beta.0 only).
   * @default - none
   */
  readonly filterRules?: FilterRule[];
  /**
   * Probes of the Workspace container.
   * @default - no probes
   */
  readonly probes?: WorkspaceKindProbes;
  /**
   * Where the home volume is mounted. Immutable.
   * @default '/home/jovyan'
   */
  readonly homeMountPath?: string;
  /**
   * Environment of the Workspace container; values may use `{{ httpPathPrefix "<port id>" }}`.
   * @default - none
   */
  readonly extraEnv?: EnvVar[];
  /**
   * Extra pod volumes.
   * @default - none
   */
  readonly extraVolumes?: Volume[];
  /**
   * Extra mounts of the Workspace container (may mount `home-volume` or `data-volume-<i>` too).
   * @default - none
   */
  readonly extraVolumeMounts?: VolumeMount[];
  /**
   * Security context of the Workspace pod.
   * @default - none
   */
  readonly podSecurityContext?: PodSecurityContext;
  /**
   * Security context of the Workspace container.
   * @default - none
   */
  readonly containerSecurityContext?: ContainerSecurityContext;
}

/**
 * A WorkspaceKind (cluster-scoped): the template of a family of Workspaces, with its image and pod-size options.
 *
 * Add ports with `addPort()`, options with `addImageConfig()` / `addPodConfig()`; the first option of each type is
 * the default unless `useDefaultImageConfig()` / `useDefaultPodConfig()` says otherwise. Everything is checked at
 * synth time with the same rules as the API server and the upstream admission webhook.
 */
export class WorkspaceKind extends Construct implements IWorkspaceKind {
  /**
   * Refers to a WorkspaceKind that is defined outside this app, by name only: option ids are checked for the API's
   * format, not for existence (use `fromManifest` / `fromManifestFile` for that).
   */
  public static fromName(scope: Construct, id: string, name: string): ImportedWorkspaceKind {
    return new ImportedWorkspaceKind(scope, id, name);
  }

  /**
   * Refers to a WorkspaceKind that is defined outside this app, from its manifest (a parsed `kubeflow.org/v1beta1`
   * WorkspaceKind object): Workspaces of it are checked at synth time against its options, defaults and redirects.
   */
  public static fromManifest(scope: Construct, id: string, manifest: any): ManifestWorkspaceKind {
    return new ManifestWorkspaceKind(scope, id, manifest as WorkspaceKindObject, 'manifest');
  }

  /**
   * Like `fromManifest`, reading the WorkspaceKind from a YAML (or JSON) file, e.g. the one the platform team
   * publishes. Other documents of the file are ignored.
   */
  public static fromManifestFile(scope: Construct, id: string, file: string, options: ManifestFileOptions = {}): ManifestWorkspaceKind {
    return new ManifestWorkspaceKind(scope, id, readKindManifest(scope, id, file, options.name), file);
  }

  /** The kind's name. */
  public readonly name: string;
  /** The underlying API object. */
  public readonly apiObject: ApiObject;

  private readonly props: WorkspaceKindProps;
  private readonly portList: WorkspaceKindPort[] = [];
  private readonly imageConfigList: ImageConfig[] = [];
  private readonly podConfigList: PodConfig[] = [];
  private defaultImage?: ImageConfig;
  private defaultPod?: PodConfig;
  private cachedManifest?: WorkspaceKindObject;
  private readonly misuses: string[] = [];

  constructor(scope: Construct, id: string, props: WorkspaceKindProps) {
    super(scope, id);
    // Copies, so that changing the objects passed in cannot change the output after it was validated.
    this.props = {
      ...props,
      labels: copyJson(props.labels),
      podLabels: copyJson(props.podLabels),
      podAnnotations: copyJson(props.podAnnotations),
      culling: props.culling && { ...props.culling },
      clusterRoles: props.clusterRoles && [...props.clusterRoles],
      activityRules: props.activityRules?.map(rule => ({ ...rule, matchNamespace: copyJson(rule.matchNamespace), matchPodConfig: copyJson(rule.matchPodConfig) })),
      filterRules: copyFilterRules(props.filterRules),
      probes: copyJson(props.probes),
      extraEnv: copyJson(props.extraEnv),
      extraVolumes: copyJson(props.extraVolumes),
      extraVolumeMounts: copyJson(props.extraVolumeMounts),
      podSecurityContext: copyJson(props.podSecurityContext),
      containerSecurityContext: copyJson(props.containerSecurityContext),
    };
    this.name = props.name;
    this.apiObject = new ClusterScopedApiObject(this, 'Resource', {
      apiVersion: API_VERSION,
      kind: WORKSPACEKIND_KIND,
      metadata: { name: props.name, labels: sortedMap(props.labels) },
      // Rendered at synth time, so that ports and options added after construction are included.
      spec: Lazy.any({ produce: () => this._manifest().spec }),
    });
    this.node.addValidation(memoizedValidation(() => [this._manifest()], () => {
      const manifest = this._manifest();
      const { revision, problem } = apiRevisionOf(this);
      return [
        ...(problem ? [problem] : []),
        ...this.revisionMisuses(revision),
        ...this.misuses,
        ...toValidationMessages([...validateWorkspaceKind(manifest, revision), ...validateWorkspaceKindRendering(manifest)]),
      ];
    }));
    registerForCollisionCheck(this.apiObject);
  }

  /** Adds a port that image options can serve on. */
  public addPort(options: WorkspaceKindPortOptions): WorkspaceKindPort {
    const port = new WorkspaceKindPort(this, copyJson(options));
    this.portList.push(port);
    this._invalidate();
    return port;
  }

  /** Adds an image option; the first one added is the default unless `useDefaultImageConfig()` is called. */
  public addImageConfig(options: ImageConfigOptions): ImageConfig {
    const option = new ImageConfig(this, options);
    this.imageConfigList.push(option);
    this._invalidate();
    return option;
  }

  /** Adds a pod-size option; the first one added is the default unless `useDefaultPodConfig()` is called. */
  public addPodConfig(options: PodConfigOptions): PodConfig {
    const option = new PodConfig(this, options);
    this.podConfigList.push(option);
    this._invalidate();
    return option;
  }

  /** Makes `option` the image option preselected by the spawner and used by Workspaces that name none. */
  public useDefaultImageConfig(option: ImageConfig): void {
    if (!this.isOwn(option, 'spec.podTemplate.options.imageConfig.spawner.default')) return;
    this.defaultImage = option;
    this._invalidate();
  }

  /** Makes `option` the pod-size option preselected by the spawner and used by Workspaces that name none. */
  public useDefaultPodConfig(option: PodConfig): void {
    if (!this.isOwn(option, 'spec.podTemplate.options.podConfig.spawner.default')) return;
    this.defaultPod = option;
    this._invalidate();
  }

  /** The ports, in the order added. */
  public get ports(): WorkspaceKindPort[] {
    return [...this.portList];
  }

  /** The image options, in the order added. */
  public get imageConfigs(): ImageConfig[] {
    return [...this.imageConfigList];
  }

  /** The pod-size options, in the order added. */
  public get podConfigs(): PodConfig[] {
    return [...this.podConfigList];
  }

  /** @internal */
  public _defaultImageConfig(): ImageConfig | undefined {
    return this.defaultImage ?? this.imageConfigList[0];
  }

  /** @internal */
  public _defaultPodConfig(): PodConfig | undefined {
    return this.defaultPod ?? this.podConfigList[0];
  }

  /**
   * The WorkspaceKind manifest as it will be synthesized (memoized until the next change: Workspaces check
   * themselves against it, and there may be thousands of them).
   * @internal
   */
  public _manifest(): WorkspaceKindObject {
    if (!this.cachedManifest) {
      this.cachedManifest = {
        apiVersion: API_VERSION,
        kind: WORKSPACEKIND_KIND,
        metadata: { name: this.name, labels: sortedMap(this.props.labels) },
        spec: this.renderSpec(),
      };
    }
    return this.cachedManifest;
  }

  /** Props of the other revision, named with their replacement; they are left out of the manifest. */
  private revisionMisuses(revision: ApiRevision): string[] {
    const p = this.props;
    if (revision === ApiRevision.V2_0_0_BETA_0) {
      return [
        ...(p.serviceAccountName !== undefined ? [removedAtBeta('serviceAccountName', 'spec.podTemplate.serviceAccount.name', 'each Workspace gets its own ServiceAccount ws-<workspace name>; grant it permissions with clusterRoles')] : []),
        ...(p.culling !== undefined ? [removedAtBeta('culling', 'spec.podTemplate.culling', 'use activityProbe (WorkspaceActivityProbe.jupyter() or .podExec()) and activityRules')] : []),
      ];
    }
    const beta: [string, unknown, string][] = [
      ['clusterRoles', p.clusterRoles, 'spec.podTemplate.serviceAccount.clusterRoles'],
      ['activityProbe', p.activityProbe, 'spec.podTemplate.activityProbe'],
      ['activityRules', p.activityRules, 'spec.activityRules'],
      ['filterRules', p.filterRules, 'spec.filterRules'],
    ];
    return beta.filter(([, value]) => value !== undefined).map(([prop, , field]) => onlyAtBeta(prop, field));
  }

  private renderSpec(): WorkspaceKindSpec {
    const p = this.props;
    const beta = apiRevisionOf(this).revision === ApiRevision.V2_0_0_BETA_0;
    const culling = beta ? undefined : p.culling;
    const probes = p.probes;
    const clusterRoles = beta ? p.clusterRoles : undefined;
    return {
      spawner: {
        displayName: p.displayName,
        description: p.description,
        hidden: p.hidden,
        deprecated: p.deprecated,
        deprecationMessage: p.deprecationMessage,
        icon: p.icon._toJson(apiRevisionOf(this).revision),
        logo: p.logo._toJson(apiRevisionOf(this).revision),
      },
      ...(beta ? { filterRules: p.filterRules?.map(filterRuleJson), activityRules: p.activityRules?.map(activityRuleJson) } : {}),
      podTemplate: {
        podMetadata: p.podLabels || p.podAnnotations
          ? { labels: sortedMap(p.podLabels), annotations: sortedMap(p.podAnnotations) }
          : undefined,
        serviceAccount: beta
          ? clusterRoles && { clusterRoles: clusterRoles.map(name => ({ name })) }
          : { name: p.serviceAccountName },
        activityProbe: beta ? p.activityProbe?._toJson() : undefined,
        culling: culling
          ? {
            enabled: culling.enabled ?? true,
            // Not rounded: a fractional value is reported by validation rather than silently changed.
            maxInactiveSeconds: (culling.maxInactive ?? Duration.hours(24)).toSeconds({ integral: false }),
            activityProbe: culling.activityProbe._toJson(),
          }
          : undefined,
        probes: probes
          ? { startupProbe: probes.startup, livenessProbe: probes.liveness, readinessProbe: probes.readiness } as JsonObject
          : undefined,
        volumeMounts: { home: p.homeMountPath ?? '/home/jovyan' },
        ports: this.portList.map(port => port._toJson()),
        extraEnv: p.extraEnv as JsonObject[] | undefined,
        extraVolumeMounts: p.extraVolumeMounts as JsonObject[] | undefined,
        extraVolumes: p.extraVolumes as JsonObject[] | undefined,
        securityContext: p.podSecurityContext as JsonObject | undefined,
        containerSecurityContext: p.containerSecurityContext as JsonObject | undefined,
        options: {
          imageConfig: optionList(this.imageConfigList, this._defaultImageConfig()),
          podConfig: optionList(this.podConfigList, this._defaultPodConfig()),
        },
      },
    };
  }

  /** False, and reported at synth time, for an option of another kind. */
  private isOwn(option: ImageConfig | PodConfig, field: string): boolean {
    if (option.kind === this) return true;
    this._reportMisuse(`${field}: Invalid value: "${option.id}": an option of another WorkspaceKind (${option.kind.node.path}); expected an option of this kind`);
    return false;
  }

  /** Records a handle of another kind passed to this kind; reported with the kind's other problems. @internal */
  public _reportMisuse(message: string): void {
    this.misuses.push(message);
    this._invalidate();
  }

  /** Drops the memoized manifest after a change to the kind or one of its options. @internal */
  public _invalidate(): void {
    this.cachedManifest = undefined;
  }
}

function activityRuleJson(rule: ActivityRule): ActivityRuleJson {
  const match = rule.matchNamespace || rule.matchPodConfig
    ? {
      matchNamespace: rule.matchNamespace && { selector: rule.matchNamespace },
      matchPodConfig: rule.matchPodConfig && { selector: rule.matchPodConfig },
    }
    : undefined;
  return {
    config: {
      // Not rounded: a fractional value is reported by validation rather than silently changed.
      secondsSinceActive: rule.idleFor.toSeconds({ integral: false }),
      minRunningSeconds: rule.minRunning?.toSeconds({ integral: false }),
    },
    match: match as ActivityRuleJson['match'],
    effect: { pauseWorkspace: rule.pauseWorkspace ?? true },
  };
}

function filterRuleJson(rule: FilterRule): FilterRuleJson {
  const api = rule.hideInApi !== undefined || rule.denyInApi !== undefined || rule.denyMessage !== undefined
    ? { hide: rule.hideInApi, deny: rule.denyInApi, denyMessage: rule.denyMessage === undefined ? undefined : { text: rule.denyMessage } }
    : undefined;
  return {
    scope: rule.scope,
    effect: { ui: rule.hideInUi === undefined ? undefined : { hide: rule.hideInUi }, api },
    match: rule.match.map(m => ({
      matchNamespace: m.namespace && { selector: m.namespace },
      matchImageConfig: m.imageConfig && { selector: m.imageConfig },
      matchPodConfig: m.podConfig && { selector: m.podConfig },
    })) as FilterRuleJson['match'],
  };
}

function copyFilterRules(rules: FilterRule[] | undefined): FilterRule[] | undefined {
  return rules?.map(rule => ({ ...rule, match: rule.match.map(m => copyJson({ ...m })) }));
}

function optionList<S>(options: readonly KindOption<any, S>[], defaultOption: KindOption<any, S> | undefined): OptionList<S> {
  return {
    spawner: { default: defaultOption?.id as string },
    values: options.map(option => option._toJson()),
  };
}

/** The WorkspaceKind document of a YAML file (the one named `name`, or the only one), read as YAML 1.1 like kubectl. */
function readKindManifest(scope: Construct, id: string, file: string, name: string | undefined): WorkspaceKindObject {
  const where = `${scope.node.path}/${id}`;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${where}: cannot read the WorkspaceKind manifest ${file}: ${(e as Error).message}`);
  }
  let documents: unknown[];
  try {
    documents = loadAll(text, { schema: YAML11_SCHEMA });
  } catch (e) {
    throw new Error(`${where}: ${file} is not valid YAML: ${(e as Error).message}`);
  }
  const kinds = documents.filter((value): value is WorkspaceKindObject => isPlainObject(value) && value.kind === WORKSPACEKIND_KIND);
  const matching = name === undefined ? kinds : kinds.filter(k => k.metadata?.name === name);
  if (matching.length !== 1) {
    const found = kinds.map(k => JSON.stringify(k.metadata?.name ?? '')).join(', ') || 'none';
    const wanted = name === undefined ? 'exactly one WorkspaceKind (or pass options.name)' : `a WorkspaceKind named "${name}"`;
    throw new Error(`${where}: ${file} holds WorkspaceKinds ${found}; expected ${wanted}`);
  }
  return matching[0];
}
