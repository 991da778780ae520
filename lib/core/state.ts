/**
 * Workspace status: the state decision (docs/upstream-behavior.md §2.2, §2.3) and the status computation (§2.1, §2.4).
 * Pure functions over plain Kubernetes JSON (Pods, Events), shared by the reconciler and the CLI.
 */
import { OptionStatus, WorkspaceActivityStatus, WorkspaceState, WorkspaceStatus } from './api';
import { MAIN_CONTAINER_NAME } from './render';
import { ApiRevision, DEFAULT_API_REVISION } from './revision';


/** The parts of a core/v1 Pod the state decision reads. */
export interface PodLike {
  readonly metadata: { readonly name?: string; readonly uid?: string; readonly deletionTimestamp?: string };
  readonly spec?: {
    readonly nodeName?: string;
    readonly containers?: readonly { readonly name: string }[];
    readonly initContainers?: readonly { readonly name: string }[];
  };
  readonly status?: {
    readonly phase?: string;
    readonly podIP?: string;
    readonly conditions?: readonly {
      readonly type: string;
      readonly status: string;
      readonly reason?: string;
      readonly message?: string;
    }[];
    readonly containerStatuses?: readonly {
      readonly name: string;
      readonly state?: { readonly waiting?: { readonly reason?: string } };
    }[];
  };
}

/** The parts of a core/v1 Event (about the StatefulSet) the state decision reads. */
export interface EventLike {
  readonly type?: string;
  readonly message?: string;
  readonly lastTimestamp?: string | null;
  readonly eventTime?: string | null;
  readonly firstTimestamp?: string | null;
  readonly series?: { readonly lastObservedTime?: string | null } | null;
}

/** A state and its message; `reason` is a CamelCase word for Kubernetes Events and logs. */
export interface StateDecision {
  readonly state: WorkspaceState;
  readonly message: string;
  readonly reason: string;
}

/** How the reconciler writes an owned object. */
export enum WriteVerb {
  CREATE = 'create',
  UPDATE = 'update',
}

/** Every state message of §2.3, with the Event reason the reconciler reports it under. */
export const StateMessages = {
  unknownKind: (kind: string): StateDecision =>
    error('UnknownWorkspaceKind', `Workspace references unknown WorkspaceKind: ${kind}`),
  invalidImageConfig: (detail: string): StateDecision =>
    error('InvalidImageConfig', `Workspace has invalid imageConfig: ${detail}`),
  invalidPodConfig: (detail: string): StateDecision => error('InvalidPodConfig', `Workspace has invalid podConfig: ${detail}`),
  /** `message` is the full `Workspace failed to generate <object> with error: <detail>` text (`RenderError.stateMessage`). */
  renderFailed: (message: string): StateDecision => error('RenderFailed', message),
  multipleStatefulSets: (names: readonly string[]): StateDecision =>
    error('MultipleStatefulSets', `Workspace owns multiple StatefulSets: ${names.join(', ')}`),
  multipleServices: (names: readonly string[]): StateDecision =>
    error('MultipleServices', `Workspace owns multiple Services: ${names.join(', ')}`),
  /**
   * Not upstream (which returns the error and retries without a status): the API server refused to create or update
   * an owned object; `message` is the API server's.
   */
  ownedObjectRefused: (verb: WriteVerb, object: string, message: string): StateDecision =>
    error(verb === WriteVerb.CREATE ? 'FailedCreate' : 'FailedUpdate', `Workspace failed to ${verb} ${object}: ${message}`),
  /** v2.0.0-beta.0 (docs/upstream-v2-beta.md §4.8.1 B5). */
  podWarning: (message: string): StateDecision => error('PodWarning', `Workspace Pod has warning event: ${message}`),
  /** v2.0.0-beta.0 (beta §4.8.2). */
  multipleServiceAccounts: (names: readonly string[]): StateDecision =>
    error('MultipleServiceAccounts', `Workspace owns multiple ServiceAccounts: ${names.join(', ')}`),
  /** v2.0.0-beta.0: `ws-<name>` exists and another owner controls it (name not quoted, as upstream). */
  serviceAccountNotOwned: (name: string): StateDecision =>
    error('ServiceAccountNotOwned', `Workspace ServiceAccount ${name} already exists and is not owned by the Workspace`),
  /** Not upstream (which only logs the 403): the controller may not bind the ClusterRole a Kind lists. */
  bindRefused: (roleBinding: string, clusterRole: string, kind: string): StateDecision =>
    error(
      'BindRefused',
      `Workspace failed to create RoleBinding ${roleBinding}: the controller may not bind ClusterRole ${JSON.stringify(clusterRole)}; ` +
        `list it in the controller's bindableClusterRoles, or remove it from WorkspaceKind ${kind}`,
    ),
  multipleVirtualServices: (names: readonly string[]): StateDecision =>
    error('MultipleVirtualServices', `Workspace owns multiple VirtualServices: ${names.join(', ')}`),
  statefulSetWarning: (message: string): StateDecision =>
    error('StatefulSetWarning', `Workspace StatefulSet has warning event: ${message}`),
  unschedulable: (message: string): StateDecision => error('Unschedulable', `Workspace Pod is unschedulable: ${message}`),
  schedulingGated: (message: string): StateDecision =>
    error('SchedulingGated', `Workspace Pod is waiting for scheduling gate: ${message}`),
  schedulerError: (message: string): StateDecision => error('SchedulerError', `Workspace Pod has scheduler error: ${message}`),
  containerWaiting: (reason: 'CrashLoopBackOff' | 'ImagePullBackOff'): StateDecision =>
    error(reason, `Workspace Container is not running (${reason})`),
  paused: { state: WorkspaceState.PAUSED, message: 'Workspace is paused', reason: 'Paused' } as StateDecision,
  pending: { state: WorkspaceState.PENDING, message: 'Workspace is pending', reason: 'Pending' } as StateDecision,
  running: { state: WorkspaceState.RUNNING, message: 'Workspace is running', reason: 'Running' } as StateDecision,
  terminating: { state: WorkspaceState.TERMINATING, message: 'Workspace is terminating', reason: 'Terminating' } as StateDecision,
  unknown: { state: WorkspaceState.UNKNOWN, message: 'Workspace is in an unknown state', reason: 'Unknown' } as StateDecision,
} as const;

function error(reason: string, message: string): StateDecision {
  return { state: WorkspaceState.ERROR, message, reason };
}

export interface StateInput {
  /** `spec.paused`. */
  readonly paused: boolean;
  /** The Pod `<statefulSet>-0`, if it exists. */
  readonly pod?: PodLike;
  /** Events whose `involvedObject` is the Workspace's StatefulSet (any type). */
  readonly statefulSetEvents?: readonly EventLike[];
  /**
   * Warning events older than this instant (ms since the epoch) are ignored: the reconciler passes the time it last
   * changed the StatefulSet, so a warning about a previous revision does not outlive the change that fixed it.
   */
  readonly warningsSince?: number;
  /**
   * v2.0.0-beta.0 only: Events whose `involvedObject` is the Pod (any type). A Warning among them puts a Pod that
   * is not Running and Ready into Error (beta §4.8.1 B5). Undefined at fd7a3d8e, which ignores them.
   */
  readonly podEvents?: readonly EventLike[];
}

/**
 * The state decision table of §2.2, first match wins.
 *
 * One deliberate difference (quirk 6): upstream reports the newest StatefulSet Warning until the Event expires
 * (1 h). Here a Warning counts only while it is current — not older than `warningsSince` and not followed by a
 * Normal event of the same StatefulSet (e.g. `SuccessfulCreate` once the missing ServiceAccount exists).
 */
export function decideState(input: StateInput): StateDecision {
  const { pod } = input;
  if (!pod) {
    if (input.paused) {
      return StateMessages.paused;
    }
    const warning = currentWarning(input.statefulSetEvents ?? [], input.warningsSince);
    return warning ? StateMessages.statefulSetWarning(warning.message ?? '') : StateMessages.unknown;
  }

  if (pod.metadata.deletionTimestamp) {
    return StateMessages.terminating;
  }
  const conditions = pod.status?.conditions ?? [];
  const scheduled = conditions.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status !== 'True') {
    const message = scheduled?.message ?? '';
    switch (scheduled?.reason) {
      case 'Unschedulable':
        return StateMessages.unschedulable(message);
      case 'SchedulingGated':
        return StateMessages.schedulingGated(message);
      case 'SchedulerError':
        return StateMessages.schedulerError(message);
      default:
        break;
    }
  }
  const ready = conditions.find((c) => c.type === 'Ready');
  if (pod.status?.phase === 'Running' && ready?.status === 'True') {
    return StateMessages.running;
  }
  const main = pod.status?.containerStatuses?.find((c) => c.name === MAIN_CONTAINER_NAME);
  const waitingReason = main?.state?.waiting?.reason;
  if (waitingReason === 'CrashLoopBackOff' || waitingReason === 'ImagePullBackOff') {
    return StateMessages.containerWaiting(waitingReason);
  }
  if (input.podEvents) {
    const warning = latestWarning(input.podEvents);
    if (warning) return StateMessages.podWarning(warning.message ?? '');
  }
  if (pod.status?.phase === 'Pending') {
    return StateMessages.pending;
  }
  return StateMessages.unknown;
}

/** When an Event last happened (ms since the epoch), or NaN when it carries no time. */
function eventTime(event: EventLike): number {
  const raw = event.series?.lastObservedTime ?? event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp;
  return raw ? Date.parse(raw) : NaN;
}

/** The Warning with the latest time; of equal times (or none) the first listed wins (beta §4.8.1 B5). */
function latestWarning(events: readonly EventLike[]): EventLike | undefined {
  let warning: EventLike | undefined;
  let warningTime = -Infinity;
  for (const event of events) {
    if (event.type !== 'Warning') continue;
    const t = eventTime(event);
    const time = Number.isNaN(t) ? 0 : t;
    if (!warning || time > warningTime) {
      warning = event;
      warningTime = time;
    }
  }
  return warning;
}

function currentWarning(events: readonly EventLike[], since: number | undefined): EventLike | undefined {
  let latestNormal = -Infinity;
  let warning: EventLike | undefined;
  let warningTime = -Infinity;
  for (const event of events) {
    const t = eventTime(event);
    if (Number.isNaN(t)) {
      continue;
    }
    if (event.type === 'Warning') {
      // Strictly later replaces: of equal timestamps the first seen is kept, as upstream does.
      if (t > warningTime) {
        warning = event;
        warningTime = t;
      }
    } else if (t > latestNormal) {
      latestNormal = t;
    }
  }
  if (!warning || warningTime < latestNormal || (since !== undefined && warningTime < since)) {
    return undefined;
  }
  return warning;
}

/** `status.pauseTime` (`now`'s unit: seconds at fd7a3d8e, ms at the beta): set when pausing, kept while paused, 0 when running (§2.1). */
export function computePauseTime(paused: boolean, previous: number | undefined, now: number): number {
  if (!paused) {
    return 0;
  }
  return previous ? previous : now;
}

/** `status.podTemplatePod` for the Pod `<statefulSet>-0`, or `{name: ""}` when there is none. */
export function podTemplatePodStatus(pod: PodLike | undefined): WorkspaceStatus['podTemplatePod'] {
  if (!pod) {
    return { name: '' };
  }
  const result: { name: string; containers?: { name: string }[]; initContainers?: { name: string }[] } = {
    name: pod.metadata.name ?? '',
    containers: (pod.spec?.containers ?? []).map((c) => ({ name: c.name })),
  };
  const init = pod.spec?.initContainers ?? [];
  if (init.length > 0) {
    result.initContainers = init.map((c) => ({ name: c.name }));
  }
  return result;
}

export interface StatusInput {
  /** The status currently stored (activity and pauseTime carry over from it). */
  readonly previous?: Partial<WorkspaceStatus>;
  readonly paused: boolean;
  readonly nowSeconds: number;
  /** @default fd7a3d8e */
  readonly revision?: ApiRevision;
  /** v2.0.0-beta.0: milliseconds since the epoch (its status times are in ms). @default nowSeconds × 1000 */
  readonly nowMs?: number;
  /** v2.0.0-beta.0: the Workspace's ServiceAccount, reported even without a Pod. */
  readonly serviceAccountName?: string;
  /** Option resolution results; an option that failed to resolve has no `desired`. */
  readonly imageConfig: OptionStatus;
  readonly podConfig: OptionStatus;
  readonly pod?: PodLike;
  readonly decision: StateDecision;
}

/**
 * The complete status, every required field present (§2.4).
 *
 * Unlike upstream (quirks 4, 5), error states are computed the same way as the others: `pauseTime`,
 * `pendingRestart`, `podTemplateOptions` and `podTemplatePod` are always current, not only when the message changes.
 */
export function computeStatus(input: StatusInput): WorkspaceStatus {
  const pendingRestart = isRedirected(input.imageConfig) || isRedirected(input.podConfig);
  if ((input.revision ?? DEFAULT_API_REVISION) === ApiRevision.V2_0_0_BETA_0) return computeBetaStatus(input, pendingRestart);
  return {
    activity: {
      lastActivity: input.previous?.activity?.lastActivity ?? 0,
      lastUpdate: input.previous?.activity?.lastUpdate ?? 0,
    },
    pauseTime: computePauseTime(input.paused, input.previous?.pauseTime, input.nowSeconds),
    pendingRestart,
    podTemplateOptions: { imageConfig: input.imageConfig, podConfig: input.podConfig },
    podTemplatePod: podTemplatePodStatus(input.pod),
    state: input.decision.state,
    stateMessage: input.decision.message,
  };
}

/**
 * v2.0.0-beta.0 (beta §2.3, §4.8.3, §4.8.4): times in ms, `nodeName` always present, `serviceAccountName`, and on
 * entering Running (or Running with `lastRunningTime` still 0) `lastRunningTime = now` and `activity` reset.
 */
function computeBetaStatus(input: StatusInput, pendingRestart: boolean): WorkspaceStatus {
  const nowMs = input.nowMs ?? input.nowSeconds * 1000;
  const previous = input.previous;
  let activity: WorkspaceActivityStatus = previous?.activity
    ? { ...previous.activity, lastActivity: previous.activity.lastActivity ?? 0, lastUpdate: previous.activity.lastUpdate ?? 0 }
    : { lastActivity: 0, lastUpdate: 0 };
  let lastRunningTime = previous?.lastRunningTime ?? 0;
  if (input.decision.state === WorkspaceState.RUNNING && (previous?.state !== WorkspaceState.RUNNING || lastRunningTime === 0)) {
    lastRunningTime = nowMs;
    activity = { lastActivity: 0, lastUpdate: 0 };
  }
  const pod = podTemplatePodStatus(input.pod);
  return {
    activity,
    lastRunningTime,
    pauseTime: computePauseTime(input.paused, previous?.pauseTime, nowMs),
    pendingRestart,
    podTemplateOptions: { imageConfig: input.imageConfig, podConfig: input.podConfig },
    podTemplatePod: {
      name: pod.name,
      nodeName: input.pod?.spec?.nodeName ?? '',
      ...(input.serviceAccountName ? { serviceAccountName: input.serviceAccountName } : {}),
      ...(pod.containers ? { containers: pod.containers } : {}),
      ...(pod.initContainers ? { initContainers: pod.initContainers } : {}),
    },
    state: input.decision.state,
    stateMessage: input.decision.message,
  };
}

function isRedirected(option: OptionStatus): boolean {
  return (option.redirectChain?.length ?? 0) > 0;
}

/** Semantic equality of two statuses: absent optional fields equal empty ones. */
export function statusEquals(a: Partial<WorkspaceStatus> | undefined, b: Partial<WorkspaceStatus> | undefined): boolean {
  return JSON.stringify(normaliseStatus(a)) === JSON.stringify(normaliseStatus(b));
}

function normaliseStatus(s: Partial<WorkspaceStatus> | undefined): unknown {
  const option = (o: OptionStatus | undefined): unknown => ({
    desired: o?.desired ?? '',
    redirectChain: (o?.redirectChain ?? []).map((step) => [step.source, step.target]),
  });
  return {
    activity: [s?.activity?.lastActivity ?? 0, s?.activity?.lastUpdate ?? 0],
    // v2.0.0-beta.0 only; absent at fd7a3d8e on both sides.
    lastProbe: s?.activity?.lastProbe
      ? [s.activity.lastProbe.startTime, s.activity.lastProbe.endTime, s.activity.lastProbe.result, s.activity.lastProbe.message]
      : null,
    rules: s?.activity?.rules ? [s.activity.rules.pauseWorkspace?.eligibleAfter ?? null] : null,
    lastRunningTime: s?.lastRunningTime ?? 0,
    podBeta: [s?.podTemplatePod?.nodeName ?? '', s?.podTemplatePod?.serviceAccountName ?? ''],
    pauseTime: s?.pauseTime ?? 0,
    pendingRestart: s?.pendingRestart ?? false,
    imageConfig: option(s?.podTemplateOptions?.imageConfig),
    podConfig: option(s?.podTemplateOptions?.podConfig),
    pod: [
      s?.podTemplatePod?.name ?? '',
      (s?.podTemplatePod?.containers ?? []).map((c) => c.name),
      (s?.podTemplatePod?.initContainers ?? []).map((c) => c.name),
    ],
    state: s?.state ?? '',
    stateMessage: s?.stateMessage ?? '',
  };
}
