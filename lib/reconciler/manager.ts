/**
 * Wires the reconciler together: informer caches, event handlers that map changes to work-queue keys
 * (docs/upstream-behavior.md §1.1, §3.1), workers, leader election, culling, health and metrics endpoints, and an
 * orderly shutdown (no new work; in-flight reconciles and probes finish; the Lease is released).
 *
 * Free of @kubernetes/client-node: access to the cluster and the culling transport are injected (main.ts builds
 * them from a KubeConfig), so tests can run a Manager in-process against a test control plane.
 */
import * as http from 'node:http';
import { LABEL_WORKSPACE_NAME, WorkspaceKindObject, WorkspaceObject } from '../core/api';
import { OptionType } from '../core/options';
import { Caches } from './caches';
import { ApiRevision } from '../core/revision';
import { ActivityProber } from './activity-probe';
import { ReconcilerConfig, WebhookCertificates } from '../core/contract/flags';
import { Culler } from './culler';
import { ActivityTransport } from './culling';
import { EventRecorder, EventType } from './events';
import { KindController } from './kind-controller';
import { ClusterAccess, KubeClient, RequestRecord } from './kube/client';
import { controllingWorkspace, EventObject, objectKey, PodObject, StatefulSetObject } from '../core/kube-objects';
import { LeaderElector } from './leader';
import { Logger } from './log';
import { ReconcilerMetrics } from './metrics';
import { RECONCILER_HEALTHZ_PATH, RECONCILER_METRICS_PATH, RECONCILER_READYZ_PATH } from '../core/contract/permissions';
import { RateLimiter, WorkQueue } from './queue';
import { closeServer, serve } from './server';
import { CertificateSource, FileCertificates, SelfManagedCertificates } from './webhook/cert-keeper';
import { WebhookServer } from './webhook/server';
import { cacheAdmissionSource } from './webhook/source';
import { Outcome, WorkspaceController, workspaceSubject } from './workspace-controller';

export interface ManagerOptions {
  readonly config: ReconcilerConfig;
  readonly access: ClusterAccess;
  readonly logger: Logger;
  /** Unique name of this replica (Lease holder identity, Event source host). */
  readonly identity: string;
  /** Namespace of the leader-election Lease (required with `config.leaderElect`). */
  readonly leaseNamespace?: string;
  /** Namespace of the Pod: where the self-managed webhook certificate Secret is (required with it). */
  readonly podNamespace?: string;
  /** How the culler reaches Pods; culling is off without one. */
  readonly activityTransport?: (client: KubeClient) => ActivityTransport;
  /** v2.0.0-beta.0: how activity probes reach Pods (HTTP to the Pod, pods/exec). */
  readonly activityProber?: ActivityProber;
  /** Called when leadership is lost; the process should exit and restart. */
  readonly onFatal?: (reason: string) => void;
  readonly now?: () => number;
}

const COMPONENT = 'kfws-reconciler';
/** Longest wait for admission requests in flight at shutdown: the API server gives up on them after 10 s anyway. */
const WEBHOOK_DRAIN_MS = 10_000;

export class Manager {
  readonly metrics: ReconcilerMetrics;
  readonly client: KubeClient;
  readonly caches: Caches;
  /** Every distinct (verb, group, resource) requested so far, for the RBAC check. */
  readonly requestKinds = new Map<string, RequestRecord>();
  readonly workspaceQueue: WorkQueue;
  readonly kindQueue: WorkQueue;

  private readonly log: Logger;
  private readonly events: EventRecorder;
  private readonly workspaceController: WorkspaceController;
  private readonly kindController: KindController;
  private readonly elector?: LeaderElector;
  private readonly culler?: Culler;
  private readonly abort = new AbortController();
  private readonly running: Promise<void>[] = [];
  private readonly busy = new Set<string>();
  private servers: http.Server[] = [];
  private webhook?: WebhookServer;
  private certificates?: CertificateSource;
  private leading = false;
  private stopping?: Promise<void>;
  private resyncTimer?: NodeJS.Timeout;

  constructor(private readonly options: ManagerOptions) {
    const { config } = options;
    this.log = options.logger;
    this.workspaceQueue = this.newQueue();
    this.kindQueue = this.newQueue();
    this.metrics = new ReconcilerMetrics({
      queueDepth: (g) => {
        g.set({ controller: 'workspace' }, this.workspaceQueue.length());
        g.set({ controller: 'workspacekind' }, this.kindQueue.length());
      },
      workspacesByState: (g) => {
        const counts = new Map<string, number>();
        for (const ws of this.caches.workspaces.values()) {
          const state = ws.status?.state ?? '';
          counts.set(state, (counts.get(state) ?? 0) + 1);
        }
        g.reset();
        for (const [state, count] of counts) g.set({ state }, count);
      },
      workspacesOnMissingOptions: (g) => {
        g.reset();
        for (const [labels, count] of workspacesOnMissingOptions(this.caches)) g.set(labels, count);
      },
    });
    this.client = new KubeClient(options.access, {
      userAgent: `${COMPONENT}/${options.identity}`,
      timeoutMs: config.apiTimeoutMs,
      onRequest: (r) => {
        this.metrics.apiRequests.inc({ verb: r.verb, resource: r.group ? `${r.resource}.${r.group}` : r.resource, code: String(r.status) });
        const kindKey = `${r.verb} ${r.group}/${r.resource}`;
        if (!this.requestKinds.has(kindKey)) this.requestKinds.set(kindKey, r);
      },
    });
    const beta = config.apiRevision === ApiRevision.V2_0_0_BETA_0;
    this.caches = new Caches(this.client, this.log, { revision: config.apiRevision, istio: beta && config.useIstio });
    this.events = new EventRecorder(this.client, COMPONENT, options.identity, this.log);
    const deps = { client: this.client, caches: this.caches, events: this.events, log: this.log, now: options.now };
    this.workspaceController = new WorkspaceController({
      ...deps,
      revision: config.apiRevision,
      ...(beta && config.useIstio
        ? { istio: { gateway: config.istioGateway, hosts: config.istioHosts, clusterDomain: config.clusterDomain } }
        : {}),
      prober: options.activityProber,
      requeueAfter: (key, delayMs) => this.workspaceQueue.addAfter(key, delayMs),
      log: this.log.with({ controller: 'workspace' }),
      onRefused: (w) => this.metrics.refusedWrites.inc({ resource: w.object, verb: w.verb, code: String(w.status) }),
    });
    this.kindController = new KindController({ ...deps, revision: config.apiRevision, log: this.log.with({ controller: 'workspacekind' }) });
    if (config.leaderElect) {
      if (!options.leaseNamespace) throw new Error('leader election needs the Lease namespace');
      this.elector = new LeaderElector(
        this.client,
        {
          namespace: options.leaseNamespace,
          name: config.leaderElectionId,
          identity: options.identity,
          leaseDurationSeconds: Math.ceil(config.leaseDurationMs / 1000),
          renewDeadlineMs: config.renewDeadlineMs,
          retryPeriodMs: config.retryPeriodMs,
        },
        this.log,
      );
    }
    // fd7a3d8e's `culling` is inert upstream and ours is a loop; the beta probes inside the Workspace pass instead.
    if (!beta && config.culling && options.activityTransport) {
      this.culler = new Culler(
        { ...deps, log: this.log.with({ controller: 'culling' }), transport: options.activityTransport(this.client), metrics: this.metrics },
        { intervalMs: config.cullingIntervalMs, probeTimeoutMs: config.cullingProbeTimeoutMs, concurrency: config.cullingConcurrency },
      );
    }
    this.registerHandlers();
  }

  /** Starts the endpoints and caches; resolves once the caches are synced. Leadership and work follow in the background. */
  async start(): Promise<void> {
    const { config } = this.options;
    this.servers.push(
      await serve(config.bindAddress, config.healthPort, {
        [RECONCILER_HEALTHZ_PATH]: () => ({ status: 200, body: 'ok\n' }),
        [RECONCILER_READYZ_PATH]: () =>
          this.caches.synced && !this.stopping ? { status: 200, body: 'ok\n' } : { status: 503, body: 'caches not synced\n' },
      }),
    );
    if (config.metricsPort > 0) {
      this.servers.push(
        await serve(config.bindAddress, config.metricsPort, {
          [RECONCILER_METRICS_PATH]: async () => ({
            status: 200,
            body: await this.metrics.registry.render(),
            contentType: this.metrics.registry.contentType,
          }),
        }),
      );
    }
    if (config.webhookPort > 0) await this.startWebhook();
    await this.caches.start();
    this.log.info('caches synced', {
      workspaces: this.caches.workspaces.size,
      workspaceKinds: this.caches.kinds.size,
      statefulSets: this.caches.statefulSets.size,
      services: this.caches.services.size,
      pods: this.caches.pods.size,
    });
    if (this.elector) {
      void this.elector
        .acquire(this.abort.signal, () => this.options.onFatal?.('lost the leader Lease'))
        .then((won) => won && this.startLeading());
    } else {
      this.startLeading();
    }
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Ports the endpoints listen on (health first, then metrics if enabled). */
  get ports(): number[] {
    return this.servers.map((s) => (s.address() as { port: number }).port);
  }

  /**
   * The webhook server answers from the first moment, refusing with an error until the caches have synced (the
   * registration fails closed). Its certificate comes first: without one it cannot listen at all.
   */
  private async startWebhook(): Promise<void> {
    const { config } = this.options;
    const log = this.log.with({ component: 'webhook' });
    if (config.webhookCertificates === WebhookCertificates.FILES) {
      this.certificates = new FileCertificates(config.webhookCertDir!, config.webhookCertCheckIntervalMs, log);
    } else {
      if (!this.options.podNamespace) throw new Error('the self-managed webhook certificate needs the Pod namespace (POD_NAMESPACE)');
      this.certificates = new SelfManagedCertificates({
        client: this.client,
        log,
        namespace: this.options.podNamespace,
        secretName: config.webhookSecret!,
        webhookConfigurationName: config.webhookConfiguration!,
        hosts: config.webhookHosts,
        validityMs: config.webhookCertValidityMs,
        renewBeforeMs: config.webhookCertRenewBeforeMs,
        checkIntervalMs: config.webhookCertCheckIntervalMs,
        now: this.options.now,
      });
    }
    const certificate = await this.certificates.start();
    this.webhook = new WebhookServer({
      host: config.bindAddress,
      port: config.webhookPort,
      certificate,
      source: cacheAdmissionSource(this.caches, this.client, log, this.metrics, config.apiRevision),
      log,
      metrics: this.metrics,
      limits: {
        maxRequestBytes: config.webhookMaxRequestBytes,
        maxBufferedBytes: config.webhookMaxBufferedBytes,
        maxConnections: config.webhookMaxConnections,
        requestTimeoutMs: config.webhookRequestTimeoutMs,
      },
    });
    await this.webhook.listen();
    this.certificates.watch((pair) => this.webhook?.setCertificate(pair));
    log.info('webhook server listening', { port: this.webhook.port, certificates: config.webhookCertificates });
  }

  /** True when no key is queued or in process (tests and the benchmark). */
  get idle(): boolean {
    return this.workspaceQueue.length() === 0 && this.kindQueue.length() === 0 && this.busy.size === 0;
  }

  /** Graceful stop: no new work, in-flight reconciles and probes finish, Events are flushed, the Lease released. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    this.log.info('shutting down');
    // The webhook refuses new connections at once and answers those in flight while the controllers drain.
    this.certificates?.stop();
    const webhookStopped = this.webhook?.stop(Math.min(WEBHOOK_DRAIN_MS, this.options.config.shutdownTimeoutMs / 2));
    this.abort.abort();
    clearInterval(this.resyncTimer);
    this.workspaceQueue.shutDown();
    this.kindQueue.shutDown();
    await Promise.all(this.running);
    await this.culler?.drain();
    await this.events.flush();
    await this.elector?.release();
    this.leading = false;
    this.metrics.leader.set(0);
    await webhookStopped;
    await this.caches.stop();
    await Promise.all(this.servers.map(closeServer));
    this.client.close();
    this.log.info('stopped');
  }

  private newQueue(): WorkQueue {
    const { config } = this.options;
    return new WorkQueue(
      new RateLimiter({ baseDelayMs: config.backoffBaseMs, maxDelayMs: config.backoffMaxMs, qps: config.queueQps, burst: config.queueBurst }),
    );
  }

  private startLeading(): void {
    if (this.abort.signal.aborted) return;
    this.leading = true;
    this.metrics.leader.set(1);
    this.enqueueAll();
    const { config } = this.options;
    for (let i = 0; i < config.workers; i++) {
      this.running.push(this.worker('workspace', this.workspaceQueue, (key) => this.workspaceController.reconcile(key)));
    }
    for (let i = 0; i < config.kindWorkers; i++) {
      this.running.push(this.worker('workspacekind', this.kindQueue, (key) => this.kindController.reconcile(key)));
    }
    if (this.culler) this.running.push(this.culler.run(this.abort.signal));
    this.resyncTimer = setInterval(() => this.enqueueAll(), config.resyncPeriodMs);
    this.resyncTimer.unref();
  }

  private enqueueAll(): void {
    for (const ws of this.caches.workspaces.values()) this.workspaceQueue.add(objectKey(ws.metadata));
    for (const kind of this.caches.kinds.values()) this.kindQueue.add(objectKey(kind.metadata));
  }

  private async worker(controller: string, queue: WorkQueue, reconcile: (key: string) => Promise<Outcome>): Promise<void> {
    const log = this.log.with({ controller });
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      const busyKey = `${controller}:${key}`;
      this.busy.add(busyKey);
      const started = process.hrtime.bigint();
      let result: string;
      try {
        const outcome = await reconcile(key);
        result = outcome;
        if (outcome === Outcome.DONE) queue.forget(key);
        else queue.addRateLimited(key);
      } catch (err) {
        result = 'error';
        this.metrics.reconcileErrors.inc({ controller });
        log.error('reconcile failed', { [controller === 'workspace' ? 'workspace' : 'workspaceKind']: key, error: (err as Error).message, retries: queue.limiter.retries(key) });
        queue.addRateLimited(key);
        const ws = controller === 'workspace' ? this.caches.workspaces.get(key) : undefined;
        if (ws) this.events.emit(workspaceSubject(ws), EventType.WARNING, 'ReconcileError', (err as Error).message);
      } finally {
        queue.done(key);
        this.busy.delete(busyKey);
      }
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.metrics.reconciles.inc({ controller, result });
      this.metrics.reconcileDuration.observe({ controller, result }, seconds);
    }
  }

  private registerHandlers(): void {
    const ws = this.workspaceQueue;
    const kinds = this.kindQueue;
    // A spec change may fix what made earlier passes fail: reconcile at once, with the backoff reset.
    const enqueueChanged = (key: string): void => {
      ws.forget(key);
      ws.add(key);
    };
    const enqueueWorkspacesOfKind = (kind: WorkspaceKindObject, changed = false): void => {
      for (const w of this.caches.workspacesOfKind(kind.metadata.name ?? '')) {
        if (changed) enqueueChanged(objectKey(w.metadata));
        else ws.add(objectKey(w.metadata));
      }
    };
    this.caches.workspaces.addHandlers({
      onAdd: (w: WorkspaceObject) => {
        ws.add(objectKey(w.metadata));
        if (w.spec?.kind) kinds.add(w.spec.kind);
      },
      onUpdate: (old: WorkspaceObject, w: WorkspaceObject) => {
        if (old.metadata.generation !== w.metadata.generation) enqueueChanged(objectKey(w.metadata));
        else ws.add(objectKey(w.metadata));
        // §3.1: Kinds count spec-selected options, so only spec changes matter to them.
        if (old.metadata.generation !== w.metadata.generation) {
          if (w.spec?.kind) kinds.add(w.spec.kind);
          if (old.spec?.kind && old.spec.kind !== w.spec?.kind) kinds.add(old.spec.kind);
        }
      },
      onDelete: (w: WorkspaceObject) => {
        if (w.spec?.kind) kinds.add(w.spec.kind);
      },
    });
    this.caches.kinds.addHandlers({
      onAdd: (k: WorkspaceKindObject) => {
        kinds.add(objectKey(k.metadata));
        enqueueWorkspacesOfKind(k);
      },
      onUpdate: (old: WorkspaceKindObject, k: WorkspaceKindObject) => {
        kinds.add(objectKey(k.metadata));
        // §1.1: finalizer and status changes do not affect Workspaces.
        if (old.metadata.generation !== k.metadata.generation) enqueueWorkspacesOfKind(k, true);
      },
      onDelete: (k: WorkspaceKindObject) => enqueueWorkspacesOfKind(k),
    });
    const toOwner = (o: { readonly metadata: StatefulSetObject['metadata'] }): void => {
      const owner = controllingWorkspace(o.metadata);
      if (owner) ws.add(`${o.metadata.namespace}/${owner.name}`);
    };
    for (const informer of [this.caches.statefulSets, this.caches.services] as const) {
      informer.addHandlers({
        onAdd: toOwner,
        onUpdate: (_old, o) => toOwner(o),
        onDelete: (o) => {
          this.workspaceController.forgetObject(o.metadata.uid);
          toOwner(o);
        },
      });
    }
    const toLabelled = (p: PodObject): void => {
      const name = p.metadata.labels?.[LABEL_WORKSPACE_NAME];
      if (name) ws.add(`${p.metadata.namespace}/${name}`);
    };
    this.caches.pods.addHandlers({ onAdd: toLabelled, onUpdate: (_old, p) => toLabelled(p), onDelete: toLabelled });
    // Not an upstream trigger: StatefulSet warnings (e.g. a missing ServiceAccount) show up in the state at once.
    const toStatefulSetOwner = (e: EventObject): void => {
      const sts = e.involvedObject.uid ? this.caches.statefulSetByUid(e.involvedObject.uid) : undefined;
      if (sts) toOwner(sts);
    };
    this.caches.events.addHandlers({ onAdd: toStatefulSetOwner, onUpdate: (_old, e) => toStatefulSetOwner(e), onDelete: toStatefulSetOwner });
    // v2.0.0-beta.0: owned ServiceAccounts, RoleBindings and VirtualServices (docs/upstream-v2-beta.md §4.1), and Pod
    // warnings (beta §4.8.1 B5).
    for (const informer of [this.caches.serviceAccounts, this.caches.roleBindings, this.caches.virtualServices]) {
      informer?.addHandlers({ onAdd: toOwner, onUpdate: (_old, o) => toOwner(o), onDelete: toOwner });
    }
    const toPodOwner = (e: EventObject): void => {
      const pod = e.involvedObject.namespace && e.involvedObject.name ? this.caches.pods.get(`${e.involvedObject.namespace}/${e.involvedObject.name}`) : undefined;
      if (pod && e.type === 'Warning') toLabelled(pod);
    };
    // Beta §4.10: a changed image-source ConfigMap re-hashes the Kinds whose icon or logo it holds.
    const toKindsOf = (cm: { metadata: { namespace?: string; name?: string } }): void => {
      for (const k of this.caches.kinds.values()) {
        const refs = [k.spec?.spawner.icon?.configMap, k.spec?.spawner.logo?.configMap];
        if (refs.some((r) => r && r.name === cm.metadata.name && r.namespace === cm.metadata.namespace)) kinds.add(objectKey(k.metadata));
      }
    };
    this.caches.imageSources?.addHandlers({ onAdd: toKindsOf, onUpdate: (_old, cm) => toKindsOf(cm), onDelete: toKindsOf });
    this.caches.podEvents?.addHandlers({ onAdd: toPodOwner, onUpdate: (_old, e) => toPodOwner(e) });
  }
}

/** Counts of cached Workspaces selecting an option id their cached kind lacks, by kind and option type. */
export function workspacesOnMissingOptions(caches: Caches): [{ kind: string; type: OptionType }, number][] {
  const counts = new Map<string, number>();
  for (const ws of caches.workspaces.values()) {
    const kind = ws.spec?.kind ? caches.kinds.get(ws.spec.kind) : undefined;
    if (!kind) continue;
    for (const type of [OptionType.IMAGE_CONFIG, OptionType.POD_CONFIG]) {
      const id = ws.spec?.podTemplate?.options?.[type];
      const values: readonly { id: string }[] = kind.spec?.podTemplate?.options?.[type]?.values ?? [];
      if (typeof id === 'string' && !values.some((v) => v.id === id)) {
        const key = JSON.stringify([kind.metadata.name, type]);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
  }
  return [...counts].map(([key, count]) => {
    const [kind, type] = JSON.parse(key) as [string, OptionType];
    return [{ kind, type }, count];
  });
}
