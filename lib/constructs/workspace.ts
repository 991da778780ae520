import { ApiObject, Chart, Lazy, Size, SizeRoundingBehavior } from 'cdk8s';
import { Construct } from 'constructs';
import { API_VERSION, DEFAULT_SECRET_MODE, WORKSPACE_KIND, WorkspaceKindObject, WorkspaceObject } from '../core/api';
import { ApiRevision } from '../core/revision';
import { validateWorkspace, validateWorkspaceRendering, ViolationType } from '../core/validation';
import { Violation } from '../core/validation/violation';
import {
  apiRevisionOf, copyJson, memoizedValidation, onlyAtBeta, registerForCollisionCheck, removedAtBeta, sortedMap, toValidationMessages,
} from './internal';
import { IImageConfig, IPodConfig, IWorkspaceKind, OptionKind, WorkspaceKind } from './workspace-kind';

/** Access mode of a PersistentVolumeClaim. */
export enum ClaimAccessMode {
  READ_WRITE_ONCE = 'ReadWriteOnce',
  READ_ONLY_MANY = 'ReadOnlyMany',
  READ_WRITE_MANY = 'ReadWriteMany',
  READ_WRITE_ONCE_POD = 'ReadWriteOncePod',
}

/** Properties of a claim created together with a Workspace (its namespace is the Workspace's). */
export interface NewClaimProps {
  /** The claim's name (2–63 chars of `a-z0-9-`, as the Workspace API requires). */
  readonly name: string;
  /**
   * Requested storage.
   * @default Size.gibibytes(10)
   */
  readonly size?: Size;
  /**
   * StorageClass to provision from.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * Access modes.
   * @default [ClaimAccessMode.READ_WRITE_ONCE]
   */
  readonly accessModes?: ClaimAccessMode[];
  /**
   * Labels of the claim.
   * @default - none
   */
  readonly labels?: Record<string, string>;
}

/** Properties of a new PersistentVolumeClaim for Workspaces. */
export interface WorkspaceClaimProps extends NewClaimProps {
  /**
   * Namespace of the claim; it must be the namespace of the Workspaces that mount it.
   * @default - the chart's namespace
   */
  readonly namespace?: string;
}

/**
 * A PersistentVolumeClaim for Workspace home or data volumes. Workspaces that mount it are ordered after it in the
 * output, so `kubectl apply` and GitOps tools create it first.
 */
export class WorkspaceClaim extends Construct {
  /** The claim's name. */
  public readonly name: string;
  /** The underlying API object. */
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: WorkspaceClaimProps) {
    super(scope, id);
    this.name = props.name;
    this.apiObject = new ApiObject(this, 'Resource', {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: props.name, namespace: props.namespace, labels: sortedMap(props.labels) },
      spec: {
        accessModes: [...(props.accessModes ?? [ClaimAccessMode.READ_WRITE_ONCE])],
        storageClassName: props.storageClassName,
        resources: { requests: { storage: toQuantity(props.size ?? Size.gibibytes(10)) } },
      },
    });
    registerForCollisionCheck(this.apiObject);
  }

  /** The namespace the claim is synthesized into. */
  public get namespace(): string | undefined {
    return this.apiObject.metadata.namespace;
  }
}

/** Where a Workspace volume comes from: an existing claim, a claim of this app, or a new claim. */
export class WorkspaceVolume {
  /** A claim that already exists in the Workspace namespace (not managed by this app). */
  public static fromExistingClaim(claimName: string): WorkspaceVolume {
    return new WorkspaceVolume(() => ({ claimName }));
  }

  /** A claim defined in this app; the Workspace is ordered after it. */
  public static fromClaim(claim: WorkspaceClaim): WorkspaceVolume {
    return new WorkspaceVolume(() => ({ claimName: claim.name, claim }));
  }

  /** A new claim, synthesized with the Workspace (as its child) and ordered before it. */
  public static newClaim(props: NewClaimProps): WorkspaceVolume {
    return new WorkspaceVolume((workspace: Workspace) => {
      const claim = new WorkspaceClaim(workspace, `Claim-${props.name}`, { ...props, namespace: workspace.namespace });
      return { claimName: claim.name, claim };
    });
  }

  private constructor(private readonly bindTo: (workspace: Workspace) => { claimName: string; claim?: WorkspaceClaim }) {}

  /** @internal */
  public _bind(workspace: Workspace): { claimName: string; claim?: WorkspaceClaim } {
    return this.bindTo(workspace);
  }
}

/** A data volume of a Workspace. */
export interface DataVolumeOptions {
  /** The claim to mount. */
  readonly volume: WorkspaceVolume;
  /** Absolute mount path, unique within the Workspace. */
  readonly mountPath: string;
  /**
   * Mount read-only.
   * @default false
   */
  readonly readOnly?: boolean;
}

/** A Secret mounted into a Workspace (v2.0.0-beta.0), whole: every key is a file. */
export interface SecretVolumeOptions {
  /** Name of the Secret, in the Workspace's namespace. */
  readonly secretName: string;
  /** Absolute mount path, unique among the Workspace's secret volumes. */
  readonly mountPath: string;
  /**
   * File mode of the keys, 0 to 0o777 (write octal literals: `0o440`).
   * @default 0o644
   */
  readonly defaultMode?: number;
}

/** Properties of a Workspace. */
export interface WorkspaceProps {
  /** The Workspace's name (`metadata.name`). */
  readonly name: string;
  /**
   * Namespace of the Workspace.
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /** The WorkspaceKind it is an instance of (a `WorkspaceKind` of this app, or `WorkspaceKind.fromName()`). */
  readonly kind: IWorkspaceKind;
  /**
   * The image option.
   * @default - the kind's default image option (required for kinds from `WorkspaceKind.fromName()`)
   */
  readonly imageConfig?: IImageConfig;
  /**
   * The pod-size option.
   * @default - the kind's default pod-size option (required for kinds from `WorkspaceKind.fromName()`)
   */
  readonly podConfig?: IPodConfig;
  /**
   * Pause the Workspace (no pod runs).
   * @default false
   */
  readonly paused?: boolean;
  /**
   * Keep pending option redirects from being applied while the Workspace is paused (fd7a3d8e only: the
   * v2.0.0-beta.0 controller never applies redirects).
   * @default false
   */
  readonly deferUpdates?: boolean;
  /**
   * Name shown in the UI, 1–128 chars (v2.0.0-beta.0 only).
   * @default - none
   */
  readonly displayName?: string;
  /**
   * Secrets mounted into the Workspace (v2.0.0-beta.0 only).
   * @default - none
   */
  readonly secretVolumes?: SecretVolumeOptions[];
  /**
   * Labels added to the Workspace pod (over the kind's).
   * @default - none
   */
  readonly podLabels?: Record<string, string>;
  /**
   * Annotations added to the Workspace pod (over the kind's).
   * @default - none
   */
  readonly podAnnotations?: Record<string, string>;
  /**
   * The home volume, mounted at the kind's home mount path.
   * @default - no home volume
   */
  readonly homeVolume?: WorkspaceVolume;
  /**
   * Data volumes.
   * @default - none
   */
  readonly dataVolumes?: DataVolumeOptions[];
  /**
   * Labels of the Workspace object itself.
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * Annotations of the Workspace object itself (not of its Pod: see `podAnnotations`).
   * @default - none
   */
  readonly annotations?: Record<string, string>;
}

interface BoundDataVolume {
  readonly pvcName: string;
  readonly mountPath: string;
  readonly readOnly?: boolean;
}

/**
 * A Workspace: one user's environment, an instance of a WorkspaceKind with chosen options and volumes.
 *
 * Checked at synth time against its kind (when the kind is in this app) with the rules of the API server and the
 * upstream admission webhook. New claims are synthesized next to it and ordered before it.
 */
export class Workspace extends Construct {
  /** The Workspace's name. */
  public readonly name: string;
  /** The kind it is an instance of. */
  public readonly kind: IWorkspaceKind;
  /** The underlying API object. */
  public readonly apiObject: ApiObject;

  private readonly props: WorkspaceProps;
  private readonly home?: string;
  private readonly data: BoundDataVolume[] = [];
  private readonly optionMisuses: readonly Violation[];
  private cachedManifest?: WorkspaceObject;
  private cachedForKind?: WorkspaceKindObject;

  constructor(scope: Construct, id: string, props: WorkspaceProps) {
    super(scope, id);
    // Copies, so that changing the maps passed in cannot change the output after it was validated.
    this.props = {
      ...props,
      podLabels: copyJson(props.podLabels),
      podAnnotations: copyJson(props.podAnnotations),
      labels: copyJson(props.labels),
      annotations: copyJson(props.annotations),
      secretVolumes: props.secretVolumes?.map(v => ({ ...v })),
    };
    this.name = props.name;
    this.kind = props.kind;
    // Reported at synth time with every other problem of the app, not thrown here.
    this.optionMisuses = [...optionMisuse(props.imageConfig, OptionKind.IMAGE, props.kind), ...optionMisuse(props.podConfig, OptionKind.POD, props.kind)];

    this.apiObject = new ApiObject(this, 'Resource', {
      apiVersion: API_VERSION,
      kind: WORKSPACE_KIND,
      metadata: { name: props.name, namespace: props.namespace, labels: sortedMap(props.labels), annotations: sortedMap(props.annotations) },
      spec: Lazy.any({ produce: () => this._manifest().spec }),
    });
    // A kind of this app is applied before its Workspaces (the webhook would reject them otherwise). Across charts a
    // chart-level dependency says the same thing once, instead of once per Workspace, which keeps synth fast.
    if (props.kind instanceof Construct) {
      const ownChart = Chart.of(this);
      const kindChart = Chart.of(props.kind);
      if (ownChart === kindChart) {
        // On the kind's object rather than the kind: what cdk8s would resolve it to, with less work per synth pass.
        this.apiObject.node.addDependency(props.kind instanceof WorkspaceKind ? props.kind.apiObject : props.kind);
      } else if (!ownChart.node.dependencies.includes(kindChart)) {
        ownChart.addDependency(kindChart);
      }
    }
    if (props.homeVolume) {
      this.home = this.bindVolume(props.homeVolume);
    }
    for (const volume of props.dataVolumes ?? []) {
      this.addDataVolume(volume);
    }
    this.node.addValidation(memoizedValidation(() => [this._manifest(), this.kind._manifest()], () => this.validate()));
    registerForCollisionCheck(this.apiObject);
  }

  /** The namespace the Workspace is synthesized into. */
  public get namespace(): string | undefined {
    return this.apiObject.metadata.namespace;
  }

  /** Mounts another data volume. */
  public addDataVolume(options: DataVolumeOptions): void {
    this.data.push({ pvcName: this.bindVolume(options.volume), mountPath: options.mountPath, readOnly: options.readOnly });
    this.cachedManifest = undefined;
  }

  /**
   * The Workspace manifest as it will be synthesized: built once for validation and output, and again only after a
   * change (to its volumes, or to its kind, whose default options it may use).
   * @internal
   */
  public _manifest(): WorkspaceObject {
    const kindManifest = this.kind._manifest();
    if (!this.cachedManifest || this.cachedForKind !== kindManifest) {
      this.cachedManifest = this.renderManifest();
      this.cachedForKind = kindManifest;
    }
    return this.cachedManifest;
  }

  private renderManifest(): WorkspaceObject {
    const p = this.props;
    const imageConfig = p.imageConfig ?? p.kind._defaultImageConfig();
    const podConfig = p.podConfig ?? p.kind._defaultPodConfig();
    const beta = apiRevisionOf(this).revision === ApiRevision.V2_0_0_BETA_0;
    const secrets = beta && p.secretVolumes && p.secretVolumes.length > 0
      ? p.secretVolumes.map(v => ({ secretName: v.secretName, mountPath: v.mountPath, defaultMode: v.defaultMode ?? DEFAULT_SECRET_MODE }))
      : undefined;
    return {
      apiVersion: API_VERSION,
      kind: WORKSPACE_KIND,
      metadata: { name: this.name, namespace: this.namespace, labels: sortedMap(p.labels), annotations: sortedMap(p.annotations) },
      spec: {
        paused: p.paused ?? false,
        ...(beta ? { displayName: p.displayName } : { deferUpdates: p.deferUpdates ?? false }),
        kind: p.kind.name,
        podTemplate: {
          podMetadata: p.podLabels || p.podAnnotations
            ? { labels: sortedMap(p.podLabels), annotations: sortedMap(p.podAnnotations) }
            : undefined,
          volumes: {
            home: this.home,
            data: this.data.length > 0 ? this.data.map(d => ({ ...d, readOnly: d.readOnly ?? false })) : undefined,
            secrets,
          },
          options: { imageConfig: imageConfig?.id as string, podConfig: podConfig?.id as string },
        },
      },
    };
  }

  private validate(): string[] {
    const messages: string[] = [];
    const imported = this.kind._manifest() === undefined;
    if (imported && !this.props.imageConfig) {
      messages.push(`spec.podTemplate.options.imageConfig: Required value: WorkspaceKind "${this.kind.name}" is defined outside this app, so its default is unknown; expected an imageConfig from kind.imageConfig('<id>')`);
    }
    if (imported && !this.props.podConfig) {
      messages.push(`spec.podTemplate.options.podConfig: Required value: WorkspaceKind "${this.kind.name}" is defined outside this app, so its default is unknown; expected a podConfig from kind.podConfig('<id>')`);
    }
    const { revision, problem } = apiRevisionOf(this);
    if (problem) messages.push(problem);
    messages.push(...this.revisionMisuses(revision));
    const manifest = this._manifest();
    const kind = this.kind._manifest();
    // The kind's own render-time problems are reported once, at the kind.
    const violations = [...validateWorkspace(manifest, { kind, revision }), ...validateWorkspaceRendering(manifest, kind, { includeKind: false })];
    // A handle of another kind or type explains itself better than "not found in workspace kind" at the same field.
    const misused = new Set(this.optionMisuses.map(v => v.field));
    return [...messages, ...toValidationMessages([...this.optionMisuses, ...violations.filter(v => !misused.has(v.field))])];
  }

  /** Props of the other revision, named with their replacement; they are left out of the manifest. */
  private revisionMisuses(revision: ApiRevision): string[] {
    const p = this.props;
    if (revision === ApiRevision.V2_0_0_BETA_0) {
      return p.deferUpdates !== undefined
        ? [removedAtBeta('deferUpdates', 'spec.deferUpdates', 'the controller never applies redirects; a redirect is only reported (status.pendingRestart), and the Workspace moves when its imageConfig or podConfig is changed')]
        : [];
    }
    return [
      ...(p.displayName !== undefined ? [onlyAtBeta('displayName', 'spec.displayName')] : []),
      ...(p.secretVolumes !== undefined ? [onlyAtBeta('secretVolumes', 'spec.podTemplate.volumes.secrets')] : []),
    ];
  }

  private bindVolume(volume: WorkspaceVolume): string {
    const bound = volume._bind(this);
    if (bound.claim) {
      this.apiObject.node.addDependency(bound.claim.apiObject);
    }
    return bound.claimName;
  }
}

/**
 * An option handle passed where it does not fit: of the other type (the types already say so; this is for callers
 * without a type checker, e.g. other jsii languages), or of another WorkspaceKind.
 */
function optionMisuse(option: IImageConfig | IPodConfig | undefined, field: OptionKind, kind: IWorkspaceKind): Violation[] {
  if (!option) return [];
  const path = `spec.podTemplate.options.${field}`;
  const expected = field === OptionKind.IMAGE ? 'an image option (kind.imageConfig(...) or addImageConfig())' : 'a pod-size option (kind.podConfig(...) or addPodConfig())';
  if (option.optionKind !== field) {
    const what = { [OptionKind.IMAGE]: 'the handle is an image option', [OptionKind.POD]: 'the handle is a pod-size option' };
    const given = what[option.optionKind as OptionKind] ?? `the value is not an option handle (optionKind ${JSON.stringify(option.optionKind)})`;
    return [{ field: path, type: ViolationType.INVALID, value: option.id, detail: `${given}; expected ${expected}` }];
  }
  if (option.kind !== kind) {
    return [{
      field: path,
      type: ViolationType.INVALID,
      value: option.id,
      detail: `an option of WorkspaceKind "${option.kind.name}" was given, but the Workspace's kind is "${kind.name}"; expected ${expected} of "${kind.name}"`,
    }];
  }
  return [];
}

/** Renders a Size as a Kubernetes quantity in the largest binary unit that keeps it whole. */
function toQuantity(size: Size): string {
  const units: [string, (s: Size) => number][] = [
    ['Pi', s => s.toPebibytes({ rounding: SizeRoundingBehavior.NONE })],
    ['Ti', s => s.toTebibytes({ rounding: SizeRoundingBehavior.NONE })],
    ['Gi', s => s.toGibibytes({ rounding: SizeRoundingBehavior.NONE })],
    ['Mi', s => s.toMebibytes({ rounding: SizeRoundingBehavior.NONE })],
  ];
  for (const [suffix, convert] of units) {
    const amount = convert(size);
    if (Number.isInteger(amount) && amount > 0) {
      return `${amount}${suffix}`;
    }
  }
  return `${size.toKibibytes()}Ki`;
}
