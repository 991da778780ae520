/**
 * The I/O shell of the Workspace reconcile: reads a snapshot from the caches, asks workspace-plan.ts what to do,
 * performs the writes in order and records Events. Conflicts end the pass with a requeue; a refused write of an owned
 * object puts the Workspace in state Error (and is retried); other API errors are thrown (the worker retries with
 * backoff).
 */
import {
  API_VERSION,
  DEFAULT_POD_EXEC_TIMEOUT_SECONDS,
  FINALIZER_WORKSPACEKIND_PROTECTION,
  OptionStatus,
  WORKSPACE_KIND,
  WorkspaceObject,
  WorkspaceState,
  WorkspaceStatus,
} from '../core/api';
import { StateDecision, StateMessages, statusEquals, WriteVerb } from '../core/state';
import { Caches } from './caches';
import { EventSink, EventType } from './events';
import { ApiError, isConflict, isNotFound, KubeClient } from './kube/client';
import { FIELD_MANAGER, PATHS, splitKey } from '../core/kube-objects';
import { Logger } from './log';
import { RECONCILER_WRITER_CLUSTER_ROLE_NAME } from '../core/contract/permissions';
import { AppliedMemo, appliedVersion, planWorkspace, renderedHash, WorkspaceAction, WorkspacePlan } from '../core/workspace-plan';
import { ApiRevision, DEFAULT_API_REVISION } from '../core/revision';
import { IstioRouting, RenderedObject } from '../core/render';
import { completeActivity, jupyterOutcome, podExecOutcome, podNotReadyOutcome, ProbeOutcome } from '../core/activity';
import { workspacePathPrefix } from '../core/template';
import { OptionType, resolveOption } from '../core/options';
import { ActivityProber, podUrl } from './activity-probe';

export enum Outcome {
  DONE = 'success',
  /** Retry with backoff without counting an error (e.g. the cache is behind). */
  REQUEUE = 'requeue',
  /** A write hit a stale resourceVersion (409): retry with backoff. */
  CONFLICT = 'conflict',
  /**
   * The API server refused to create or update an owned object (4xx): the Workspace is in state Error with its
   * message; retry with capped backoff (a change of the Workspace or its kind is reconciled at once anyway).
   */
  REFUSED = 'refused',
}

/** Which owned object a refused write was for, e.g. to count refusals in a metric. */
export interface RefusedWrite {
  readonly object: RenderedObject;
  readonly verb: WriteVerb;
  /** HTTP status of the refusal. */
  readonly status: number;
}

export interface ControllerDeps {
  readonly client: KubeClient;
  readonly caches: Caches;
  readonly events: EventSink;
  readonly log: Logger;
  /** Milliseconds since the epoch; injectable for tests. */
  readonly now?: () => number;
  /** Called for every write of an owned object that the API server refuses (metrics). */
  readonly onRefused?: (write: RefusedWrite) => void;
  /** The revision of the installed CRDs (`--api-revision`). @default fd7a3d8e */
  readonly revision?: ApiRevision;
  /** v2.0.0-beta.0 with `--use-istio`: where the owned VirtualServices route from. */
  readonly istio?: IstioRouting;
  /** v2.0.0-beta.0: runs activity probes; without one a due probe is recorded as a failure. */
  readonly prober?: ActivityProber;
  /** v2.0.0-beta.0: queue `key` again after `delayMs` (Pending, the next activity probe). */
  readonly requeueAfter?: (key: string, delayMs: number) => void;
}

/**
 * A 4xx answer that retrying the same request cannot change: not 404 (gone meanwhile), 408, 409 (conflict, or a
 * generated name that was taken) or 429 (throttled).
 */
function isRefusal(err: unknown): err is ApiError {
  return err instanceof ApiError && err.status >= 400 && err.status < 500 && ![404, 408, 409, 429].includes(err.status);
}

/**
 * The API server's message without the request line and its `<Kind> "<name>" is invalid: ` head: for a create with
 * `generateName` the name is a new random one each time, and the state message must not change between retries.
 */
export function refusalMessage(err: ApiError): string {
  const request = `${err.verb} ${err.path}: ${err.status} `;
  const message = err.message.startsWith(request) ? err.message.slice(request.length) : err.message;
  return message.replace(/^[A-Za-z][\w.]* "[^"]*" is invalid: /, '');
}

function optionPatch(o: OptionStatus): Record<string, unknown> {
  return { desired: o.desired ?? null, redirectChain: o.redirectChain ?? null };
}

/**
 * The status as a JSON merge patch: every field set, optional ones that are absent sent as null so that stale
 * values are removed. `activity` belongs to the culler once written, so it is only sent when the stored status has
 * none yet (the CRD requires it).
 */
export function statusMergePatch(
  status: WorkspaceStatus,
  previous: Partial<WorkspaceStatus> | undefined,
  revision: ApiRevision = DEFAULT_API_REVISION,
): Record<string, unknown> {
  if (revision === ApiRevision.V2_0_0_BETA_0) return betaStatusMergePatch(status);
  return {
    ...(previous?.activity ? {} : { activity: status.activity }),
    pauseTime: status.pauseTime,
    pendingRestart: status.pendingRestart,
    podTemplateOptions: {
      imageConfig: optionPatch(status.podTemplateOptions.imageConfig),
      podConfig: optionPatch(status.podTemplateOptions.podConfig),
    },
    podTemplatePod: {
      name: status.podTemplatePod.name,
      containers: status.podTemplatePod.containers ?? null,
      initContainers: status.podTemplatePod.initContainers ?? null,
    },
    state: status.state,
    stateMessage: status.stateMessage,
  };
}

/**
 * v2.0.0-beta.0: the reconciler owns `activity` (probes run inside the pass), and every required field is sent —
 * `nodeName` and `lastRunningTime` have no default, a write without them is a 422 (docs/upstream-v2-beta.md §2.3).
 */
function betaStatusMergePatch(status: WorkspaceStatus): Record<string, unknown> {
  const { activity } = status;
  return {
    activity: {
      lastActivity: activity.lastActivity,
      lastUpdate: activity.lastUpdate,
      lastProbe: activity.lastProbe ?? null,
      rules: activity.rules ? { pauseWorkspace: activity.rules.pauseWorkspace ?? null } : null,
    },
    lastRunningTime: status.lastRunningTime ?? 0,
    pauseTime: status.pauseTime,
    pendingRestart: status.pendingRestart,
    podTemplateOptions: {
      imageConfig: optionPatch(status.podTemplateOptions.imageConfig),
      podConfig: optionPatch(status.podTemplateOptions.podConfig),
    },
    podTemplatePod: {
      name: status.podTemplatePod.name,
      nodeName: status.podTemplatePod.nodeName ?? '',
      serviceAccountName: status.podTemplatePod.serviceAccountName ?? null,
      containers: status.podTemplatePod.containers ?? null,
      initContainers: status.podTemplatePod.initContainers ?? null,
    },
    state: status.state,
    stateMessage: status.stateMessage,
  };
}

/** Event reason of a refused StatefulSet or Service write. */
export const MISSING_PERMISSION_REASON = 'MissingPermission';

export class WorkspaceController {
  /** Last write per owned object UID (see AppliedMemo). */
  private readonly applied = new Map<string, AppliedMemo>();

  constructor(private readonly deps: ControllerDeps) {}

  /** Drops the write record of an object that was deleted. */
  forgetObject(uid: string | undefined): void {
    if (uid) this.applied.delete(uid);
  }

  async reconcile(key: string): Promise<Outcome> {
    const { caches } = this.deps;
    const ws = caches.workspaces.get(key);
    if (!ws) return Outcome.DONE;
    const log = this.deps.log.with({ workspace: key });
    const nowMs = (this.deps.now ?? Date.now)();
    const revision = this.deps.revision ?? DEFAULT_API_REVISION;
    const snapshot = caches.workspaceSnapshot(ws, Math.floor(nowMs / 1000), (uid) => (uid ? this.applied.get(uid) : undefined), {
      revision,
      nowMs,
      istio: this.deps.istio,
    });
    const plan = planWorkspace(snapshot);

    for (const action of plan.actions) {
      try {
        await this.execute(ws, action, log);
      } catch (err) {
        if (isConflict(err)) {
          log.debug('conflict; requeueing', { action: action.type, error: (err as Error).message });
          return Outcome.CONFLICT;
        }
        if (action.type === 'createServiceAccount' && err instanceof ApiError && err.reason === 'AlreadyExists') {
          return this.serviceAccountTaken(key, ws, plan, action.object.metadata.name, log);
        }
        const write = ownedWrite(action);
        if (write && plan.statusWith && isRefusal(err)) {
          const bind = action.type === 'createRoleBinding' && err.status === 403
            ? StateMessages.bindRefused(action.object.metadata.name, action.object.roleRef.name, ws.spec?.kind ?? '')
            : undefined;
          return this.refused(key, ws, plan.statusWith, { ...write, status: err.status }, err, log, bind);
        }
        throw err;
      }
    }
    let status = plan.status;
    let requeueAfterMs = plan.requeueAfterMs;
    let pause = false;
    if (plan.probe) {
      // Beta §4.9: the probe runs inside the pass, after the state is known and before the status is written.
      const outcome = await this.probe(ws, plan, log);
      const done = completeActivity(plan.probe.activity, outcome);
      const full = { ...plan.probe.status, activity: done.activity };
      status = statusEquals(ws.status, full) ? undefined : full;
      requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, done.requeueAfterMs);
      pause = done.pause;
    }
    let written: WorkspaceObject | undefined = ws;
    if (status) {
      written = await this.writeStatus(key, ws, status);
      if (!written) return Outcome.DONE;
    }
    if (plan.decision) this.reportState(ws, plan.decision, log);
    if (pause) return this.pause(written, log);
    if (requeueAfterMs !== undefined) this.deps.requeueAfter?.(key, requeueAfterMs);
    return Outcome.DONE;
  }

  /**
   * Beta §4.2 step 16: a merge patch of `spec.paused: true` carrying the resourceVersion of the status write, so a
   * concurrent change is a conflict rather than a pause on stale data. No requeue: the update event brings the pass.
   */
  private async pause(ws: WorkspaceObject, log: Logger): Promise<Outcome> {
    const { namespace, name } = splitKey(`${ws.metadata.namespace}/${ws.metadata.name}`);
    try {
      await this.deps.client.request('PATCH', PATHS.workspace(namespace, name), {
        query: { fieldManager: FIELD_MANAGER },
        body: { metadata: { resourceVersion: ws.metadata.resourceVersion }, spec: { paused: true } },
      });
    } catch (err) {
      if (isConflict(err)) return Outcome.CONFLICT;
      if (isNotFound(err)) return Outcome.DONE;
      throw err;
    }
    const message = 'Paused the Workspace: no activity within the activity rule\'s secondsSinceActive';
    log.info(message);
    this.deps.events.emit(workspaceSubject(ws), EventType.NORMAL, 'PausedForInactivity', message);
    return Outcome.DONE;
  }

  /** Runs the due activity probe of `plan` (beta §4.9.3); never throws. */
  private async probe(ws: WorkspaceObject, plan: WorkspacePlan, log: Logger): Promise<ProbeOutcome> {
    const now = this.deps.now ?? Date.now;
    const { activity, pod } = plan.probe!;
    const started = now();
    const podIP = pod?.status?.podIP;
    if (!pod || !podIP) return podNotReadyOutcome(started);
    const prober = this.deps.prober;
    const namespace = ws.metadata.namespace as string;
    if (activity.probe.jupyter) {
      const portId = activity.probe.jupyter.portId;
      const kind = this.deps.caches.kinds.get(ws.spec?.kind ?? '');
      let port: number | undefined;
      try {
        const values = kind?.spec?.podTemplate.options.imageConfig.values ?? [];
        port = resolveOption(OptionType.IMAGE_CONFIG, values, ws.spec?.podTemplate.options.imageConfig ?? '').current.spec.ports.find((p) => p.id === portId)?.port;
      } catch {
        port = undefined;
      }
      if (port === undefined) return jupyterOutcome({ kind: 'portNotFound', portId }, started, now());
      const prefix = workspacePathPrefix(namespace, ws.metadata.name as string, portId, ApiRevision.V2_0_0_BETA_0);
      const url = podUrl(podIP, port, `${prefix.slice(0, -1)}/api/status`);
      const response = prober ? await prober.jupyter(url) : ({ kind: 'error', message: 'http prober is not configured' } as const);
      const outcome = jupyterOutcome(response, started, now());
      log.debug('jupyter activity probe', { url, result: outcome.probe.result, message: outcome.probe.message });
      return outcome;
    }
    if (activity.probe.podExec) {
      const timeoutSeconds = activity.probe.podExec.timeoutSeconds ?? DEFAULT_POD_EXEC_TIMEOUT_SECONDS;
      const response = prober
        ? await prober.podExec({ namespace, pod: pod.metadata.name as string }, activity.probe.podExec.script, timeoutSeconds)
        : ({ kind: 'error', message: 'exec is not configured' } as const);
      const outcome = podExecOutcome(response, started, now());
      log.debug('podExec activity probe', { pod: pod.metadata.name, result: outcome.probe.result, message: outcome.probe.message });
      return outcome;
    }
    return { probe: { startTime: started, endTime: started, result: 'Failure', message: 'probe failed: no probe type configured' } };
  }

  /**
   * Beta §4.2 step 7: `ws-<name>` already exists. Controlled by this Workspace (the cache is behind): requeue.
   * Anyone else's: state Error, retried with backoff (the Workspace recovers once that ServiceAccount is gone).
   */
  private async serviceAccountTaken(key: string, ws: WorkspaceObject, plan: WorkspacePlan, name: string, log: Logger): Promise<Outcome> {
    const namespace = ws.metadata.namespace as string;
    let existing: { metadata: WorkspaceObject['metadata'] };
    try {
      existing = await this.deps.client.get(PATHS.serviceAccount(namespace, name));
    } catch (err) {
      if (isNotFound(err)) return Outcome.REQUEUE;
      throw err;
    }
    const owner = (existing.metadata.ownerReferences ?? []).find((o) => o.controller);
    if (owner && owner.uid === ws.metadata.uid && owner.kind === WORKSPACE_KIND) {
      // Ours, but not in the (label-selected) cache: someone removed the workspace-name label. Put it back.
      const labels = (plan.actions.find((a) => a.type === 'createServiceAccount') as { object: { metadata: { labels: Record<string, string> } } }).object.metadata.labels;
      if (Object.entries(labels).some(([k, v]) => existing.metadata.labels?.[k] !== v)) {
        await this.deps.client.request('PATCH', PATHS.serviceAccount(namespace, name), {
          query: { fieldManager: FIELD_MANAGER },
          body: { metadata: { resourceVersion: existing.metadata.resourceVersion, labels } },
        });
        log.info(`restored the labels of ServiceAccount ${name}`);
      }
      return Outcome.REQUEUE;
    }
    const decision = StateMessages.serviceAccountNotOwned(name);
    log.warn(decision.message);
    if (!plan.statusWith || !(await this.writeStatus(key, ws, plan.statusWith(decision)))) return Outcome.DONE;
    this.reportState(ws, decision, log);
    return Outcome.REFUSED;
  }

  /** Writes `status` if it differs from the stored one; the stored object, or undefined when the Workspace is gone. */
  private async writeStatus(key: string, ws: WorkspaceObject, status: WorkspaceStatus): Promise<WorkspaceObject | undefined> {
    if (statusEquals(ws.status, status)) return ws;
    const { namespace, name } = splitKey(key);
    try {
      const updated = await this.deps.client.mergePatch<WorkspaceObject>(PATHS.workspaceStatus(namespace, name), {
        metadata: { uid: ws.metadata.uid },
        status: statusMergePatch(status, ws.status, this.deps.revision),
      });
      this.deps.caches.workspaces.replaceIfUnchanged(updated, ws.metadata.resourceVersion);
      return updated;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /**
   * The API server refused a write of an owned object: the Workspace goes to state Error with the server's message
   * (status written as on every other path), one Warning Event per distinct message (not one per retry, as the state
   * does not change between retries), the refusal is counted, and the pass is retried with backoff.
   */
  private async refused(
    key: string,
    ws: WorkspaceObject,
    statusWith: (decision: StateDecision) => WorkspaceStatus,
    write: RefusedWrite,
    err: ApiError,
    log: Logger,
    override?: StateDecision,
  ): Promise<Outcome> {
    this.deps.onRefused?.(write);
    const workload = write.object === RenderedObject.STATEFUL_SET || write.object === RenderedObject.SERVICE;
    const decision =
      override ??
      (err.status === 403 && workload
        ? missingPermission(ws.metadata.namespace as string, write)
        : StateMessages.ownedObjectRefused(write.verb, write.object, refusalMessage(err)));
    log.warn(`the API server refused to ${write.verb} the ${write.object}`, { status: err.status, error: err.message });
    if (!(await this.writeStatus(key, ws, statusWith(decision)))) return Outcome.DONE;
    this.reportState(ws, decision, log);
    return Outcome.REFUSED;
  }

  private reportState(ws: WorkspaceObject, decision: StateDecision, log: Logger): void {
    if (ws.status?.state === decision.state && ws.status?.stateMessage === decision.message) return;
    log.info('state changed', { state: decision.state, message: decision.message, previous: ws.status?.state ?? '' });
    const type = decision.state === WorkspaceState.ERROR ? EventType.WARNING : EventType.NORMAL;
    this.deps.events.emit(workspaceSubject(ws), type, decision.reason, decision.message);
  }

  private async execute(ws: WorkspaceObject, action: WorkspaceAction, log: Logger): Promise<void> {
    const { client, caches, events } = this.deps;
    const namespace = ws.metadata.namespace as string;
    const query = { fieldManager: FIELD_MANAGER };
    switch (action.type) {
      case 'addKindFinalizer': {
        const kind = action.kind;
        const updated = await client.mergePatch(PATHS.workspaceKind(kind.metadata.name as string), {
          metadata: {
            resourceVersion: kind.metadata.resourceVersion,
            finalizers: [...(kind.metadata.finalizers ?? []), FINALIZER_WORKSPACEKIND_PROTECTION],
          },
        });
        caches.kinds.replaceIfUnchanged(updated, kind.metadata.resourceVersion);
        log.info('added the protection finalizer to the WorkspaceKind', { workspaceKind: kind.metadata.name });
        return;
      }
      case 'applyRedirects': {
        // Not written into the cache: the watch event of this change must trigger the next pass.
        await client.request('PATCH', PATHS.workspace(namespace, ws.metadata.name as string), {
          query,
          body: {
            metadata: { resourceVersion: ws.metadata.resourceVersion },
            spec: { podTemplate: { options: { imageConfig: action.imageConfig, podConfig: action.podConfig } } },
          },
        });
        const message = `Applied option redirects while paused: imageConfig ${action.imageConfig}, podConfig ${action.podConfig}`;
        log.info(message);
        events.emit(workspaceSubject(ws), EventType.NORMAL, 'RedirectApplied', message);
        return;
      }
      case 'createStatefulSet':
      case 'createService': {
        const isSts = action.type === 'createStatefulSet';
        const path = isSts ? PATHS.namespacedStatefulSets(namespace) : PATHS.namespacedServices(namespace);
        const created = await client.create<any>(path, action.object, query);
        (isSts ? caches.statefulSets : caches.services).addIfAbsent(created);
        this.remember(created, action.object, isSts);
        // Logged, not an Event: every Workspace gets these two, and Events are for state changes and corrections.
        log.info(`created ${action.object.kind} ${created.metadata.name}`);
        return;
      }
      case 'createServiceAccount':
      case 'createRoleBinding':
      case 'createVirtualService': {
        const path =
          action.type === 'createServiceAccount'
            ? PATHS.namespacedServiceAccounts(namespace)
            : action.type === 'createRoleBinding'
              ? PATHS.namespacedRoleBindings(namespace)
              : PATHS.namespacedVirtualServices(namespace);
        const created = await client.create<any>(path, action.object, query);
        const cache = action.type === 'createServiceAccount' ? caches.serviceAccounts : action.type === 'createRoleBinding' ? caches.roleBindings : caches.virtualServices;
        cache?.addIfAbsent(created);
        log.info(`created ${action.object.kind} ${created.metadata.name}`);
        return;
      }
      case 'patchServiceAccount':
      case 'patchRoleBinding':
      case 'patchVirtualService': {
        const name = action.live.metadata.name as string;
        const [path, kindName, cache] =
          action.type === 'patchServiceAccount'
            ? [PATHS.serviceAccount(namespace, name), 'ServiceAccount', caches.serviceAccounts]
            : action.type === 'patchRoleBinding'
              ? [PATHS.roleBinding(namespace, name), 'RoleBinding', caches.roleBindings]
              : [PATHS.virtualService(namespace, name), 'VirtualService', caches.virtualServices];
        const updated = await client.request<any>('PATCH', path, { query, body: action.patch });
        cache?.replaceIfUnchanged(updated, action.live.metadata.resourceVersion);
        const message = `Updated ${kindName} ${name} to match the Workspace`;
        log.info(message, { patch: action.patch });
        events.emit(workspaceSubject(ws), EventType.NORMAL, 'Updated', message);
        return;
      }
      case 'deleteRoleBinding': {
        const name = action.live.metadata.name as string;
        try {
          await client.request('DELETE', PATHS.roleBinding(namespace, name), {
            body: { preconditions: { uid: action.live.metadata.uid } },
          });
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
        const message = `Deleted RoleBinding ${name}: the WorkspaceKind no longer binds ${action.live.roleRef?.name ?? 'its role'} this way`;
        log.info(message);
        events.emit(workspaceSubject(ws), EventType.NORMAL, 'Deleted', message);
        return;
      }
      case 'patchStatefulSet':
      case 'patchService': {
        const isSts = action.type === 'patchStatefulSet';
        const name = action.live.metadata.name as string;
        const path = isSts ? PATHS.statefulSet(namespace, name) : PATHS.service(namespace, name);
        const updated = await client.request<any>('PATCH', path, { query, body: action.patch });
        (isSts ? caches.statefulSets : caches.services).replaceIfUnchanged(updated, action.live.metadata.resourceVersion);
        this.remember(updated, action.desired, isSts);
        const message = `Updated ${action.desired.kind} ${name} to match the Workspace`;
        log.info(message, { patch: action.patch });
        events.emit(workspaceSubject(ws), EventType.NORMAL, 'Updated', message);
        return;
      }
    }
  }

  private remember(object: any, desired: Parameters<typeof renderedHash>[0], isStatefulSet: boolean): void {
    if (object?.metadata?.uid) {
      this.applied.set(object.metadata.uid, { version: appliedVersion(object, isStatefulSet), hash: renderedHash(desired) });
    }
  }
}

/**
 * A 403 on a StatefulSet or Service write: with tenant-scoped writes, the namespace has not been granted them. The
 * state says how to grant them (the same message on every retry, so one Event).
 */
function missingPermission(namespace: string, write: Omit<RefusedWrite, 'status'>): StateDecision {
  const verb = write.verb === WriteVerb.CREATE ? 'create' : 'patch';
  return {
    state: WorkspaceState.ERROR,
    reason: MISSING_PERMISSION_REASON,
    message: `the controller may not ${verb} ${write.object}s in namespace "${namespace}": bind the ClusterRole ` +
      `"${RECONCILER_WRITER_CLUSTER_ROLE_NAME}" to it there with a RoleBinding (WorkspacesTenant does), or install with cluster-wide writes`,
  };
}

function ownedWrite(action: WorkspaceAction): Omit<RefusedWrite, 'status'> | undefined {
  switch (action.type) {
    case 'createStatefulSet':
      return { object: RenderedObject.STATEFUL_SET, verb: WriteVerb.CREATE };
    case 'patchStatefulSet':
      return { object: RenderedObject.STATEFUL_SET, verb: WriteVerb.UPDATE };
    case 'createService':
      return { object: RenderedObject.SERVICE, verb: WriteVerb.CREATE };
    case 'patchService':
      return { object: RenderedObject.SERVICE, verb: WriteVerb.UPDATE };
    case 'createVirtualService':
      return { object: RenderedObject.VIRTUAL_SERVICE, verb: WriteVerb.CREATE };
    case 'patchVirtualService':
      return { object: RenderedObject.VIRTUAL_SERVICE, verb: WriteVerb.UPDATE };
    case 'createServiceAccount':
      return { object: RenderedObject.SERVICE_ACCOUNT, verb: WriteVerb.CREATE };
    case 'patchServiceAccount':
      return { object: RenderedObject.SERVICE_ACCOUNT, verb: WriteVerb.UPDATE };
    // A 403 here is mostly a ClusterRole the controller may not bind: the state says so, with the server's message.
    case 'createRoleBinding':
      return { object: RenderedObject.ROLE_BINDING, verb: WriteVerb.CREATE };
    case 'patchRoleBinding':
      return { object: RenderedObject.ROLE_BINDING, verb: WriteVerb.UPDATE };
    default:
      return undefined;
  }
}

export function workspaceSubject(ws: WorkspaceObject): {
  apiVersion: string;
  kind: string;
  metadata: WorkspaceObject['metadata'];
} {
  return { apiVersion: API_VERSION, kind: WORKSPACE_KIND, metadata: ws.metadata };
}
