/**
 * WorkspaceKind status (docs/upstream-behavior.md §3.2): how many Workspaces use the Kind, and each option value's
 * usage in spec order. Pure; the counting rule itself lives in the validation module (the webhook uses the same
 * counts).
 */
import {
  AssetErrorType,
  FINALIZER_WORKSPACEKIND_PROTECTION,
  LABEL_IMAGE_SOURCE,
  OptionUsage,
  WorkspaceKindAssetStatus,
  WorkspaceKindIcon,
  WorkspaceKindObject,
  WorkspaceKindStatus,
  WorkspaceObject,
} from './api';
import { countOptionUsage } from './validation';

/** Status of `kind` given the Workspaces (any namespace; others are ignored) that reference it. */
export function computeKindStatus(kind: WorkspaceKindObject, workspaces: readonly WorkspaceObject[]): WorkspaceKindStatus {
  const name = kind.metadata.name ?? '';
  const counts = countOptionUsage(name, workspaces);
  const options = kind.spec?.podTemplate.options;
  const usage = (values: readonly { id: string }[] | undefined, map: ReadonlyMap<string, number>): OptionUsage[] =>
    (values ?? []).map((v) => ({ id: v.id, workspaces: map.get(v.id) ?? 0 }));
  return {
    workspaces: workspaces.filter((ws) => ws.spec?.kind === name).length,
    podTemplateOptions: {
      imageConfig: usage(options?.imageConfig.values, counts.imageConfig),
      podConfig: usage(options?.podConfig.values, counts.podConfig),
    },
  };
}

/**
 * An icon or logo ConfigMap as the v2.0.0-beta.0 controller sees it: only ConfigMaps labelled
 * `notebooks.kubeflow.org/image-source=true` (others count as not found), reduced to the SHA-256 of each value.
 */
export interface ImageSourceConfigMap {
  /** Lower-case hex SHA-256 of each `data` (UTF-8) and `binaryData` (decoded) value, by key. */
  readonly sha256: Readonly<Record<string, string>>;
}

/** The value of the image-source label that makes a ConfigMap readable. */
export const IMAGE_SOURCE_LABEL_SELECTOR = `${LABEL_IMAGE_SOURCE}=true`;

/**
 * `status.spawnerIcon` / `spawnerLogo` of a v2.0.0-beta.0 Kind (docs/upstream-v2-beta.md §4.10). `lookup` returns the
 * labelled ConfigMap `<namespace>/<name>`, undefined when there is none, or throws when it cannot be read.
 */
export function assetStatus(asset: WorkspaceKindIcon | undefined, lookup: (namespace: string, name: string) => ImageSourceConfigMap | undefined): WorkspaceKindAssetStatus {
  const ref = asset?.configMap;
  if (!ref || asset?.url !== undefined) return {};
  const namespace = ref.namespace ?? '';
  let found: ImageSourceConfigMap | undefined;
  try {
    found = lookup(namespace, ref.name);
  } catch (err) {
    return {
      configMap: {
        errorType: AssetErrorType.OTHER,
        errorMessage: `failed to get ConfigMap "${ref.name}" in namespace "${namespace}": ${(err as Error).message}`,
      },
    };
  }
  if (!found) {
    return {
      configMap: {
        errorType: AssetErrorType.NOT_FOUND,
        errorMessage: `ConfigMap "${ref.name}" not found in namespace "${namespace}" (if it exists, ensure it has the "${LABEL_IMAGE_SOURCE}" label)`,
      },
    };
  }
  const sha256 = found.sha256[ref.key];
  if (sha256 === undefined) {
    return {
      configMap: {
        errorType: AssetErrorType.KEY_NOT_FOUND,
        errorMessage: `key "${ref.key}" not found in ConfigMap "${ref.name}" in namespace "${namespace}"`,
      },
    };
  }
  return { sha256 };
}

/** Semantic equality of two Kind statuses (absent lists equal empty ones). */
export function kindStatusEquals(a: Partial<WorkspaceKindStatus> | undefined, b: Partial<WorkspaceKindStatus> | undefined): boolean {
  const asset = (x: WorkspaceKindAssetStatus | undefined): unknown =>
    x === undefined ? null : [x.sha256 ?? '', x.configMap?.errorType ?? '', x.configMap?.errorMessage ?? ''];
  const norm = (s: Partial<WorkspaceKindStatus> | undefined): string =>
    JSON.stringify([
      s?.workspaces ?? 0,
      (s?.podTemplateOptions?.imageConfig ?? []).map((u) => [u.id, u.workspaces]),
      (s?.podTemplateOptions?.podConfig ?? []).map((u) => [u.id, u.workspaces]),
      asset(s?.spawnerIcon),
      asset(s?.spawnerLogo),
    ]);
  return norm(a) === norm(b);
}

export enum FinalizerChange {
  ADD = 'add',
  REMOVE = 'remove',
}

/**
 * What to do with the protection finalizer (§3.2 step 4, §3.3): remove it when no Workspace uses the Kind (whether or
 * not it is being deleted), add it when Workspaces use a Kind that lacks it and is not being deleted. Upstream only
 * adds it from Workspace passes; adding it here too closes the window of quirk 13, where a finalizer removed by a
 * racing Kind pass stayed missing until an unrelated Workspace event.
 */
export function kindFinalizerChange(kind: WorkspaceKindObject, workspaceCount: number): FinalizerChange | undefined {
  const has = (kind.metadata.finalizers ?? []).includes(FINALIZER_WORKSPACEKIND_PROTECTION);
  if (workspaceCount === 0 && has) return FinalizerChange.REMOVE;
  if (workspaceCount > 0 && !has && !kind.metadata.deletionTimestamp) return FinalizerChange.ADD;
  return undefined;
}
