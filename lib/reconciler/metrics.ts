/**
 * A minimal Prometheus registry (text exposition format 0.0.4): counters, gauges and histograms with labels.
 * Hand-written to keep the image's runtime dependencies at one (the Kubernetes client).
 */

type Labels = Readonly<Record<string, string>>;

abstract class Metric {
  protected readonly series = new Map<string, { labels: Labels; value: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' | 'histogram',
  ) {}

  protected entry(labels: Labels): { labels: Labels; value: number } {
    const key = labelKey(labels);
    let e = this.series.get(key);
    if (!e) {
      e = { labels, value: 0 };
      this.series.set(key, e);
    }
    return e;
  }

  /** Current value of one series (0 when never set); for tests and the benchmark. */
  get(labels: Labels = {}): number {
    return this.series.get(labelKey(labels))?.value ?? 0;
  }

  /** Sum over all series whose labels include `filter`. */
  sum(filter: Labels = {}): number {
    let total = 0;
    for (const { labels, value } of this.series.values()) {
      if (Object.entries(filter).every(([k, v]) => labels[k] === v)) {
        total += value;
      }
    }
    return total;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    for (const { labels, value } of this.series.values()) {
      lines.push(`${this.name}${formatLabels(labels)} ${formatNumber(value)}`);
    }
    return lines.join('\n');
  }
}

export class Counter extends Metric {
  constructor(name: string, help: string) {
    super(name, help, 'counter');
  }

  inc(labels: Labels = {}, by = 1): void {
    this.entry(labels).value += by;
  }
}

export class Gauge extends Metric {
  constructor(
    name: string,
    help: string,
    /** Called at scrape time to refresh the values (e.g. counts derived from the informer caches). */
    private readonly collect?: (gauge: Gauge) => void,
  ) {
    super(name, help, 'gauge');
  }

  set(labels: Labels, value: number): void {
    this.entry(labels).value = value;
  }

  /** Drops every series, so that label values that disappeared are not reported any more. */
  reset(): void {
    this.series.clear();
  }

  render(): string {
    this.collect?.(this);
    return super.render();
  }
}

export class Histogram {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: readonly number[],
  ) {}

  observe(labels: Labels, value: number): void {
    const key = labelKey(labels);
    let e = this.series.get(key);
    if (!e) {
      e = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, e);
    }
    this.buckets.forEach((upper, i) => {
      if (value <= upper) {
        e!.counts[i] += 1;
      }
    });
    e.sum += value;
    e.count += 1;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const { labels, counts, sum, count } of this.series.values()) {
      this.buckets.forEach((upper, i) => {
        lines.push(`${this.name}_bucket${formatLabels({ ...labels, le: formatNumber(upper) })} ${counts[i]}`);
      });
      lines.push(`${this.name}_bucket${formatLabels({ ...labels, le: '+Inf' })} ${count}`);
      lines.push(`${this.name}_sum${formatLabels(labels)} ${formatNumber(sum)}`);
      lines.push(`${this.name}_count${formatLabels(labels)} ${count}`);
    }
    return lines.join('\n');
  }
}

export class Registry {
  private readonly metrics: (Metric | Histogram)[] = [];

  counter(name: string, help: string): Counter {
    return this.add(new Counter(name, help));
  }

  gauge(name: string, help: string, collect?: (gauge: Gauge) => void): Gauge {
    return this.add(new Gauge(name, help, collect));
  }

  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
    return this.add(new Histogram(name, help, buckets));
  }

  /** The text exposition of every metric. */
  render(): string {
    return this.metrics.map((m) => m.render()).join('\n') + '\n';
  }

  private add<M extends Metric | Histogram>(metric: M): M {
    if (this.metrics.some((m) => m.name === metric.name)) {
      throw new Error(`metric ${metric.name} is already registered`);
    }
    this.metrics.push(metric);
    return metric;
  }
}

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join('\x00');
}

function formatLabels(labels: Labels): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) {
    return '';
  }
  const escape = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  return `{${keys.map((k) => `${k}="${escape(labels[k])}"`).join(',')}}`;
}

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

/** The reconciler's metrics, created once per process. */
export class ReconcilerMetrics {
  readonly registry = new Registry();
  readonly reconciles = this.registry.counter(
    'kfws_reconcile_total',
    'Reconcile passes by controller and result (success, requeue, conflict, error).',
  );
  readonly reconcileErrors = this.registry.counter('kfws_reconcile_errors_total', 'Reconcile passes that returned an error.');
  readonly refusedWrites = this.registry.counter(
    'kfws_owned_object_refusals_total',
    'Creates and updates of owned objects that the API server refused (4xx), by resource, verb and HTTP status code.',
  );
  readonly reconcileDuration = this.registry.histogram(
    'kfws_reconcile_duration_seconds',
    'Duration of reconcile passes by controller and result.',
    [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  );
  readonly apiRequests = this.registry.counter(
    'kfws_api_requests_total',
    'Requests made to the Kubernetes API server by verb, resource and HTTP status code.',
  );
  readonly queueDepth: Gauge;
  readonly workspacesByState: Gauge;
  readonly leader = this.registry.gauge('kfws_leader', '1 while this replica holds the leader Lease.');
  readonly activityProbes = this.registry.counter(
    'kfws_activity_probes_total',
    'Culling activity probes by probe type (jupyter, exec) and result (active, inactive, failed).',
  );
  readonly culled = this.registry.counter('kfws_culled_workspaces_total', 'Workspaces paused by culling after inactivity.');

  constructor(collect: { queueDepth: (g: Gauge) => void; workspacesByState: (g: Gauge) => void }) {
    this.queueDepth = this.registry.gauge('kfws_workqueue_depth', 'Items waiting in the work queue by controller.', collect.queueDepth);
    this.workspacesByState = this.registry.gauge(
      'kfws_workspaces',
      'Workspaces in the informer cache by status.state (empty when no status was written yet).',
      collect.workspacesByState,
    );
  }
}
