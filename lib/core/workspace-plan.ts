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
  WorkspaceState,
  WorkspaceStatus,
} from './api';
import { FinalizerChange, kindFinalizerChange } from './kind-status';
import { OptionResolutionError, OptionType, ResolvedOption, resolveOption } from './options';
import {
  IstioRouting,
  RenderedRoleBinding,
  RenderedService,
  RenderedServiceAccount,
  RenderedStatefulSet,
  RenderedVirtualService,
  RenderError,
  renderRoleBindings,
  renderService,
  renderServiceAccount,
  renderStatefulSet,
  renderVirtualService,
} from './render';
import { computeStatus, decideState, EventLike, StateDecision, StateMessages, statusEquals } from './state';
import { roleBindingPatch, sameRoleRef, serviceAccountPatch, servicePatch, statefulSetPatch, virtualServicePatch } from './drift';
import {
  PodObject,
  RoleBindingObject,
  ServiceAccountObject,
  ServiceObject,
  StatefulSetObject,
  VirtualServiceObject,
} from './kube-objects';
import { ActivityInput, planActivity } from './activity';
import { ApiRevision, DEFAULT_API_REVISION } from './revision';

/**
 * How long a Pending Workspace waits before it is looked at again (v2.0.0-beta.0, docs/upstream-v2-beta.md §4.8.1 B6).
 */
export const PENDING_REQUEUE_MS = 15_000;

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
  /** The revision of the installed CRDs. @default fd7a3d8e */
  readonly revision?: ApiRevision;
  /** Milliseconds since the epoch (v2.0.0-beta.0 status times). @default nowSeconds × 1000 */
  readonly nowMs?: number;
  /** v2.0.0-beta.0: ServiceAccounts whose controller owner is this Workspace. */
  readonly serviceAccounts?: readonly ServiceAccountObject[];
  /** v2.0.0-beta.0: RoleBindings whose controller owner is this Workspace. */
  readonly roleBindings?: readonly RoleBindingObject[];
  /** v2.0.0-beta.0 with Istio on: where VirtualServices route from; undefined = Istio off. */
  readonly istio?: IstioRouting;
  /** v2.0.0-beta.0 with Istio on: VirtualServices whose controller owner is this Workspace. */
  readonly virtualServices?: readonly VirtualServiceObject[];
  /** v2.0.0-beta.0: Events about the Pod. */
  readonly podEvents?: readonly EventLike[];
  /** v2.0.0-beta.0: labels of the Workspace's namespace (activity rules); empty when it cannot be found. */
  readonly namespaceLabels?: Readonly<Record<string, string>>;
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
  | { readonly type: 'patchService'; readonly live: ServiceObject; readonly desired: RenderedService; readonly patch: JsonObject }
  // v2.0.0-beta.0
  | { readonly type: 'createServiceAccount'; readonly object: RenderedServiceAccount }
  | { readonly type: 'patchServiceAccount'; readonly live: ServiceAccountObject; readonly patch: JsonObject }
  | { readonly type: 'createVirtualService'; readonly object: RenderedVirtualService }
  | { readonly type: 'patchVirtualService'; readonly live: VirtualServiceObject; readonly patch: JsonObject }
  | { readonly type: 'deleteRoleBinding'; readonly live: RoleBindingObject }
  | { readonly type: 'patchRoleBinding'; readonly live: RoleBindingObject; readonly patch: JsonObject }
  | { readonly type: 'createRoleBinding'; readonly object: RenderedRoleBinding };

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
  /** v2.0.0-beta.0: come back after this long (Pending, next activity probe); the sooner of several wins. */
  readonly requeueAfterMs?: number;
  /**
   * v2.0.0-beta.0: an activity probe is due. The shell runs it against `pod`, then finishes the status with
   * `completeActivity(activity, outcome)` (activity.ts) — and pauses the Workspace when that says so.
   */
  readonly probe?: {
    readonly activity: ActivityInput;
    readonly pod?: PodObject;
    /** The complete status of this pass before the probe (also when it equals the stored one). */
    readonly status: WorkspaceStatus;
  };
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

  const revision = snap.revision ?? DEFAULT_API_REVISION;
  const beta = revision === ApiRevision.V2_0_0_BETA_0;
  const nowMs = snap.nowMs ?? snap.nowSeconds * 1000;
  let serviceAccountName: string | undefined;

  const finish = (decision: StateDecision): WorkspacePlan => {
    const statusWith = (d: StateDecision): WorkspaceStatus =>
      computeStatus({
        previous: ws.status,
        paused,
        nowSeconds: snap.nowSeconds,
        revision,
        nowMs,
        serviceAccountName,
        imageConfig: optionStatus(imageConfig),
        podConfig: optionStatus(podConfig),
        pod,
        decision: d,
      });
    let status = statusWith(decision);
    let requeueAfterMs = beta && decision.state === WorkspaceState.PENDING ? PENDING_REQUEUE_MS : undefined;
    let probe: WorkspacePlan['probe'];
    const activityProbe = kind?.spec?.podTemplate.activityProbe;
    if (beta && activityProbe && decision.state === WorkspaceState.RUNNING) {
      // Beta §4.9: only a Running Workspace of a Kind with a probe; the rest of the status is final here.
      const input: ActivityInput = {
        probe: activityProbe,
        rules: kind?.spec?.activityRules ?? [],
        activity: status.activity,
        lastRunningTime: status.lastRunningTime ?? 0,
        namespaceLabels: snap.namespaceLabels ?? {},
        podConfigLabels: Object.fromEntries((podConfig?.current.spawner.labels ?? []).map((l) => [l.key, l.value])),
        nowMs,
      };
      const planned = planActivity(input);
      if (planned.probeDue) {
        probe = { activity: input, pod, status };
      } else {
        status = { ...status, activity: planned.activity };
        requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, planned.requeueAfterMs);
      }
    }
    return {
      actions,
      decision,
      status: statusEquals(ws.status, status) ? undefined : status,
      statusWith,
      ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}),
      ...(probe ? { probe } : {}),
    };
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
  // Beta §4.2 step 6: the beta controller never applies redirects; it only reports them.
  if (!beta && pendingRestart && paused && ws.spec.deferUpdates !== true) {
    // §1.2 step 7: both ids are written; the spec change triggers the next pass, which renders the new options.
    actions.push({ type: 'applyRedirects', imageConfig: imageConfig.desired, podConfig: podConfig.desired });
    return { actions };
  }

  if (beta) {
    // Beta §4.2 step 7: the Workspace's own ServiceAccount; an owned one keeps its name even if it differs.
    let desiredSa: RenderedServiceAccount;
    try {
      desiredSa = renderServiceAccount(ws);
    } catch (err) {
      // Only a Workspace read from files (kfws) can lack a namespace; it reports as a rendering failure, as in fd7a3d8e.
      if (err instanceof RenderError) return finish(StateMessages.renderFailed(err.stateMessage));
      throw err;
    }
    const owned = snap.serviceAccounts ?? [];
    if (owned.length > 1) {
      return finish(StateMessages.multipleServiceAccounts(owned.map((o) => o.metadata.name ?? '').sort()));
    }
    if (owned.length === 0) {
      actions.push({ type: 'createServiceAccount', object: desiredSa });
      serviceAccountName = desiredSa.metadata.name;
    } else {
      serviceAccountName = owned[0].metadata.name as string;
      const patch = serviceAccountPatch(owned[0], desiredSa);
      if (patch) actions.push({ type: 'patchServiceAccount', live: owned[0], patch });
    }
  }

  let desiredSts: RenderedStatefulSet;
  try {
    desiredSts = renderStatefulSet(ws, kind, { revision, serviceAccountName });
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

  if (beta && snap.istio) {
    // Beta §4.2 step 10. A Service created in this pass has no name yet: its watch event brings the next pass.
    const vsDecision = planVirtualService(snap, snap.istio, actions);
    if (vsDecision) return finish(vsDecision);
  }
  if (beta) {
    planRoleBindings(snap, serviceAccountName as string, actions);
  }

  return finish(
    decideState({
      paused,
      pod,
      statefulSetEvents: events,
      warningsSince,
      ...(beta ? { podEvents: pod ? snap.podEvents ?? [] : [] } : {}),
    }),
  );
}

/** Beta §4.2 step 10: the one VirtualService; an Error decision when it cannot be rendered or several exist. */
function planVirtualService(snap: WorkspaceSnapshot, istio: IstioRouting, actions: WorkspaceAction[]): StateDecision | undefined {
  const kind = snap.kind as WorkspaceKindObject;
  if (snap.services.length !== 1) return undefined;
  let desired: RenderedVirtualService;
  try {
    desired = renderVirtualService(snap.ws, kind, snap.services[0].metadata.name as string, istio);
  } catch (err) {
    if (err instanceof RenderError) return StateMessages.renderFailed(err.stateMessage);
    throw err;
  }
  const owned = snap.virtualServices ?? [];
  if (owned.length > 1) return StateMessages.multipleVirtualServices(owned.map((o) => o.metadata.name ?? '').sort());
  if (owned.length === 0) {
    actions.push({ type: 'createVirtualService', object: desired });
  } else {
    const patch = virtualServicePatch(owned[0], desired);
    if (patch) actions.push({ type: 'patchVirtualService', live: owned[0], patch });
  }
  return undefined;
}

/**
 * Beta §4.4: one RoleBinding per Kind `serviceAccount.clusterRoles[]` entry. An owned one that is no longer desired,
 * or whose (immutable) roleRef drifted, is deleted; a desired one that is missing is created.
 */
function planRoleBindings(snap: WorkspaceSnapshot, serviceAccountName: string, actions: WorkspaceAction[]): void {
  const desired = renderRoleBindings(snap.ws, snap.kind as WorkspaceKindObject, serviceAccountName);
  const byName = new Map(desired.map((rb) => [rb.metadata.name, rb]));
  const kept = new Set<string>();
  for (const live of snap.roleBindings ?? []) {
    const wanted = byName.get(live.metadata.name as string);
    if (!wanted || !sameRoleRef(live, wanted)) {
      actions.push({ type: 'deleteRoleBinding', live });
      continue;
    }
    kept.add(wanted.metadata.name);
    const patch = roleBindingPatch(live, wanted);
    if (patch) actions.push({ type: 'patchRoleBinding', live, patch });
  }
  for (const rb of desired) {
    if (!kept.has(rb.metadata.name)) actions.push({ type: 'createRoleBinding', object: rb });
  }
}
