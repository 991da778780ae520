/**
 * The Workspace reconcile decision (docs/upstream-behavior.md §1.2), as a pure function from cached objects to the
 * writes to make and the status to store. The I/O shell (lib/reconciler/workspace-controller.ts) executes the plan in
 * order.
 */
import { createHash } from 'node:crypto';
import {
  JsonObject,
  LABEL_WORKSPACE_NAME,
  OptionStatus,
  WorkspaceKindObject,
  WorkspaceObject,
  WorkspaceStatus,
} from './api';
import { FinalizerChange, kindFinalizerChange } from './kind-status';
import { OptionResolutionError, OptionType, ResolvedOption, resolveOption } from './options';
import { RenderedService, RenderedStatefulSet, RenderError, renderService, renderStatefulSet } from './render';
import { computeStatus, decideState, EventLike, StateDecision, StateMessages, statusEquals } from './state';
import { servicePatch, statefulSetPatch } from './drift';
import { PodObject, ServiceObject, StatefulSetObject } from './kube-objects';

export interface WorkspaceSnapshot {
  readonly ws: WorkspaceObject;
  /** The WorkspaceKind named by `spec.kind`, if it exists. */
  readonly kind?: WorkspaceKindObject;
  /** StatefulSets whose controller owner is this Workspace (name and UID). */
  readonly statefulSets: readonly StatefulSetObject[];
  /** Services whose controller owner is this Workspace (name and UID). */
  readonly services: readonly ServiceObject[];
  /** The Pod `<statefulSet>-0` when exactly one StatefulSet is owned and the Pod exists. */
  readonly pod?: PodObject;
  /** Events about that StatefulSet. */
  readonly statefulSetEvents: readonly EventLike[];
  /** When the reconciler last changed that StatefulSet (ms); older warnings are stale. */
  readonly statefulSetChangedAt?: number;
  /** What the reconciler last wrote to the owned StatefulSet, if it did in this process. */
  readonly statefulSetApplied?: AppliedMemo;
  /** What the reconciler last wrote to the owned Service, if it did in this process. */
  readonly serviceApplied?: AppliedMemo;
  readonly nowSeconds: number;
}

/**
 * The reconciler's record of its last write to an owned object: the rendering it wrote (hash) and the object version
 * the write produced (StatefulSet `metadata.generation`, Service `metadata.resourceVersion`). While both still
 * match, the object is up to date even if normalisation misses a server default — so an unknown default costs at
 * most one write per process, never one per pass.
 */
export interface AppliedMemo {
  readonly version: string;
  readonly hash: string;
}

/** Hash of a rendered object, for {@link AppliedMemo}. */
export function renderedHash(object: RenderedStatefulSet | RenderedService): string {
  return createHash('sha1').update(JSON.stringify(object.spec)).update(JSON.stringify(object.metadata.labels)).digest('hex');
}

/** The version {@link AppliedMemo} tracks for an owned object. */
export function appliedVersion(object: StatefulSetObject | ServiceObject, isStatefulSet: boolean): string {
  return String(isStatefulSet ? object.metadata.generation : object.metadata.resourceVersion);
}

function unchangedSinceApplied(
  live: StatefulSetObject | ServiceObject,
  desired: RenderedStatefulSet | RenderedService,
  memo: AppliedMemo | undefined,
  isStatefulSet: boolean,
): boolean {
  return (
    memo !== undefined &&
    memo.version === appliedVersion(live, isStatefulSet) &&
    memo.hash === renderedHash(desired) &&
    live.metadata.labels?.[LABEL_WORKSPACE_NAME] === desired.metadata.labels[LABEL_WORKSPACE_NAME]
  );
}

export type WorkspaceAction =
  | { readonly type: 'addKindFinalizer'; readonly kind: WorkspaceKindObject }
  | { readonly type: 'applyRedirects'; readonly imageConfig: string; readonly podConfig: string }
  | { readonly type: 'createStatefulSet'; readonly object: RenderedStatefulSet }
  | { readonly type: 'patchStatefulSet'; readonly live: StatefulSetObject; readonly desired: RenderedStatefulSet; readonly patch: JsonObject }
  | { readonly type: 'createService'; readonly object: RenderedService }
  | { readonly type: 'patchService'; readonly live: ServiceObject; readonly desired: RenderedService; readonly patch: JsonObject };

export interface WorkspacePlan {
  readonly actions: readonly WorkspaceAction[];
  /** The state reached by this pass; undefined when the pass stops before computing one (deleting, redirect). */
  readonly decision?: StateDecision;
  /** The status to write; undefined when it equals the stored one. */
  readonly status?: WorkspaceStatus;
  /**
   * The complete status of this pass had it ended with `decision` instead (same options and Pod): for a write that
   * the API server refuses while the plan is carried out. Undefined when the pass computes no status.
   */
  readonly statusWith?: (decision: StateDecision) => WorkspaceStatus;
}

const NO_PLAN: WorkspacePlan = { actions: [] };

export function optionStatus(resolved: ResolvedOption<unknown> | undefined): OptionStatus {
  if (!resolved) return {};
  return resolved.redirectChain ? { desired: resolved.desired, redirectChain: resolved.redirectChain } : { desired: resolved.desired };
}

export function planWorkspace(snap: WorkspaceSnapshot): WorkspacePlan {
  const { ws, kind } = snap;
  if (ws.metadata.deletionTimestamp || !ws.spec) {
    return NO_PLAN;
  }
  const actions: WorkspaceAction[] = [];
  const paused = ws.spec.paused === true;
  let pod = snap.pod;
  let events = snap.statefulSetEvents;
  let warningsSince = snap.statefulSetChangedAt;
  let imageConfig: ResolvedOption<unknown> | undefined;
  let podConfig: ResolvedOption<unknown> | undefined;

  const finish = (decision: StateDecision): WorkspacePlan => {
    const statusWith = (d: StateDecision): WorkspaceStatus =>
      computeStatus({
        previous: ws.status,
        paused,
        nowSeconds: snap.nowSeconds,
        imageConfig: optionStatus(imageConfig),
        podConfig: optionStatus(podConfig),
        pod,
        decision: d,
      });
    const status = statusWith(decision);
    return { actions, decision, status: statusEquals(ws.status, status) ? undefined : status, statusWith };
  };

  if (!kind) {
    return finish(StateMessages.unknownKind(ws.spec.kind));
  }
  // §1.2 step 5: this Workspace uses the Kind, so it must be protected unless it is being deleted.
  if (kindFinalizerChange(kind, 1) === FinalizerChange.ADD) {
    actions.push({ type: 'addKindFinalizer', kind });
  }

  const options = kind.spec?.podTemplate.options;
  try {
    imageConfig = resolveOption(OptionType.IMAGE_CONFIG, options?.imageConfig.values ?? [], ws.spec.podTemplate.options.imageConfig);
  } catch (err) {
    if (err instanceof OptionResolutionError) return finish(StateMessages.invalidImageConfig(err.message));
    throw err;
  }
  try {
    podConfig = resolveOption(OptionType.POD_CONFIG, options?.podConfig.values ?? [], ws.spec.podTemplate.options.podConfig);
  } catch (err) {
    if (err instanceof OptionResolutionError) return finish(StateMessages.invalidPodConfig(err.message));
    throw err;
  }

  const pendingRestart = imageConfig.redirectChain !== undefined || podConfig.redirectChain !== undefined;
  if (pendingRestart && paused && ws.spec.deferUpdates !== true) {
    // §1.2 step 7: both ids are written; the spec change triggers the next pass, which renders the new options.
    actions.push({ type: 'applyRedirects', imageConfig: imageConfig.desired, podConfig: podConfig.desired });
    return { actions };
  }

  let desiredSts: RenderedStatefulSet;
  try {
    desiredSts = renderStatefulSet(ws, kind);
  } catch (err) {
    if (err instanceof RenderError) return finish(StateMessages.renderFailed(err.stateMessage));
    throw err;
  }
  if (snap.statefulSets.length > 1) {
    pod = undefined;
    return finish(StateMessages.multipleStatefulSets(snap.statefulSets.map((s) => s.metadata.name ?? '').sort()));
  }
  if (snap.statefulSets.length === 0) {
    actions.push({ type: 'createStatefulSet', object: desiredSts });
    // A StatefulSet created in this pass has no Pod and no Events yet.
    pod = undefined;
    events = [];
  } else {
    const live = snap.statefulSets[0];
    const patch = unchangedSinceApplied(live, desiredSts, snap.statefulSetApplied, true)
      ? undefined
      : statefulSetPatch(live, desiredSts);
    if (patch) {
      actions.push({ type: 'patchStatefulSet', live, desired: desiredSts, patch });
      // Warnings about the revision being replaced are stale from now on.
      warningsSince = snap.nowSeconds * 1000;
    }
  }

  let desiredSvc: RenderedService;
  try {
    desiredSvc = renderService(ws, kind);
  } catch (err) {
    if (err instanceof RenderError) return finish(StateMessages.renderFailed(err.stateMessage));
    throw err;
  }
  if (snap.services.length > 1) {
    return finish(StateMessages.multipleServices(snap.services.map((s) => s.metadata.name ?? '').sort()));
  }
  if (snap.services.length === 0) {
    actions.push({ type: 'createService', object: desiredSvc });
  } else {
    const live = snap.services[0];
    const patch = unchangedSinceApplied(live, desiredSvc, snap.serviceApplied, false) ? undefined : servicePatch(live, desiredSvc);
    if (patch) actions.push({ type: 'patchService', live, desired: desiredSvc, patch });
  }

  return finish(
    decideState({
      paused,
      pod,
      statefulSetEvents: events,
      warningsSince,
    }),
  );
}
