/**
 * Configuration of the reconciler process: command-line flags, each with an environment variable, and defaults.
 * Precedence: flag, then environment, then default. Durations accept `ms`, `s`, `m`, `h` suffixes (bare numbers
 * are seconds); booleans accept `true`/`false`/`1`/`0` (a bare boolean flag means true).
 *
 * Pure data and parsing, importable by the platform chart without the Kubernetes client.
 */
import { RECONCILER_HEALTH_PORT, RECONCILER_LEASE_NAME, RECONCILER_METRICS_PORT } from './permissions';
import { DEFAULT_WEBHOOK_SERVER_LIMITS } from './webhooks';
import { ApiRevision, DEFAULT_API_REVISION } from '../revision';

export interface ReconcilerConfig {
  /**
   * The upstream revision of `kubeflow.org/v1beta1` installed in the cluster (its CRDs): the reconciler and the
   * webhook behave as that revision's controller does. The platform chart sets it from the install's `apiRevision`.
   */
  readonly apiRevision: ApiRevision;
  /** Beta only: own one Istio VirtualService per Workspace (upstream `USE_ISTIO`). */
  readonly useIstio: boolean;
  /** Beta only: `spec.gateways[0]` of every VirtualService, e.g. `kubeflow/kubeflow-gateway`. */
  readonly istioGateway: string;
  /** Beta only: `spec.hosts[0]` of every VirtualService. */
  readonly istioHosts: string;
  /** Beta only: suffix of the VirtualService destination hosts (`<service>.<namespace>.svc.<domain>`). */
  readonly clusterDomain: string;
  /** Kubeconfig file; unset = `$KUBECONFIG`, `~/.kube/config`, then the in-cluster ServiceAccount. */
  readonly kubeconfig?: string;
  readonly context?: string;
  /** Address the health and metrics servers listen on. */
  readonly bindAddress: string;
  readonly healthPort: number;
  /** 0 disables the metrics server. */
  readonly metricsPort: number;
  readonly leaderElect: boolean;
  /** Namespace of the Lease; unset = `$POD_NAMESPACE`, then the in-cluster ServiceAccount's namespace. */
  readonly leaderElectionNamespace?: string;
  readonly leaderElectionId: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  /** Concurrent Workspace reconciles. */
  readonly workers: number;
  /** Concurrent WorkspaceKind reconciles. */
  readonly kindWorkers: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /** Global retry token bucket. */
  readonly queueQps: number;
  readonly queueBurst: number;
  /** Every object is reconciled again after this long, even without events. */
  readonly resyncPeriodMs: number;
  readonly culling: boolean;
  readonly cullingIntervalMs: number;
  readonly cullingProbeTimeoutMs: number;
  readonly cullingConcurrency: number;
  readonly apiTimeoutMs: number;
  /** Time allowed for in-flight work after SIGTERM. */
  readonly shutdownTimeoutMs: number;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Port of the HTTPS admission webhook server, served by every replica; 0 disables it. */
  readonly webhookPort: number;
  /** Where the webhook's serving certificate comes from. */
  readonly webhookCertificates: WebhookCertificates;
  /** With `files`: the folder holding `tls.crt` and `tls.key` (a mounted Secret, e.g. cert-manager's). */
  readonly webhookCertDir?: string;
  /** With `self-managed`: the Secret (in the Pod's namespace) that holds the CA and serving certificate. */
  readonly webhookSecret?: string;
  /** With `self-managed`: the ValidatingWebhookConfiguration whose CA bundle the reconciler sets. */
  readonly webhookConfiguration?: string;
  /** With `self-managed`: DNS names and IP addresses of the serving certificate. */
  readonly webhookHosts: readonly string[];
  readonly webhookCertValidityMs: number;
  /** New certificates are issued when the current ones expire within this. */
  readonly webhookCertRenewBeforeMs: number;
  /** How often the certificate (and with `self-managed`, the Secret and the CA bundle) is checked. */
  readonly webhookCertCheckIntervalMs: number;
  /** Largest webhook request body; a larger one is refused with 413 (on its Content-Length, before reading). */
  readonly webhookMaxRequestBytes: number;
  /** Request body bytes all webhook requests together may hold; past it the largest is cut off with 503. */
  readonly webhookMaxBufferedBytes: number;
  /** Open webhook connections per replica; new ones past it are closed at once. */
  readonly webhookMaxConnections: number;
  /** Time for a webhook request's TLS handshake, headers and body; keep it under the registration's timeout. */
  readonly webhookRequestTimeoutMs: number;
}

/** Where the webhook's serving certificate comes from. */
export enum WebhookCertificates {
  /** The reconciler issues a CA and serving certificate into a Secret and sets the CA bundle itself. */
  SELF_MANAGED = 'self-managed',
  /** Read from files (a Secret that cert-manager keeps, mounted into the Pod); cert-manager injects the CA bundle. */
  FILES = 'files',
}

export const RECONCILER_DEFAULTS: ReconcilerConfig = {
  apiRevision: DEFAULT_API_REVISION,
  useIstio: false,
  istioGateway: '',
  istioHosts: '*',
  clusterDomain: 'cluster.local',
  bindAddress: '0.0.0.0',
  healthPort: RECONCILER_HEALTH_PORT,
  metricsPort: RECONCILER_METRICS_PORT,
  leaderElect: false,
  leaderElectionId: RECONCILER_LEASE_NAME,
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
  workers: 4,
  kindWorkers: 1,
  backoffBaseMs: 1_000,
  backoffMaxMs: 7 * 60_000,
  queueQps: 10,
  queueBurst: 100,
  resyncPeriodMs: 10 * 3600_000,
  culling: true,
  cullingIntervalMs: 300_000,
  cullingProbeTimeoutMs: 10_000,
  cullingConcurrency: 4,
  apiTimeoutMs: 30_000,
  shutdownTimeoutMs: 25_000,
  logLevel: 'info',
  webhookPort: 0,
  webhookCertificates: WebhookCertificates.SELF_MANAGED,
  webhookHosts: [],
  webhookCertValidityMs: 365 * 24 * 3600_000,
  webhookCertRenewBeforeMs: 90 * 24 * 3600_000,
  webhookCertCheckIntervalMs: 60_000,
  webhookMaxRequestBytes: DEFAULT_WEBHOOK_SERVER_LIMITS.maxRequestBytes,
  webhookMaxBufferedBytes: DEFAULT_WEBHOOK_SERVER_LIMITS.maxBufferedBytes,
  webhookMaxConnections: DEFAULT_WEBHOOK_SERVER_LIMITS.maxConnections,
  webhookRequestTimeoutMs: DEFAULT_WEBHOOK_SERVER_LIMITS.requestTimeoutMs,
};

type Kind = 'string' | 'int' | 'bool' | 'duration' | 'level' | 'list' | 'certificates' | 'bytes' | 'revision';

/**
 * The environment variable of `--api-revision`: the platform chart sets it to the install's revision (the one whose
 * CRDs it deploys), so the controller and the CRDs cannot disagree.
 */
export const RECONCILER_API_REVISION_ENV = 'RECONCILER_API_REVISION';

export interface FlagSpec {
  readonly flag: string;
  readonly env: string;
  readonly key: keyof ReconcilerConfig;
  readonly kind: Kind;
  readonly help: string;
}

/** Every flag, its environment variable and meaning. */
export const RECONCILER_FLAGS: readonly FlagSpec[] = [
  { flag: 'api-revision', env: RECONCILER_API_REVISION_ENV, key: 'apiRevision', kind: 'revision', help: `upstream revision of the installed CRDs: ${Object.values(ApiRevision).join(' or ')}` },
  { flag: 'use-istio', env: 'RECONCILER_USE_ISTIO', key: 'useIstio', kind: 'bool', help: 'own an Istio VirtualService per Workspace (api revision v2.0.0-beta.0 only)' },
  { flag: 'istio-gateway', env: 'RECONCILER_ISTIO_GATEWAY', key: 'istioGateway', kind: 'string', help: 'gateway of the VirtualServices, e.g. kubeflow/kubeflow-gateway' },
  { flag: 'istio-hosts', env: 'RECONCILER_ISTIO_HOSTS', key: 'istioHosts', kind: 'string', help: 'host of the VirtualServices' },
  { flag: 'cluster-domain', env: 'RECONCILER_CLUSTER_DOMAIN', key: 'clusterDomain', kind: 'string', help: 'cluster DNS domain of the VirtualService destinations' },
  { flag: 'kubeconfig', env: 'RECONCILER_KUBECONFIG', key: 'kubeconfig', kind: 'string', help: 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then in-cluster)' },
  { flag: 'context', env: 'RECONCILER_CONTEXT', key: 'context', kind: 'string', help: 'kubeconfig context' },
  { flag: 'bind-address', env: 'RECONCILER_BIND_ADDRESS', key: 'bindAddress', kind: 'string', help: 'address of the health and metrics servers' },
  { flag: 'health-port', env: 'RECONCILER_HEALTH_PORT', key: 'healthPort', kind: 'int', help: '/healthz and /readyz port' },
  { flag: 'metrics-port', env: 'RECONCILER_METRICS_PORT', key: 'metricsPort', kind: 'int', help: 'Prometheus /metrics port (0 disables)' },
  { flag: 'leader-elect', env: 'RECONCILER_LEADER_ELECT', key: 'leaderElect', kind: 'bool', help: 'elect a leader with a Lease; only the leader writes' },
  { flag: 'leader-election-namespace', env: 'RECONCILER_LEADER_ELECTION_NAMESPACE', key: 'leaderElectionNamespace', kind: 'string', help: 'namespace of the Lease (default: $POD_NAMESPACE, then the ServiceAccount namespace)' },
  { flag: 'leader-election-id', env: 'RECONCILER_LEADER_ELECTION_ID', key: 'leaderElectionId', kind: 'string', help: 'name of the Lease' },
  { flag: 'lease-duration', env: 'RECONCILER_LEASE_DURATION', key: 'leaseDurationMs', kind: 'duration', help: 'how long a Lease is valid without renewal' },
  { flag: 'renew-deadline', env: 'RECONCILER_RENEW_DEADLINE', key: 'renewDeadlineMs', kind: 'duration', help: 'the leader gives up if it cannot renew within this' },
  { flag: 'retry-period', env: 'RECONCILER_RETRY_PERIOD', key: 'retryPeriodMs', kind: 'duration', help: 'interval of Lease acquisition and renewal attempts' },
  { flag: 'workers', env: 'RECONCILER_WORKERS', key: 'workers', kind: 'int', help: 'concurrent Workspace reconciles' },
  { flag: 'kind-workers', env: 'RECONCILER_KIND_WORKERS', key: 'kindWorkers', kind: 'int', help: 'concurrent WorkspaceKind reconciles' },
  { flag: 'backoff-base', env: 'RECONCILER_BACKOFF_BASE', key: 'backoffBaseMs', kind: 'duration', help: 'first retry delay of a failing object (doubles per failure)' },
  { flag: 'backoff-max', env: 'RECONCILER_BACKOFF_MAX', key: 'backoffMaxMs', kind: 'duration', help: 'maximum retry delay of a failing object' },
  { flag: 'queue-qps', env: 'RECONCILER_QUEUE_QPS', key: 'queueQps', kind: 'int', help: 'global rate of retries per second' },
  { flag: 'queue-burst', env: 'RECONCILER_QUEUE_BURST', key: 'queueBurst', kind: 'int', help: 'burst of the global retry rate limit' },
  { flag: 'resync-period', env: 'RECONCILER_RESYNC_PERIOD', key: 'resyncPeriodMs', kind: 'duration', help: 'reconcile everything again after this long' },
  { flag: 'culling', env: 'RECONCILER_CULLING', key: 'culling', kind: 'bool', help: 'probe activity and pause idle Workspaces of Kinds with culling enabled' },
  { flag: 'culling-interval', env: 'RECONCILER_CULLING_INTERVAL', key: 'cullingIntervalMs', kind: 'duration', help: 'interval between activity probes of a Workspace' },
  { flag: 'culling-probe-timeout', env: 'RECONCILER_CULLING_PROBE_TIMEOUT', key: 'cullingProbeTimeoutMs', kind: 'duration', help: 'timeout of one activity probe' },
  { flag: 'culling-concurrency', env: 'RECONCILER_CULLING_CONCURRENCY', key: 'cullingConcurrency', kind: 'int', help: 'activity probes running at the same time' },
  { flag: 'api-timeout', env: 'RECONCILER_API_TIMEOUT', key: 'apiTimeoutMs', kind: 'duration', help: 'timeout of one API request' },
  { flag: 'shutdown-timeout', env: 'RECONCILER_SHUTDOWN_TIMEOUT', key: 'shutdownTimeoutMs', kind: 'duration', help: 'time allowed to finish in-flight work after SIGTERM' },
  { flag: 'log-level', env: 'RECONCILER_LOG_LEVEL', key: 'logLevel', kind: 'level', help: 'debug, info, warn or error' },
  { flag: 'webhook-port', env: 'RECONCILER_WEBHOOK_PORT', key: 'webhookPort', kind: 'int', help: 'HTTPS port of the admission webhooks, on every replica (0 disables them)' },
  { flag: 'webhook-certificates', env: 'RECONCILER_WEBHOOK_CERTIFICATES', key: 'webhookCertificates', kind: 'certificates', help: 'self-managed (a CA and certificate kept in --webhook-secret) or files (tls.crt/tls.key in --webhook-cert-dir)' },
  { flag: 'webhook-cert-dir', env: 'RECONCILER_WEBHOOK_CERT_DIR', key: 'webhookCertDir', kind: 'string', help: 'folder with tls.crt and tls.key (--webhook-certificates=files)' },
  { flag: 'webhook-secret', env: 'RECONCILER_WEBHOOK_SECRET', key: 'webhookSecret', kind: 'string', help: 'Secret in the Pod namespace holding the self-managed certificates' },
  { flag: 'webhook-configuration', env: 'RECONCILER_WEBHOOK_CONFIGURATION', key: 'webhookConfiguration', kind: 'string', help: 'ValidatingWebhookConfiguration whose CA bundle is kept (self-managed)' },
  { flag: 'webhook-hosts', env: 'RECONCILER_WEBHOOK_HOSTS', key: 'webhookHosts', kind: 'list', help: 'comma-separated DNS names and IPs of the self-managed serving certificate' },
  { flag: 'webhook-cert-validity', env: 'RECONCILER_WEBHOOK_CERT_VALIDITY', key: 'webhookCertValidityMs', kind: 'duration', help: 'lifetime of self-managed certificates' },
  { flag: 'webhook-cert-renew-before', env: 'RECONCILER_WEBHOOK_CERT_RENEW_BEFORE', key: 'webhookCertRenewBeforeMs', kind: 'duration', help: 'issue new self-managed certificates when they expire within this' },
  { flag: 'webhook-cert-check-interval', env: 'RECONCILER_WEBHOOK_CERT_CHECK_INTERVAL', key: 'webhookCertCheckIntervalMs', kind: 'duration', help: 'how often the certificate and the CA bundle are checked' },
  { flag: 'webhook-max-request-bytes', env: 'RECONCILER_WEBHOOK_MAX_REQUEST_BYTES', key: 'webhookMaxRequestBytes', kind: 'bytes', help: 'largest webhook request body (e.g. 3Mi); larger ones get 413 before they are read' },
  { flag: 'webhook-max-buffered-bytes', env: 'RECONCILER_WEBHOOK_MAX_BUFFERED_BYTES', key: 'webhookMaxBufferedBytes', kind: 'bytes', help: 'request body bytes all webhook requests together may hold; past it the largest gets 503' },
  { flag: 'webhook-max-connections', env: 'RECONCILER_WEBHOOK_MAX_CONNECTIONS', key: 'webhookMaxConnections', kind: 'int', help: 'open webhook connections per replica; new ones past it are closed at once' },
  { flag: 'webhook-request-timeout', env: 'RECONCILER_WEBHOOK_REQUEST_TIMEOUT', key: 'webhookRequestTimeoutMs', kind: 'duration', help: 'time for a webhook request\'s handshake, headers and body (under the registration\'s timeoutSeconds)' },
];

/**
 * The arguments the platform chart passes to the container (with a read-only root filesystem and uid 65532).
 * Ports stay at their defaults, which the chart also sets through `RECONCILER_HEALTH_PORT` / `RECONCILER_METRICS_PORT`.
 */
export const RECONCILER_CHART_ARGS: readonly string[] = ['--leader-elect=true', '--log-level=info'];

/** Environment the chart sets from the downward API: the Lease namespace and the replica's identity. */
export const RECONCILER_POD_NAMESPACE_ENV = 'POD_NAMESPACE';
export const RECONCILER_POD_NAME_ENV = 'POD_NAME';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Bytes of `3145728`, `512Ki`, `3Mi`, `1Gi`. */
export function parseBytes(value: string): number {
  const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(value.trim());
  if (!m) throw new ConfigError(`invalid size ${JSON.stringify(value)}: use a number of bytes, or e.g. 512Ki, 3Mi, 1Gi`);
  return Number(m[1]) * { '': 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 }[m[2] ?? '']!;
}

/** Milliseconds of `300`, `300s`, `5m`, `10h`, `1500ms`. */
export function parseDuration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!m) throw new ConfigError(`invalid duration ${JSON.stringify(value)}: use e.g. 1500ms, 30s, 5m or 10h`);
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's']!;
  return Math.round(Number(m[1]) * factor);
}

function convert(spec: FlagSpec, raw: string, source: string): unknown {
  switch (spec.kind) {
    case 'string':
      return raw;
    case 'int': {
      if (!/^\d+$/.test(raw)) throw new ConfigError(`${source}: expected a non-negative integer, got ${JSON.stringify(raw)}`);
      return Number(raw);
    }
    case 'bool': {
      if (['true', '1'].includes(raw)) return true;
      if (['false', '0'].includes(raw)) return false;
      throw new ConfigError(`${source}: expected true or false, got ${JSON.stringify(raw)}`);
    }
    case 'duration':
      try {
        return parseDuration(raw);
      } catch (err) {
        throw new ConfigError(`${source}: ${(err as Error).message}`);
      }
    case 'bytes':
      try {
        return parseBytes(raw);
      } catch (err) {
        throw new ConfigError(`${source}: ${(err as Error).message}`);
      }
    case 'level':
      if (!['debug', 'info', 'warn', 'error'].includes(raw)) {
        throw new ConfigError(`${source}: expected debug, info, warn or error, got ${JSON.stringify(raw)}`);
      }
      return raw;
    case 'list':
      return raw.split(',').map((item) => item.trim()).filter((item) => item !== '');
    case 'revision':
      if (!(Object.values(ApiRevision) as string[]).includes(raw)) {
        throw new ConfigError(`${source}: expected ${Object.values(ApiRevision).join(' or ')}, got ${JSON.stringify(raw)}`);
      }
      return raw;
    case 'certificates':
      if (!(Object.values(WebhookCertificates) as string[]).includes(raw)) {
        throw new ConfigError(`${source}: expected ${Object.values(WebhookCertificates).join(' or ')}, got ${JSON.stringify(raw)}`);
      }
      return raw;
  }
}

/** Parses `argv` (without node and script) and `env`; throws {@link ConfigError} with the offending flag. */
export function parseConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ReconcilerConfig {
  const values: Record<string, unknown> = { ...RECONCILER_DEFAULTS };
  for (const spec of RECONCILER_FLAGS) {
    const raw = env[spec.env];
    if (raw !== undefined && raw !== '') values[spec.key] = convert(spec, raw, spec.env);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const m = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg);
    if (!m) throw new ConfigError(`unexpected argument ${JSON.stringify(arg)}; see --help`);
    const spec = RECONCILER_FLAGS.find((f) => f.flag === m[1]);
    if (!spec) throw new ConfigError(`unknown flag --${m[1]}; see --help`);
    let raw = m[2];
    if (raw === undefined) {
      if (spec.kind === 'bool') raw = 'true';
      else if (i + 1 < argv.length) raw = argv[++i];
      else throw new ConfigError(`--${spec.flag} needs a value`);
    }
    values[spec.key] = convert(spec, raw, `--${spec.flag}`);
  }
  const config = values as unknown as ReconcilerConfig;
  if (config.workers < 1 || config.kindWorkers < 1) throw new ConfigError('--workers and --kind-workers must be at least 1');
  if (config.renewDeadlineMs >= config.leaseDurationMs) throw new ConfigError('--renew-deadline must be shorter than --lease-duration');
  if (config.retryPeriodMs >= config.renewDeadlineMs) throw new ConfigError('--retry-period must be shorter than --renew-deadline');
  if (config.queueQps < 1) throw new ConfigError('--queue-qps must be at least 1');
  if (config.useIstio && config.apiRevision !== ApiRevision.V2_0_0_BETA_0) {
    throw new ConfigError(`--use-istio needs --api-revision=${ApiRevision.V2_0_0_BETA_0} (revision ${config.apiRevision} owns no VirtualServices)`);
  }
  if (config.webhookPort > 0) webhookConfigErrors(config);
  return config;
}

function webhookConfigErrors(config: ReconcilerConfig): void {
  if (config.webhookPort > 65535) throw new ConfigError(`--webhook-port is ${config.webhookPort}; expected a port up to 65535`);
  if (config.webhookCertCheckIntervalMs < 1000) throw new ConfigError('--webhook-cert-check-interval must be at least 1s');
  if (config.webhookMaxRequestBytes < 64 * 1024) throw new ConfigError(`--webhook-max-request-bytes is ${config.webhookMaxRequestBytes}; expected at least 64Ki (a WorkspaceKind review is tens of KiB)`);
  if (config.webhookMaxBufferedBytes < config.webhookMaxRequestBytes) {
    throw new ConfigError(`--webhook-max-buffered-bytes (${config.webhookMaxBufferedBytes}) is under --webhook-max-request-bytes (${config.webhookMaxRequestBytes}); expected at least one largest body`);
  }
  if (config.webhookMaxConnections < 1) throw new ConfigError('--webhook-max-connections must be at least 1');
  if (config.webhookRequestTimeoutMs < 100 || config.webhookRequestTimeoutMs > 30_000) {
    throw new ConfigError(`--webhook-request-timeout is ${config.webhookRequestTimeoutMs}ms; expected 100ms to 30s (the API server waits 30 s at most)`);
  }
  if (config.webhookCertificates === WebhookCertificates.FILES) {
    if (!config.webhookCertDir) throw new ConfigError('--webhook-certificates=files needs --webhook-cert-dir (the folder with tls.crt and tls.key)');
    return;
  }
  const missing = (['webhookSecret', 'webhookConfiguration'] as const).filter((k) => !config[k]);
  if (config.webhookHosts.length === 0) missing.push('webhookHosts' as never);
  if (missing.length > 0) {
    const flags = missing.map((k) => `--${RECONCILER_FLAGS.find((f) => f.key === k)!.flag}`);
    throw new ConfigError(`--webhook-certificates=self-managed needs ${flags.join(', ')}`);
  }
  if (config.webhookCertRenewBeforeMs >= config.webhookCertValidityMs) {
    throw new ConfigError('--webhook-cert-renew-before must be shorter than --webhook-cert-validity');
  }
}

/** `--help` text. */
export function usage(): string {
  const lines = ['Usage: node reconciler.js [flags]', '', 'Flags (environment variable in brackets):'];
  for (const f of RECONCILER_FLAGS) {
    const def = RECONCILER_DEFAULTS[f.key];
    const shown = def === undefined || (Array.isArray(def) && def.length === 0) ? '' : f.kind === 'duration' ? ` (default ${def}ms)` : ` (default ${def})`;
    lines.push(`  --${f.flag} [${f.env}]`, `      ${f.help}${shown}`);
  }
  return lines.join('\n');
}
