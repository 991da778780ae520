/**
 * jest globalTeardown: stops the control plane started by global-setup.ts (a reused one is left alone) and prints the
 * suites that skipped themselves, with their reasons.
 */
import * as fs from 'node:fs';
import { CLUSTER_ENV, CLUSTER_FILE_ENV } from './connection';
import type { ControlPlane } from './control-plane';
import { GLOBAL_KEY } from './global-setup';
import { readSkips, skipSummary } from './skips';

export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as any)[GLOBAL_KEY] as { controlPlane?: ControlPlane; file?: string; skipLog?: string } | undefined;
  if (!state) return;
  delete (globalThis as any)[GLOBAL_KEY];
  if (state.skipLog) {
    process.stdout.write(skipSummary(readSkips(state.skipLog)));
    fs.rmSync(state.skipLog, { force: true });
  }
  if (state.controlPlane) await state.controlPlane.stop();
  if (state.file) {
    fs.rmSync(state.file, { force: true });
    if (process.env[CLUSTER_FILE_ENV] === state.file) {
      delete process.env[CLUSTER_FILE_ENV];
      delete process.env[CLUSTER_ENV];
    }
  }
}
