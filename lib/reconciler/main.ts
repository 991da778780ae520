/**
 * Entry point of the reconciler process (bundled into one file by scripts/build-reconciler.mjs):
 *   node reconciler.js [flags]     see --help, or config.ts
 * SIGTERM/SIGINT stop it gracefully (exit 0); losing the leader Lease exits 1 so that the Pod restarts.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { hostname } from 'node:os';
import { ConfigError, parseConfig, RECONCILER_POD_NAME_ENV, RECONCILER_POD_NAMESPACE_ENV, ReconcilerConfig, usage } from '../core/contract/flags';
import { RECONCILER_IMAGE_TAG } from '../core/contract/image';
import { ApiServerActivityTransport } from './kube/activity-transport';
import { PodActivityProber } from './kube/activity-prober';
import { clusterAccessFromKubeConfig, loadKubeConfig } from './kube/kubeconfig';
import { Logger, LogLevel } from './log';
import { Manager } from './manager';

const SERVICE_ACCOUNT_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

function leaseNamespace(config: ReconcilerConfig): string | undefined {
  return config.leaderElectionNamespace || podNamespace();
}

function podNamespace(): string | undefined {
  if (process.env[RECONCILER_POD_NAMESPACE_ENV]) return process.env[RECONCILER_POD_NAMESPACE_ENV];
  try {
    return fs.readFileSync(SERVICE_ACCOUNT_NAMESPACE_FILE, 'utf8').trim();
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage() + '\n');
    return;
  }
  if (argv.includes('--version')) {
    process.stdout.write(`${RECONCILER_IMAGE_TAG}\n`);
    return;
  }
  let config: ReconcilerConfig;
  try {
    config = parseConfig(argv, process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 2;
    return;
  }
  const log = new Logger(config.logLevel as LogLevel);
  const kubeConfig = loadKubeConfig(config.kubeconfig, config.context);
  const access = await clusterAccessFromKubeConfig(kubeConfig);
  const identity = `${process.env[RECONCILER_POD_NAME_ENV] || hostname()}_${randomBytes(4).toString('hex')}`;

  let stopping = false;
  const shutdown = (code: number, reason: string): void => {
    if (stopping) {
      log.warn('second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info('stopping', { reason });
    setTimeout(() => {
      log.error('shutdown timed out', { timeoutMs: config.shutdownTimeoutMs });
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    manager.stop().then(
      () => process.exit(code),
      (err) => {
        log.error('shutdown failed', { error: (err as Error).message });
        process.exit(1);
      },
    );
  };

  const manager = new Manager({
    config,
    access,
    logger: log,
    identity,
    leaseNamespace: leaseNamespace(config),
    podNamespace: podNamespace(),
    activityTransport: (client) => new ApiServerActivityTransport(client, kubeConfig),
    activityProber: new PodActivityProber(kubeConfig),
    onFatal: (reason) => shutdown(1, reason),
  });
  process.on('SIGTERM', () => shutdown(0, 'SIGTERM'));
  process.on('SIGINT', () => shutdown(0, 'SIGINT'));
  process.on('unhandledRejection', (err) => log.error('unhandled rejection', { error: err instanceof Error ? err.message : String(err) }));

  log.info('starting', { version: RECONCILER_IMAGE_TAG, server: access.server, identity, leaderElect: config.leaderElect, workers: config.workers });
  await manager.start();
}

main().catch((err: unknown) => {
  process.stderr.write(`${JSON.stringify({ ts: new Date().toISOString(), level: 'error', msg: 'fatal', error: err instanceof Error ? err.message : String(err) })}\n`);
  process.exit(1);
});
