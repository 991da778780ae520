/**
 * Activity probing and activity rules of v2.0.0-beta.0 (docs/upstream-v2-beta.md §4.9), as pure decisions: when a probe
 * is due, what a probe's answer means, how `status.activity` changes and whether the rules pause the Workspace. The
 * reconciler runs the probe itself (HTTP to the Pod, or `pods/exec`) between {@link planActivity} and
 * {@link completeActivity}.
 */

import {
  ActivityProbeResult,
  ActivityRule,
  DEFAULT_MIN_PROBE_INTERVAL_SECONDS,
  DEFAULT_PROBE_INTERVAL_SECONDS,
  LabelSelector,
  ProbeResult,
  WorkspaceActivityStatus,
  WorkspaceKindActivityProbe,
} from './api';

/** Per-request timeout of the Jupyter probe (beta §4.9.3). */
export const JUPYTER_PROBE_TIMEOUT_MS = 10_000;
/** Largest response body (Jupyter) or output stream (podExec) read from a probe. */
export const PROBE_OUTPUT_MAX_BYTES = 1024 * 1024;

type LastProbe = ActivityProbeResult;
type WorkspaceActivity = WorkspaceActivityStatus;
type ActivityProbeConfig = WorkspaceKindActivityProbe;

/** A label selector the API could not have produced (the CRD leaves selectors open): a reconcile error. */
export class SelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectorError';
  }
}

/** Standard LabelSelector semantics: every `matchLabels` entry and every expression must hold; empty selects all. */
export function selectorMatches(selector: LabelSelector | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[k] !== v) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, req.key);
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
        if (values.length === 0) throw new SelectorError(`operator In on key ${JSON.stringify(req.key)} needs values`);
        if (!has || !values.includes(labels[req.key])) return false;
        break;
      case 'NotIn':
        if (values.length === 0) throw new SelectorError(`operator NotIn on key ${JSON.stringify(req.key)} needs values`);
        if (has && values.includes(labels[req.key])) return false;
        break;
      case 'Exists':
        if (values.length > 0) throw new SelectorError(`operator Exists on key ${JSON.stringify(req.key)} takes no values`);
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (values.length > 0) throw new SelectorError(`operator DoesNotExist on key ${JSON.stringify(req.key)} takes no values`);
        if (has) return false;
        break;
      default:
        throw new SelectorError(`${JSON.stringify(req.operator)} is not a valid label selector operator`);
    }
  }
  return true;
}

export interface RuleInput {
  readonly rules: readonly ActivityRule[];
  readonly namespaceLabels: Readonly<Record<string, string>>;
  readonly podConfigLabels: Readonly<Record<string, string>>;
  readonly nowMs: number;
  /** Only right after a fresh successful probe may the rules pause (beta §4.9.2). */
  readonly allowPause: boolean;
  readonly activity: WorkspaceActivity;
  /** `status.lastRunningTime`. */
  readonly lastRunningTime: number;
}

/**
 * The `pauseWorkspace` effect (beta §4.9.4): the first rule that sets it and matches decides. A matching `true`
 * records `eligibleAfter`; anything else clears it (an emptied `rules: {}` stays, as upstream leaves it).
 */
export function evaluateRules(input: RuleInput): { activity: WorkspaceActivity; pause: boolean } {
  const { activity } = input;
  const clear = (): { activity: WorkspaceActivity; pause: boolean } => {
    if (!activity.rules) return { activity, pause: false };
    const { pauseWorkspace: _dropped, ...rest } = activity.rules;
    return { activity: { ...activity, rules: rest }, pause: false };
  };
  const rule = input.rules.find(
    (r) =>
      r.effect.pauseWorkspace !== undefined &&
      selectorMatches(r.match?.matchNamespace?.selector, input.namespaceLabels) &&
      selectorMatches(r.match?.matchPodConfig?.selector, input.podConfigLabels),
  );
  if (!rule || rule.effect.pauseWorkspace !== true) return clear();
  const seconds = rule.config.secondsSinceActive;
  const minRunning = rule.config.minRunningSeconds ?? 0;
  const last = activity.lastActivity;
  const eligibleAfter = last > 0 ? last + seconds * 1000 : 0;
  const ranLongEnough = minRunning === 0 || (input.lastRunningTime > 0 && input.nowMs - input.lastRunningTime >= minRunning * 1000);
  const eligible = last > 0 && input.nowMs >= eligibleAfter && ranLongEnough;
  return {
    activity: { ...activity, rules: { ...activity.rules, pauseWorkspace: { eligibleAfter } } },
    pause: eligible && input.allowPause,
  };
}

/** The probe intervals of a Kind, in milliseconds. */
export function probeIntervals(probe: ActivityProbeConfig): { minIntervalMs: number; intervalMs: number } {
  return {
    minIntervalMs: (probe.minProbeIntervalSeconds ?? DEFAULT_MIN_PROBE_INTERVAL_SECONDS) * 1000,
    intervalMs: (probe.probeIntervalSeconds ?? DEFAULT_PROBE_INTERVAL_SECONDS) * 1000,
  };
}

/**
 * Whether a probe is due (beta §4.9.2): no probe yet, or the last one started at least `interval` (after a success)
 * or `minInterval` (after a failure or timeout) ago. When not due, `waitMs` is the time until it is.
 */
export function probeDue(activity: WorkspaceActivity, probe: ActivityProbeConfig, nowMs: number): { due: boolean; waitMs: number } {
  const last = activity.lastProbe;
  if (!last || last.startTime <= 0) return { due: true, waitMs: 0 };
  const { minIntervalMs, intervalMs } = probeIntervals(probe);
  const required = last.result === ProbeResult.SUCCESS ? intervalMs : minIntervalMs;
  const elapsed = nowMs - last.startTime;
  return elapsed >= required ? { due: true, waitMs: 0 } : { due: false, waitMs: required - elapsed };
}

/** What a probe found: its `lastProbe` record and, on success, the activity time it reported (if any). */
export interface ProbeOutcome {
  readonly probe: LastProbe;
  readonly activityTime?: number;
}

/** The input of the activity step, once the state of the pass is known. */
export interface ActivityInput {
  readonly probe: ActivityProbeConfig;
  readonly rules: readonly ActivityRule[];
  readonly activity: WorkspaceActivity;
  readonly lastRunningTime: number;
  readonly namespaceLabels: Readonly<Record<string, string>>;
  readonly podConfigLabels: Readonly<Record<string, string>>;
  readonly nowMs: number;
}

/** The activity step before probing: either a probe to run, or the refreshed activity and when to come back. */
export type ActivityPlan =
  | { readonly probeDue: true }
  | { readonly probeDue: false; readonly activity: WorkspaceActivity; readonly requeueAfterMs: number };

/** Beta §4.9.2 when no probe is due: refresh `eligibleAfter` without pausing and come back when one is. */
export function planActivity(input: ActivityInput): ActivityPlan {
  const { due, waitMs } = probeDue(input.activity, input.probe, input.nowMs);
  if (due) return { probeDue: true };
  const { activity } = evaluateRules({ ...input, allowPause: false });
  return { probeDue: false, activity, requeueAfterMs: waitMs };
}

/** Beta §4.9.2 after a probe: record it, evaluate the rules (pausing only after a success) and the next probe time. */
export function completeActivity(
  input: ActivityInput,
  outcome: ProbeOutcome,
): { activity: WorkspaceActivity; pause: boolean; requeueAfterMs: number } {
  let activity: WorkspaceActivity = { ...input.activity, lastProbe: outcome.probe };
  const success = outcome.probe.result === ProbeResult.SUCCESS;
  if (success) {
    activity = {
      ...activity,
      lastActivity: outcome.activityTime ?? activity.lastActivity,
      lastUpdate: outcome.probe.endTime,
    };
  }
  const evaluated = evaluateRules({ ...input, activity, allowPause: success });
  const { minIntervalMs, intervalMs } = probeIntervals(input.probe);
  return { activity: evaluated.activity, pause: evaluated.pause, requeueAfterMs: success ? intervalMs : minIntervalMs };
}

/** Milliseconds of an RFC 3339 timestamp (with or without fractional seconds), or an error text as upstream words it. */
export function parseActivityTimestamp(value: string): number | string {
  if (value === '') return 'empty timestamp';
  const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
  const ms = rfc3339.test(value) ? Date.parse(value.toUpperCase()) : NaN;
  if (Number.isNaN(ms)) return `cannot parse timestamp ${JSON.stringify(value)}: not an RFC 3339 time`;
  return ms;
}

function probeRecord(result: ProbeResult, message: string, startTime: number, endTime: number): LastProbe {
  return { startTime, endTime, result, message };
}

/** The outcome when there is no Pod or it has no IP yet (beta §4.9.3). */
export function podNotReadyOutcome(nowMs: number): ProbeOutcome {
  return { probe: probeRecord(ProbeResult.FAILURE, 'probe failed: Workspace Pod is not ready', nowMs, nowMs) };
}

/** A Jupyter probe answer (`GET <connect path>api/status`): status code and body, or what went wrong. */
export type JupyterResponse =
  | { readonly kind: 'response'; readonly status: number; readonly body: string }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'portNotFound'; readonly portId: string };

/** Beta §4.9.3, Jupyter: the outcome of one request, messages as upstream words them. */
export function jupyterOutcome(response: JupyterResponse, startTime: number, endTime: number): ProbeOutcome {
  const fail = (message: string): ProbeOutcome =>
    ({ probe: probeRecord(ProbeResult.FAILURE, `Jupyter probe failed: ${message}`, startTime, endTime) });
  switch (response.kind) {
    case 'portNotFound':
      return fail(`port ${JSON.stringify(response.portId)} not found in imageConfig`);
    case 'timeout':
      return { probe: probeRecord(ProbeResult.TIMEOUT, `Jupyter probe failed: timeout after ${JUPYTER_PROBE_TIMEOUT_MS}ms`, startTime, endTime) };
    case 'error':
      return fail(response.message);
    case 'response':
      break;
  }
  if (response.status < 200 || response.status > 299) return fail(`HTTP ${response.status}`);
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    return fail('invalid response body');
  }
  const raw = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).last_activity : undefined;
  if (raw === undefined || raw === null || raw === '') return fail('invalid last_activity: empty timestamp');
  if (typeof raw !== 'string') return fail('invalid response body');
  const parsed = parseActivityTimestamp(raw);
  if (typeof parsed === 'string') return fail(`invalid last_activity: ${parsed}`);
  return { probe: probeRecord(ProbeResult.SUCCESS, 'Jupyter probe succeeded', startTime, endTime), activityTime: parsed };
}

/** What one `pods/exec` run of the probe script produced. */
export type PodExecResponse =
  | { readonly kind: 'exit'; readonly exitCode: number; readonly stdout: string }
  | { readonly kind: 'timeout'; readonly timeoutSeconds: number }
  | { readonly kind: 'error'; readonly message: string };

/** Beta §4.9.3, podExec: the outcome of one run, messages as upstream words them. */
export function podExecOutcome(response: PodExecResponse, startTime: number, endTime: number): ProbeOutcome {
  const fail = (message: string): ProbeOutcome =>
    ({ probe: probeRecord(ProbeResult.FAILURE, `PodExec probe failed: ${message}`, startTime, endTime) });
  if (response.kind === 'timeout') {
    const ms = response.timeoutSeconds * 1000;
    return { probe: probeRecord(ProbeResult.TIMEOUT, `PodExec probe failed: timeout after ${ms}ms`, startTime, endTime) };
  }
  if (response.kind === 'error') return fail(response.message);
  if (response.exitCode !== 0) return fail(`unexpected exit code ${response.exitCode}`);
  const success = (activityTime: number | undefined): ProbeOutcome => ({
    probe: probeRecord(ProbeResult.SUCCESS, 'PodExec probe succeeded', startTime, endTime),
    activityTime,
  });
  const out = response.stdout.trim();
  if (out === '') return success(endTime);
  let parsed: unknown;
  try {
    parsed = JSON.parse(out);
  } catch (err) {
    return fail(`invalid JSON file: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return fail('invalid JSON file: expected a JSON object');
  }
  const report = parsed as Record<string, unknown>;
  if (report.has_activity !== undefined && report.has_activity !== null) {
    if (typeof report.has_activity !== 'boolean') return fail('invalid JSON file: has_activity must be a boolean');
    // `false` reports no activity time at all: lastActivity stays as it is (beta quirk 19).
    return success(report.has_activity ? endTime : undefined);
  }
  if (report.last_activity !== undefined && report.last_activity !== null) {
    if (typeof report.last_activity !== 'string') return fail('invalid JSON file: last_activity must be a string');
    const ms = parseActivityTimestamp(report.last_activity);
    return typeof ms === 'string' ? fail(`invalid JSON file: ${ms}`) : success(ms);
  }
  return success(endTime);
}

/**
 * The `/bin/sh -c` program of a podExec probe (beta §4.9.3): stage the script from stdin, run it through its own
 * shebang with `OUTPUT_JSON_PATH` set and its stdout discarded, clean up, and print the JSON it wrote.
 * `token` is 32 random lower-case hex characters (a fresh path per probe).
 */
export function podExecShell(token: string): string {
  if (!/^[0-9a-f]{32}$/.test(token)) throw new Error(`podExecShell: token must be 32 lower-case hex characters, got ${JSON.stringify(token)}`);
  const out = `/tmp/.ws-activity-probe-${token}.json`;
  const script = `${out}.script`;
  return [
    `cat > '${script}'`,
    `chmod +x '${script}'`,
    `OUTPUT_JSON_PATH='${out}' '${script}' >/dev/null`,
    'code=$?',
    `rm -f '${script}'`,
    'if [ "$code" -ne 0 ]; then exit "$code"; fi',
    `if [ -f '${out}' ]; then cat '${out}'; rm -f '${out}'; fi`,
  ].join('\n');
}
