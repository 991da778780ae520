/**
 * Starts a test control plane by hand and keeps it running until Ctrl-C, so that jest runs
 * (or kubectl) can reuse it:
 *
 *   npx ts-node --transpile-only test/cluster/run.ts [full|api] [--once]
 *   export KFWS_TEST_CLUSTER_FILE=<printed path>   # jest's globalSetup then reuses it
 *
 * `--once` starts it, prints the connection and stops it (a smoke check of the harness).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ControlPlane, ControlPlaneMode } from './control-plane';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const mode = args.includes('api') ? ControlPlaneMode.API : ControlPlaneMode.FULL;
  const started = Date.now();
  const cp = await ControlPlane.start({ mode });
  const file = path.join(os.tmpdir(), `kfws-test-cluster-manual-${process.pid}.json`);
  fs.writeFileSync(file, JSON.stringify({ available: true, ...cp.info }), { mode: 0o600 });
  console.log(`${mode} control plane ${cp.version} at ${cp.server} up in ${Date.now() - started} ms`);
  console.log(`run dir:    ${cp.workDir}`);
  console.log(`export KUBECONFIG=${cp.kubeconfigPath}`);
  console.log(`export KFWS_TEST_CLUSTER_FILE=${file}`);
  const stop = async () => {
    fs.rmSync(file, { force: true });
    await cp.stop();
  };
  if (args.includes('--once')) {
    await stop();
    return;
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await stop();
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
