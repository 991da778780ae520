/**
 * Idle culling (upstream stores `spec.podTemplate.culling` of a WorkspaceKind but never acts on it,
 * docs/upstream-behavior.md §1.10): the pure decisions. A Workspace is probed only while it is Running and not paused;
 * a successful probe records `status.activity`, and a Workspace idle for longer than `maxInactiveSeconds` is paused. A
 * probe that fails records nothing and never pauses anything; that includes a probe the API server refuses (403)
 * because the Workspace's namespace does not grant the controller the culling rules.
 *
 * Idle time is measured from the later of the last activity and the moment the Pod became Ready, so a Workspace
 * that was just started (or unpaused after a long pause) gets a full `maxInactiveSeconds` before it can be culled.
 */
import { WorkspaceKindObject, WorkspaceObject, WorkspaceState } from '../core/api';
import { OptionResolutionError, OptionType, resolveOption } from '../core/options';
import { httpPortName } from '../core/render';
import { workspacePathPrefix } from '../core/template';
import { ApiError } from './kube/client';
import { RECONCILER_CULLING_CLUSTER_ROLE_NAME } from '../core/contract/permissions';

/** CRD default of `culling.maxInactiveSeconds`. */
export const DEFAULT_MAX_INACTIVE_SECONDS = 86_400;

export type ActivityProbeSpec = { readonly type: 'jupyter' } | { readonly type: 'exec'; readonly command: readonly string[] };

export interface CullingPolicy {
  readonly maxInactiveSeconds: number;
  readonly probe: ActivityProbeSpec;
}

/** The Kind's culling policy, or undefined when culling is absent or disabled. `enabled` defaults to true (CRD). */
export function cullingPolicy(kind: WorkspaceKindObject | undefined): CullingPolicy | undefined {
  const culling = kind?.spec?.podTemplate.culling;
  if (!culling || culling.enabled === false) return undefined;
  const probe = culling.activityProbe;
  let spec: ActivityProbeSpec;
  if (probe?.jupyter) {
    spec = { type: 'jupyter' };
  } else if (probe?.exec?.command?.length) {
    spec = { type: 'exec', command: probe.exec.command };
  } else {
    return undefined;
  }
  return { maxInactiveSeconds: culling.maxInactiveSeconds ?? DEFAULT_MAX_INACTIVE_SECONDS, probe: spec };
}

/** Only Workspaces that run, as their status says, are probed. */
export function isCullingCandidate(ws: WorkspaceObject): boolean {
  return !ws.metadata.deletionTimestamp && ws.spec?.paused !== true && ws.status?.state === WorkspaceState.RUNNING;
}

/** Where the Jupyter probe asks: the Service port of the selected image's first port, under its path prefix. */
export interface JupyterTarget {
  readonly namespace: string;
  readonly service: string;
  /** Service port name (`http-<port>`). */
  readonly port: string;
  /** `<httpPathPrefix>api/status`, e.g. `/workspace/ns/ws/jupyterlab/api/status`. */
  readonly path: string;
}

export function jupyterTarget(ws: WorkspaceObject, kind: WorkspaceKindObject, serviceName: string): JupyterTarget | undefined {
  const values = kind.spec?.podTemplate.options.imageConfig.values ?? [];
  let port: { id: string; port: number } | undefined;
  try {
    port = resolveOption(OptionType.IMAGE_CONFIG, values, ws.spec?.podTemplate.options.imageConfig ?? '').current.spec.ports[0];
  } catch (err) {
    if (err instanceof OptionResolutionError) return undefined;
    throw err;
  }
  if (!port) return undefined;
  const namespace = ws.metadata.namespace as string;
  const prefix = workspacePathPrefix(namespace, ws.metadata.name as string, port.id);
  return { namespace, service: serviceName, port: httpPortName(port.port), path: `${prefix}api/status` };
}

export class ActivityProbeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ActivityProbeError';
  }
}

/**
 * A probe the API server refused with 403: the controller's ServiceAccount is not bound to the culling rules in the
 * Workspace's namespace (`WorkspacesTenant` binds them). It is a failed probe like any other: nothing is recorded and
 * nothing is paused; the next round tries again, so a binding added later takes effect without a restart.
 */
export class ActivityProbeForbiddenError extends ActivityProbeError {
  constructor(
    readonly namespace: string,
    /** `pods/exec` or `services/proxy`. */
    readonly resource: string,
    detail: string,
  ) {
    super(
      `the API server refused ${resource} in namespace "${namespace}" (403 Forbidden: ${detail}); ` +
        `the controller may probe Workspaces only in namespaces that bind ClusterRole "${RECONCILER_CULLING_CLUSTER_ROLE_NAME}" ` +
        `to its ServiceAccount (WorkspacesTenant does), so this Workspace is not culled`,
    );
    this.name = 'ActivityProbeForbiddenError';
  }
}

/**
 * What a transport rejects with when an exec or service-proxy request fails: the API server's authorization refusal
 * (403) becomes an {@link ActivityProbeForbiddenError}; other errors keep their message.
 *
 * The service proxy fails with an {@link ApiError}. Only a `Forbidden` Status in the authorizer's words
 * (`... is forbidden: User "..." cannot get resource ...`) is a refusal: the proxy passes the Workspace server's own
 * answers through, and a Jupyter server that wants a token answers 403 too. Exec over WebSocket (the `ws` library
 * under @kubernetes/client-node) fails with an `ErrorEvent`, which is not an Error, whose message is
 * `Unexpected server response: <status>` for a refused upgrade; the body is not available, and before the upgrade
 * only the API server's authorization and admission answer 403.
 */
export function activityProbeError(err: unknown, namespace: string, resource: 'pods/exec' | 'services/proxy'): Error {
  if (err instanceof ApiError) {
    const refused = err.status === 403 && err.reason === 'Forbidden' && /\bis forbidden: User "[^"]*" cannot /.test(err.message);
    return refused ? new ActivityProbeForbiddenError(namespace, resource, err.message) : err;
  }
  const message = typeof (err as { message?: unknown } | undefined)?.message === 'string' ? (err as { message: string }).message : String(err);
  if (/\bUnexpected server response: 403\b/.test(message)) {
    return new ActivityProbeForbiddenError(namespace, resource, message);
  }
  return err instanceof Error ? err : new Error(`${resource} failed: ${message}`);
}

/** `last_activity` of Jupyter Server's `/api/status` response, in Unix seconds. */
export function parseJupyterLastActivity(body: string): number {
  let parsed: { last_activity?: unknown };
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new ActivityProbeError(`the Jupyter status response is not JSON: ${JSON.stringify(body.slice(0, 100))}`);
  }
  const raw = parsed?.last_activity;
  const t = typeof raw === 'string' ? Date.parse(raw) : NaN;
  if (Number.isNaN(t)) {
    throw new ActivityProbeError(`the Jupyter status response has no valid last_activity: ${JSON.stringify(raw ?? null)}`);
  }
  return Math.floor(t / 1000);
}

export interface Activity {
  readonly lastActivity: number;
  readonly lastUpdate: number;
}

/** What a successful probe saw. */
export type ProbeObservation = { readonly type: 'jupyter'; readonly lastActivity: number } | { readonly type: 'exec'; readonly active: boolean };

/**
 * `status.activity` after a successful probe at `nowSeconds`. Jupyter reports its own last activity; an exec probe
 * exiting 0 means "active now". Last activity never moves backwards (Jupyter restarts with a fresh clock).
 */
export function activityAfterProbe(previous: Activity | undefined, observation: ProbeObservation, nowSeconds: number): Activity {
  const before = previous?.lastActivity ?? 0;
  let lastActivity = before;
  if (observation.type === 'jupyter') {
    lastActivity = Math.max(before, Math.min(observation.lastActivity, nowSeconds));
  } else if (observation.active) {
    lastActivity = nowSeconds;
  }
  return { lastActivity, lastUpdate: nowSeconds };
}

/** When the Pod last became Ready (Unix seconds), from its Ready condition. */
export function readySince(pod: { status?: { conditions?: readonly { type: string; status: string; lastTransitionTime?: string }[] } } | undefined): number | undefined {
  const ready = pod?.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True');
  const t = ready?.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : NaN;
  return Number.isNaN(t) ? undefined : Math.floor(t / 1000);
}

/** Seconds without activity, counted from the later of last activity and the Pod becoming Ready. */
export function idleSeconds(activity: Activity, runningSince: number | undefined, nowSeconds: number): number {
  return nowSeconds - Math.max(activity.lastActivity, runningSince ?? 0);
}

/** Whether to pause; never without a baseline (no recorded activity and no Ready time). */
export function shouldCull(activity: Activity, runningSince: number | undefined, nowSeconds: number, policy: CullingPolicy): boolean {
  if (activity.lastActivity === 0 && runningSince === undefined) return false;
  return idleSeconds(activity, runningSince, nowSeconds) > policy.maxInactiveSeconds;
}

/** How the culler reaches a Workspace's Pod; injectable so that tests can point it at local servers. */
export interface ActivityTransport {
  /**
   * GET `target.path` on the Service port; resolves with the body of a 2xx response, rejects otherwise (with an
   * {@link ActivityProbeForbiddenError} when the API server refuses the proxy request).
   */
  jupyterStatus(target: JupyterTarget, timeoutMs: number): Promise<string>;
  /**
   * Runs `command` in the container; resolves with its exit code, rejects if it could not be run (with an
   * {@link ActivityProbeForbiddenError} when the API server refuses the exec).
   */
  exec(target: { namespace: string; pod: string; container: string; command: readonly string[] }, timeoutMs: number): Promise<number>;
}
