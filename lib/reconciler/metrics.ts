/**
 * The reconciler's Prometheus metrics, on a prom-client registry of their own (bundled into the image, never loaded
 * by consumers of the library): the `kfws_*` metrics of the controllers, and prom-client's default process and
 * Node.js metrics (`process_resident_memory_bytes`, `process_cpu_seconds_total`, `process_open_fds`,
 * `nodejs_eventloop_lag_seconds`, `nodejs_gc_duration_seconds`, `nodejs_heap_size_used_bytes`, ...).
 */
import * as prom from 'prom-client';

/** Label values of one series. */
export type Labels<L extends string> = Partial<Record<L, string>>;

/**
 * A Prometheus registry with one call per metric type. Label names are declared when a metric is registered;
 * a second metric with the same name is refused.
 */
export class MetricsRegistry {
  private readonly registry = new prom.Registry();

  /** @param defaultMetrics - also collect prom-client's process and Node.js metrics */
  constructor(defaultMetrics = true) {
    if (defaultMetrics) {
      prom.collectDefaultMetrics({ register: this.registry });
    }
  }

  counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): prom.Counter<L> {
    return new prom.Counter({ name, help, labelNames, registers: [this.registry] });
  }

  /** `collect` is called at scrape time to refresh the values (e.g. counts derived from the informer caches). */
  gauge<L extends string = never>(name: string, help: string, labelNames: readonly L[] = [], collect?: (gauge: prom.Gauge<L>) => void): prom.Gauge<L> {
    return new prom.Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect: collect && function (this: prom.Gauge<L>) {
        collect(this);
      },
    });
  }

  histogram<L extends string = never>(name: string, help: string, labelNames: readonly L[], buckets: readonly number[]): prom.Histogram<L> {
    return new prom.Histogram({ name, help, labelNames, buckets: [...buckets], registers: [this.registry] });
  }

  /** The text exposition of every metric. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** The content type of {@link render}'s text (format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }
}

/** Sum over the series of a counter or gauge whose labels include `filter`; 0 when none match. */
export async function metricValue<L extends string>(metric: prom.Counter<L> | prom.Gauge<L>, filter: Labels<L> = {}): Promise<number> {
  const { values } = await metric.get();
  return values
    .filter(({ labels }) => Object.entries(filter).every(([k, v]) => String(labels[k as L]) === v))
    .reduce((total, { value }) => total + value, 0);
}

/** The reconciler's metrics, created once per process. */
export class ReconcilerMetrics {
  readonly registry = new MetricsRegistry();
  readonly reconciles: prom.Counter<'controller' | 'result'>;
  readonly reconcileErrors: prom.Counter<'controller'>;
  readonly refusedWrites: prom.Counter<'resource' | 'verb' | 'code'>;
  readonly reconcileDuration: prom.Histogram<'controller' | 'result'>;
  readonly apiRequests: prom.Counter<'verb' | 'resource' | 'code'>;
  readonly queueDepth: prom.Gauge<'controller'>;
  readonly workspacesByState: prom.Gauge<'state'>;
  readonly workspacesOnMissingOptions: prom.Gauge<'kind' | 'type'>;
  readonly leader: prom.Gauge;
  readonly activityProbes: prom.Counter<'probe' | 'result'>;
  readonly culled: prom.Counter;
  readonly admissionRequests: prom.Counter<'webhook' | 'operation' | 'verdict'>;
  readonly admissionDuration: prom.Histogram<'webhook'>;
  readonly webhookRefusals: prom.Counter<'reason'>;
  readonly reservationWrites: prom.Counter<'result'>;

  constructor(collect: {
    queueDepth: (g: prom.Gauge<'controller'>) => void;
    workspacesByState: (g: prom.Gauge<'state'>) => void;
    workspacesOnMissingOptions?: (g: prom.Gauge<'kind' | 'type'>) => void;
  }) {
    const registry = this.registry;
    this.reconciles = registry.counter(
      'kfws_reconcile_total',
      'Reconcile passes by controller and result (success, requeue, conflict, error).',
      ['controller', 'result'],
    );
    this.reconcileErrors = registry.counter('kfws_reconcile_errors_total', 'Reconcile passes that returned an error.', ['controller']);
    this.refusedWrites = registry.counter(
      'kfws_owned_object_refusals_total',
      'Creates and updates of owned objects that the API server refused (4xx), by resource, verb and HTTP status code.',
      ['resource', 'verb', 'code'],
    );
    this.reconcileDuration = registry.histogram(
      'kfws_reconcile_duration_seconds',
      'Duration of reconcile passes by controller and result.',
      ['controller', 'result'],
      [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    );
    this.apiRequests = registry.counter(
      'kfws_api_requests_total',
      'Requests made to the Kubernetes API server by verb, resource and HTTP status code.',
      ['verb', 'resource', 'code'],
    );
    this.queueDepth = registry.gauge('kfws_workqueue_depth', 'Items waiting in the work queue by controller.', ['controller'], collect.queueDepth);
    this.workspacesByState = registry.gauge(
      'kfws_workspaces',
      'Workspaces in the informer cache by status.state (empty when no status was written yet).',
      ['state'],
      collect.workspacesByState,
    );
    this.workspacesOnMissingOptions = registry.gauge(
      'kfws_workspaces_on_missing_options',
      'Workspaces whose imageConfig or podConfig is not an option of their (existing) WorkspaceKind, by kind and option type: stored without the webhook (it was not registered, or bypassed). Alert when above 0.',
      ['kind', 'type'],
      collect.workspacesOnMissingOptions ?? (() => undefined),
    );
    this.leader = registry.gauge('kfws_leader', '1 while this replica holds the leader Lease.');
    this.activityProbes = registry.counter(
      'kfws_activity_probes_total',
      'Culling activity probes by probe type (jupyter, exec) and result (active, inactive, failed).',
      ['probe', 'result'],
    );
    this.culled = registry.counter('kfws_culled_workspaces_total', 'Workspaces paused by culling after inactivity.');
    this.admissionRequests = registry.counter(
      'kfws_admission_requests_total',
      'Admission webhook requests by webhook, operation and verdict (allowed, denied, error).',
      ['webhook', 'operation', 'verdict'],
    );
    this.admissionDuration = registry.histogram(
      'kfws_admission_duration_seconds',
      'Time to answer an admission webhook request, by webhook.',
      ['webhook'],
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    );
    this.webhookRefusals = registry.counter(
      'kfws_webhook_refusals_total',
      'Webhook connections and requests refused by the server limits before a decision: too-large (413), budget (503), incomplete (closed or timed out mid-body), connections (a new connection over the cap), evicted (a stalled connection closed at the cap for a new one).',
      ['reason'],
    );
    this.reservationWrites = registry.counter(
      'kfws_webhook_reservation_writes_total',
      'Writes of option reservations on WorkspaceKinds by result: written, conflict (kind changed; checked again), not-found, error, gave-up.',
      ['result'],
    );
  }
}
