/**
 * Workspace status: the state decision (docs/upstream-behavior.md §2.2, §2.3) and the status computation (§2.1, §2.4).
 * Pure functions over plain Kubernetes JSON (Pods, Events), shared by the reconciler and the CLI.
 */
import { OptionStatus, WorkspaceState, WorkspaceStatus } from './api';
import { MAIN_CONTAINER_NAME } from './render';

/** The parts of a core/v1 Pod the state decision reads. */
export interface PodLike {
  readonly metadata: { readonly name?: string; readonly deletionTimestamp?: string };
  readonly spec?: {
    readonly containers?: readonly { readonly name: string }[];
    readonly initContainers?: readonly { readonly name: string }[];
  };
  readonly status?: {
    readonly phase?: string;
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

/** `status.pauseTime` (Unix seconds): set when pausing, kept while paused, 0 when running (§2.1). */
export function computePauseTime(paused: boolean, previous: number | undefined, nowSeconds: number): number {
  if (!paused) {
    return 0;
  }
  return previous ? previous : nowSeconds;
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
