/** jest globalTeardown: stops the control plane started by global-setup.ts (a reused one is left alone). */
import * as fs from 'node:fs';
import { CLUSTER_ENV, CLUSTER_FILE_ENV } from './connection';
import type { ControlPlane } from './control-plane';
import { GLOBAL_KEY } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as any)[GLOBAL_KEY] as { controlPlane?: ControlPlane; file?: string } | undefined;
  if (!state) return;
  delete (globalThis as any)[GLOBAL_KEY];
  if (state.controlPlane) await state.controlPlane.stop();
  if (state.file) {
    fs.rmSync(state.file, { force: true });
    if (process.env[CLUSTER_FILE_ENV] === state.file) {
      delete process.env[CLUSTER_FILE_ENV];
      delete process.env[CLUSTER_ENV];
    }
  }
}
