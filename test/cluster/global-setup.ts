/**
 * jest globalSetup: starts ONE control plane for all cluster suites and publishes its connection
 * (see connection.ts). Env:
 *   KFWS_TEST_CLUSTER_MODE   `full` (default) or `api`
 *   KFWS_TEST_K8S_VERSION    an older Kubernetes (`1.32`: test/cluster/bin-src-1.32/, API mode only, the default mode then)
 *   KFWS_TEST_CLUSTER / KFWS_TEST_CLUSTER_FILE  already set: reuse that control plane, start nothing
 *   KFWS_TEST_CLUSTER_DISABLE=1  start nothing, cluster suites skip (refused under CI=true)
 *   CI=true                  missing binaries are an error instead of a skip; so is any skip not in skips.ts's list
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLUSTER_ENV, CLUSTER_FILE_ENV, PublishedCluster, readPublishedCluster } from './connection';
import { EXPECTED_SKIPS, SKIP_LOG_ENV } from './skips';
import {
  ControlPlane,
  ControlPlaneMode,
  controlPlaneAvailability,
  K8S_VERSION_ENV,
  kubeRequest,
  pinnedVersions,
  selectedK8sVersion,
} from './control-plane';

/** globalSetup and globalTeardown run in the same process: the running instance is kept here. */
export const GLOBAL_KEY = '__KFWS_TEST_CONTROL_PLANE__';

function publish(p: PublishedCluster): void {
  const json = JSON.stringify(p);
  const file = path.join(os.tmpdir(), `kfws-test-cluster-${process.pid}.json`);
  fs.writeFileSync(file, json, { mode: 0o600 });
  process.env[CLUSTER_ENV] = json;
  process.env[CLUSTER_FILE_ENV] = file;
  (globalThis as any)[GLOBAL_KEY] = { ...((globalThis as any)[GLOBAL_KEY] ?? {}), file };
}

export default async function globalSetup(): Promise<void> {
  // The workers record their skips here; globalTeardown prints them.
  const skipLog = path.join(os.tmpdir(), `kfws-test-skips-${process.pid}.jsonl`);
  fs.rmSync(skipLog, { force: true });
  process.env[SKIP_LOG_ENV] = skipLog;
  (globalThis as any)[GLOBAL_KEY] = { ...((globalThis as any)[GLOBAL_KEY] ?? {}), skipLog };
  if (process.env.CI === 'true') {
    console.log(`\n[tests] CI=true: a suite that cannot run fails, except: ${EXPECTED_SKIPS.join('; ')}`);
  }
  const existing = readPublishedCluster();
  if (existing) {
    if (existing.available) {
      const ready = await kubeRequest(`${existing.server}/readyz`, { token: existing.adminToken, ca: existing.caData }).catch(
        (e: Error) => ({ status: 0, body: e.message }),
      );
      if (ready.status !== 200) {
        throw new Error(
          `[cluster] ${CLUSTER_ENV}/${CLUSTER_FILE_ENV} name a control plane at ${existing.server} that is not ready ` +
            `(${ready.status || ready.body}); unset them to let globalSetup start one`,
        );
      }
      process.env[CLUSTER_ENV] = JSON.stringify(existing);
      console.log(`\n[cluster] reusing the ${existing.mode} control plane at ${existing.server}`);
    }
    return;
  }
  if (process.env.KFWS_TEST_CLUSTER_DISABLE === '1') {
    if (process.env.CI === 'true') {
      throw new Error('[cluster] KFWS_TEST_CLUSTER_DISABLE=1 would skip every cluster suite, which CI=true does not allow');
    }
    publish({ available: false, reason: 'KFWS_TEST_CLUSTER_DISABLE=1' });
    return;
  }
  // an older version selected with KFWS_TEST_K8S_VERSION is built without the FULL mode's components
  const olderApiOnly = selectedK8sVersion() !== undefined && !pinnedVersions().kwok;
  const modeName = process.env.KFWS_TEST_CLUSTER_MODE ?? (olderApiOnly ? ControlPlaneMode.API : ControlPlaneMode.FULL);
  const mode = Object.values(ControlPlaneMode).find((m) => m === modeName);
  if (!mode) {
    throw new Error(`KFWS_TEST_CLUSTER_MODE=${modeName} is not one of ${Object.values(ControlPlaneMode).join(', ')}`);
  }
  const availability = await controlPlaneAvailability(mode);
  if (!availability.available) {
    const reason = `no ${mode} control plane: ${availability.reason}`;
    if (process.env.CI === 'true') {
      throw new Error(`[cluster] CI=true and ${reason}. Run test/cluster/build.sh before the tests (cache its output folder).`);
    }
    console.warn(`\n[cluster] NOTICE: cluster suites will be skipped: ${reason}`);
    publish({ available: false, reason });
    return;
  }
  const started = Date.now();
  const cp = await ControlPlane.start({ mode, logDir: process.env.KFWS_TEST_CLUSTER_LOG_DIR });
  const selected = selectedK8sVersion();
  if (selected && !cp.version.startsWith(`v${selected}.`) && cp.version !== `v${selected}`) {
    await cp.stop();
    throw new Error(`[cluster] ${K8S_VERSION_ENV}=${selected}, but the kube-apiserver reports ${cp.version}`);
  }
  (globalThis as any)[GLOBAL_KEY] = { ...((globalThis as any)[GLOBAL_KEY] ?? {}), controlPlane: cp };
  publish({ available: true, ...cp.info });
  console.log(`\n[cluster] ${mode} control plane ${cp.version} at ${cp.server} up in ${Date.now() - started} ms (run dir ${cp.workDir})`);
}
