/**
 * WorkspaceKind status (docs/upstream-behavior.md §3.2): how many Workspaces use the Kind, and each option value's
 * usage in spec order. Pure; the counting rule itself lives in the validation module (the webhook uses the same
 * counts).
 */
import { FINALIZER_WORKSPACEKIND_PROTECTION, OptionUsage, WorkspaceKindObject, WorkspaceKindStatus, WorkspaceObject } from './api';
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

/** Semantic equality of two Kind statuses (absent lists equal empty ones). */
export function kindStatusEquals(a: Partial<WorkspaceKindStatus> | undefined, b: Partial<WorkspaceKindStatus> | undefined): boolean {
  const norm = (s: Partial<WorkspaceKindStatus> | undefined): string =>
    JSON.stringify([
      s?.workspaces ?? 0,
      (s?.podTemplateOptions?.imageConfig ?? []).map((u) => [u.id, u.workspaces]),
      (s?.podTemplateOptions?.podConfig ?? []).map((u) => [u.id, u.workspaces]),
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
