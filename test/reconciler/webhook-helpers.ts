/**
 * Helpers of the webhook suites: the RBAC of self-managed certificates, a ValidatingWebhookConfiguration registered
 * by URL (https://127.0.0.1:PORT/...), a round-robin TCP balancer standing in for the webhook Service in front of
 * several replicas, and replicas (in-process Managers) with the webhook enabled.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { ClusterConnection } from '../cluster/connection';
import { ControlPlane, ControlPlaneMode } from '../cluster/control-plane';
import { freePort } from '../e2e/helpers';
import { RECONCILER_DEFAULTS, ReconcilerConfig, WebhookCertificates } from '../../lib/core/contract/flags';
import { Caches } from '../../lib/reconciler/caches';
import { KubeClient } from '../../lib/reconciler/kube/client';
import { Logger, LogLevel } from '../../lib/reconciler/log';
import { Manager } from '../../lib/reconciler/manager';
import { reconcilerWebhookConfigurationRules, reconcilerWebhookSecretRules } from '../../lib/core/contract/permissions';
import { SelfManagedCertificates } from '../../lib/reconciler/webhook/cert-keeper';
import { validatingWebhooks, WEBHOOK_SECRET_KEYS } from '../../lib/core/contract/webhooks';
import { WebhookServer } from '../../lib/reconciler/webhook/server';
import { cacheAdmissionSource } from '../../lib/reconciler/webhook/source';
import { accessFor, Api, createNamespace, ensureCrds, reconcilerToken, suffix } from './cluster-helpers';

const RBAC = 'rbac.authorization.k8s.io';

/** A TCP balancer on 127.0.0.1: each new connection goes to the next backend port (as a Service spreads them). */
export class RoundRobinBalancer {
  private next = 0;
  private readonly sockets = new Set<net.Socket>();
  readonly perBackend: number[];

  private constructor(
    private readonly server: net.Server,
    readonly backends: number[],
  ) {
    this.perBackend = backends.map(() => 0);
  }

  static async start(backends: number[]): Promise<RoundRobinBalancer> {
    let balancer: RoundRobinBalancer | undefined;
    const server = net.createServer((client) => balancer!.connect(client));
    balancer = new RoundRobinBalancer(server, backends);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return balancer;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  private connect(client: net.Socket): void {
    const i = this.next++ % this.backends.length;
    this.perBackend[i]++;
    const upstream = net.connect(this.backends[i], '127.0.0.1');
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream).pipe(client);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** What the install chart grants for self-managed certificates, to the test reconciler's ServiceAccount. */
export async function grantWebhookCertificates(api: Api, controllerNamespace: string, secretName: string, configurationName: string): Promise<void> {
  const subjects = [{ kind: 'ServiceAccount', name: 'reconciler', namespace: controllerNamespace }];
  const base = `/apis/${RBAC}/v1`;
  const roleName = `webhook-cert-${suffix()}`;
  await api.create(`${base}/namespaces/${controllerNamespace}/roles`, { apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name: roleName }, rules: reconcilerWebhookSecretRules(secretName) });
  await api.create(`${base}/namespaces/${controllerNamespace}/rolebindings`, {
    apiVersion: `${RBAC}/v1`,
    kind: 'RoleBinding',
    metadata: { name: roleName },
    roleRef: { apiGroup: RBAC, kind: 'Role', name: roleName },
    subjects,
  });
  await api.create(`${base}/clusterroles`, { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: roleName }, rules: reconcilerWebhookConfigurationRules(configurationName) });
  await api.create(`${base}/clusterrolebindings`, {
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name: roleName },
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: roleName },
    subjects,
  });
  // the Secret as the chart creates it: empty
  await api.create(`/api/v1/namespaces/${controllerNamespace}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: secretName }, type: 'Opaque' });
}

export const VWC_PATH = '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations';

/** The chart's webhooks, registered by URL on 127.0.0.1:`port`, without a CA bundle (the reconciler sets it). */
export async function registerWebhooks(api: Api, name: string, port: number, objectSelector?: Record<string, unknown>): Promise<void> {
  await api.create(VWC_PATH, {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name },
    webhooks: validatingWebhooks({ clientConfig: (w) => ({ url: `https://127.0.0.1:${port}${w.path}` }), objectSelector }),
  });
}

export interface WebhookReplicaOptions {
  /** Namespace of the replica (its Lease and certificate Secret). */
  readonly namespace: string;
  readonly secretName: string;
  readonly configurationName: string;
  readonly port: number;
  /** The leader-election Lease (in `namespace`): the replica that holds it runs the controllers. */
  readonly leaseName: string;
  readonly overrides?: Partial<ReconcilerConfig>;
}

export interface WebhookReplica {
  readonly manager: Manager;
  readonly logs: string[];
}

/** A replica with the self-managed webhook on `port` (certificate for 127.0.0.1). Resolves once its caches synced. */
export async function startWebhookReplica(cluster: ClusterConnection, token: string, o: WebhookReplicaOptions): Promise<WebhookReplica> {
  const replica = webhookReplica(cluster, token, o);
  await replica.manager.start();
  return replica;
}

/** The replica of {@link startWebhookReplica}, not started yet. */
export function webhookReplica(cluster: ClusterConnection, token: string, o: WebhookReplicaOptions): WebhookReplica {
  const logs: string[] = [];
  const manager = new Manager({
    config: {
      ...RECONCILER_DEFAULTS,
      bindAddress: '127.0.0.1',
      healthPort: 0,
      metricsPort: 0,
      leaderElect: true,
      leaderElectionId: o.leaseName,
      backoffBaseMs: 200,
      backoffMaxMs: 5_000,
      culling: false,
      webhookPort: o.port,
      webhookCertificates: WebhookCertificates.SELF_MANAGED,
      webhookSecret: o.secretName,
      webhookConfiguration: o.configurationName,
      webhookHosts: ['127.0.0.1'],
      ...o.overrides,
    },
    access: accessFor(cluster, token),
    logger: new Logger(LogLevel.INFO, {}, (line) => logs.push(line)),
    identity: `webhook-test-${suffix()}`,
    leaseNamespace: o.namespace,
    podNamespace: o.namespace,
  });
  return { manager, logs };
}

/** The certificate a TLS server on 127.0.0.1:`port` presents (its SHA-256 fingerprint). */
export function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const fp = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fp);
    });
    socket.once('error', reject);
  });
}

/** The Secret's serving certificate and CA (PEM). */
export async function secretCertificates(api: Api, namespace: string, name: string): Promise<{ tlsCert?: string; caCert?: string; previousCaCert?: string }> {
  const s = await api.get(`/api/v1/namespaces/${namespace}/secrets/${name}`);
  const d = (k: string): string | undefined => (s?.data?.[k] ? Buffer.from(s.data[k], 'base64').toString('utf8') : undefined);
  return { tlsCert: d(WEBHOOK_SECRET_KEYS.tlsCert), caCert: d(WEBHOOK_SECRET_KEYS.caCert), previousCaCert: d(WEBHOOK_SECRET_KEYS.previousCaCert) };
}

/** The webhook alone (informer caches, self-managed certificates, HTTPS server), without the controllers. */
export interface WebhookOnly {
  readonly caches: Caches;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Serves the webhooks on `port` from caches of its own, for a suite on a control plane shared with other suites'
 * reconcilers (which must stay the only ones writing there). Resolves once the caches have synced.
 */
export async function startWebhookOnly(cluster: ClusterConnection, token: string, o: Omit<WebhookReplicaOptions, 'leaseName' | 'overrides'>): Promise<WebhookOnly> {
  const log = new Logger(LogLevel.WARN, {}, () => undefined);
  const client = new KubeClient(accessFor(cluster, token), { userAgent: 'kfws-webhook-test' });
  const caches = new Caches(client, log);
  const certificates = new SelfManagedCertificates({
    client,
    log,
    namespace: o.namespace,
    secretName: o.secretName,
    webhookConfigurationName: o.configurationName,
    hosts: ['127.0.0.1'],
    validityMs: RECONCILER_DEFAULTS.webhookCertValidityMs,
    renewBeforeMs: RECONCILER_DEFAULTS.webhookCertRenewBeforeMs,
    checkIntervalMs: RECONCILER_DEFAULTS.webhookCertCheckIntervalMs,
  });
  const server = new WebhookServer({ host: '127.0.0.1', port: o.port, certificate: await certificates.start(), source: cacheAdmissionSource(caches, client, log), log });
  await server.listen();
  await caches.start();
  return {
    caches,
    port: server.port,
    stop: async () => {
      certificates.stop();
      await server.stop(1000);
      await caches.stop();
      client.close();
    },
  };
}

export interface TwoReplicaPlaneOptions {
  readonly controllerNamespace: string;
  /** The namespace the controller's token may write in (its tenant). */
  readonly namespace: string;
  readonly secretName: string;
  readonly configurationName: string;
  /** Registers the webhooks only for Workspaces and kinds this selector matches. */
  readonly objectSelector?: Record<string, unknown>;
}

export interface TwoReplicaPlane {
  readonly cp: ControlPlane;
  readonly api: Api;
  readonly token: string;
  readonly balancer: RoundRobinBalancer;
  /** The two ports the replicas are to serve on, behind the balancer. */
  readonly ports: readonly number[];
}

/**
 * An API-mode control plane with the CRDs, the controller's and the tenant namespace, the controller's token, the
 * webhook certificates' access, and the webhooks registered on a balancer over two free ports (replicas not started).
 */
export async function startTwoReplicaPlane(o: TwoReplicaPlaneOptions): Promise<TwoReplicaPlane> {
  const cp = await ControlPlane.start({ mode: ControlPlaneMode.API });
  const api = new Api(cp);
  await ensureCrds(api);
  await createNamespace(api, o.controllerNamespace);
  await createNamespace(api, o.namespace);
  const token = await reconcilerToken(api, o.controllerNamespace, [o.namespace]);
  await grantWebhookCertificates(api, o.controllerNamespace, o.secretName, o.configurationName);
  const ports = [await freePort(), await freePort()];
  const balancer = await RoundRobinBalancer.start(ports);
  await registerWebhooks(api, o.configurationName, balancer.port, o.objectSelector);
  return { cp, api, token, balancer, ports };
}
