/**
 * jest globalSetup of the unit project: builds kfws's manifest reader (scripts/build-reader.mjs; a copy from the cache
 * when it is there), so that `npx jest` works on a fresh clone as `npm test` does. Without Go it fails: nothing skips.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

export default function setup(): void {
  execFileSync(process.execPath, [path.join(__dirname, '..', 'scripts', 'build-reader.mjs')], { stdio: ['ignore', 'inherit', 'inherit'] });
}
