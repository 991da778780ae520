/**
 * The culling loop: every interval, probe each running Workspace whose Kind enables culling, record
 * `status.activity`, and pause the ones idle for too long (decisions in culling.ts).
 */
import { WorkspaceObject } from '../core/api';
import { MAIN_CONTAINER_NAME } from '../core/render';
import {
  ActivityTransport,
  activityAfterProbe,
  cullingPolicy,
  idleSeconds,
  isCullingCandidate,
  jupyterTarget,
  parseJupyterLastActivity,
  ProbeObservation,
  readySince,
  shouldCull,
} from './culling';
import { EventType } from './events';
import { sleep } from './kube/informer';
import { FIELD_MANAGER, objectKey, PATHS } from '../core/kube-objects';
import { ReconcilerMetrics } from './metrics';
import { ControllerDeps, workspaceSubject } from './workspace-controller';

export interface CullerOptions {
  readonly intervalMs: number;
  readonly probeTimeoutMs: number;
  /** Probes run at the same time. */
  readonly concurrency: number;
}

export class Culler {
  private inFlight?: Promise<void>;

  constructor(
    private readonly deps: ControllerDeps & { readonly transport: ActivityTransport; readonly metrics: ReconcilerMetrics },
    private readonly options: CullerOptions,
  ) {}

  /** Probes every interval until `signal` aborts; a round in progress is finished first. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      this.inFlight = this.runOnce();
      await this.inFlight;
      await sleep(this.options.intervalMs, signal);
    }
  }

  /** Waits for the round in progress (shutdown). */
  async drain(): Promise<void> {
    await this.inFlight;
  }

  /** One round over all candidates. */
  async runOnce(): Promise<void> {
    const candidates = [...this.deps.caches.workspaces.values()].filter(isCullingCandidate);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < candidates.length) {
        const ws = candidates[next++];
        try {
          await this.probe(ws);
        } catch (err) {
          this.deps.log.warn('culling pass failed', { workspace: objectKey(ws.metadata), error: (err as Error).message });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.options.concurrency) }, worker));
  }

  private async probe(ws: WorkspaceObject): Promise<void> {
    const { caches, client, events, metrics, transport } = this.deps;
    const key = objectKey(ws.metadata);
    const kind = ws.spec ? caches.kinds.get(ws.spec.kind) : undefined;
    const policy = cullingPolicy(kind);
    const statefulSets = caches.ownedStatefulSets(ws);
    const pod = statefulSets.length === 1 ? caches.podOf(statefulSets[0]) : undefined;
    if (!policy || !kind || !pod || pod.metadata.deletionTimestamp) return;
    const log = this.deps.log.with({ workspace: key, probe: policy.probe.type });

    let observation: ProbeObservation;
    try {
      if (policy.probe.type === 'jupyter') {
        const services = caches.ownedServices(ws);
        const target = services.length === 1 ? jupyterTarget(ws, kind, services[0].metadata.name as string) : undefined;
        if (!target) return;
        const body = await transport.jupyterStatus(target, this.options.probeTimeoutMs);
        observation = { type: 'jupyter', lastActivity: parseJupyterLastActivity(body) };
      } else {
        const target = {
          namespace: ws.metadata.namespace as string,
          pod: pod.metadata.name as string,
          container: MAIN_CONTAINER_NAME,
          command: policy.probe.command,
        };
        const exitCode = await transport.exec(target, this.options.probeTimeoutMs);
        observation = { type: 'exec', active: exitCode === 0 };
      }
    } catch (err) {
      metrics.activityProbes.inc({ probe: policy.probe.type, result: 'failed' });
      log.warn('activity probe failed', { error: (err as Error).message });
      events.emit(workspaceSubject(ws), EventType.WARNING, 'ActivityProbeFailed', `Activity probe failed: ${(err as Error).message}`);
      return;
    }

    const nowSeconds = Math.floor((this.deps.now ?? Date.now)() / 1000);
    const activity = activityAfterProbe(ws.status?.activity, observation, nowSeconds);
    const active = observation.type === 'exec' ? observation.active : observation.lastActivity > (ws.status?.activity?.lastActivity ?? 0);
    metrics.activityProbes.inc({ probe: policy.probe.type, result: active ? 'active' : 'inactive' });
    const namespace = ws.metadata.namespace as string;
    const name = ws.metadata.name as string;
    const updated = await client.mergePatch(PATHS.workspaceStatus(namespace, name), { metadata: { uid: ws.metadata.uid }, status: { activity } });
    caches.workspaces.replaceIfUnchanged(updated, ws.metadata.resourceVersion);

    const since = readySince(pod);
    if (!shouldCull(activity, since, nowSeconds, policy)) return;
    // Re-check against the latest cached object: the user may have paused or changed it during the probe.
    const current = caches.workspaces.get(key);
    if (!current || current.metadata.uid !== ws.metadata.uid || !isCullingCandidate(current)) return;
    const idle = idleSeconds(activity, since, nowSeconds);
    await client.request('PATCH', PATHS.workspace(namespace, name), {
      query: { fieldManager: FIELD_MANAGER },
      body: { metadata: { uid: ws.metadata.uid }, spec: { paused: true } },
    });
    metrics.culled.inc();
    const message = `Paused after ${idle}s without activity (culling.maxInactiveSeconds is ${policy.maxInactiveSeconds})`;
    log.info(message);
    events.emit(workspaceSubject(current), EventType.NORMAL, 'Culled', message);
  }
}
