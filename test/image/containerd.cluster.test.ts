/**
 * The air-gapped path of the README ("Without access to ghcr.io"): `build/reconciler-image.tar`, the docker-archive
 * that `npm run build:image` writes, imported into containerd with `ctr -n k8s.io images import` as a node of a
 * cluster imports it (kind's `kind load image-archive` runs the same import on its nodes), then run by containerd.
 *
 * containerd (Debian's package) is started here with a configuration of its own: its root, state and socket in a
 * temporary folder, the native snapshotter (no overlay mounts needed), the CRI plugin off. Without root, containerd,
 * ctr or the built image the suite is skipped with a notice, and fails under CI=true.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RECONCILER_IMAGE_REPOSITORY } from '../../lib/core/contract/image';
import { skipSuite } from '../cluster/skips';
import { eventually } from '../e2e/helpers';
import { IMAGE_LAYOUT, imageRuntimeUnavailable, onPath, ROOT } from './runc';

const VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const ARCHIVE = path.join(ROOT, 'build', 'reconciler-image.tar');
const REFERENCE = `${RECONCILER_IMAGE_REPOSITORY}:${VERSION}`;

function unavailable(): string | undefined {
  const runtime = imageRuntimeUnavailable();
  if (runtime) return runtime;
  for (const tool of ['containerd', 'ctr']) if (!onPath(tool)) return `${tool} not found (Debian: apt-get install containerd)`;
  if (!fs.existsSync(ARCHIVE)) return `no ${ARCHIVE}: run \`npm run build:image\``;
  return undefined;
}

/** The config digest of build/image's manifest: what every copy of the image shares, whatever its manifest digest. */
function layoutConfigDigest(): string {
  const blob = (digest: string): string => path.join(IMAGE_LAYOUT, 'blobs', ...digest.split(':'));
  const index = JSON.parse(fs.readFileSync(path.join(IMAGE_LAYOUT, 'index.json'), 'utf8'));
  return JSON.parse(fs.readFileSync(blob(index.manifests[0].digest), 'utf8')).config.digest;
}

const reason = unavailable();

describe('the docker-archive imported into containerd (ctr images import) and run by it', () => {
  if (reason) {
    skipSuite('the docker-archive imported into containerd', reason);
    return;
  }

  let dir: string;
  let daemon: ChildProcess;
  let log = '';
  const ctr = (...args: string[]): string =>
    execFileSync('ctr', ['--address', path.join(dir, 'containerd.sock'), '--namespace', 'k8s.io', ...args], { encoding: 'utf8', timeout: 120_000 });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfws-containerd-'));
    const config = path.join(dir, 'config.toml');
    fs.writeFileSync(
      config,
      [
        'version = 2',
        `root = "${path.join(dir, 'root')}"`,
        `state = "${path.join(dir, 'state')}"`,
        'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
        '[grpc]',
        `  address = "${path.join(dir, 'containerd.sock')}"`,
        '[ttrpc]',
        `  address = "${path.join(dir, 'containerd.sock.ttrpc')}"`,
        '',
      ].join('\n'),
    );
    daemon = spawn('containerd', ['--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    daemon.stdout!.on('data', (d) => (log += d));
    daemon.stderr!.on('data', (d) => (log += d));
    try {
      await eventually('containerd to boot', async () => /containerd successfully booted/.test(log), 30_000);
    } catch (e) {
      throw new Error(`${(e as Error).message}; its log:\n${log.slice(-4000)}`);
    }
  });

  afterAll(async () => {
    if (daemon && daemon.exitCode === null) {
      const exited = new Promise((resolve) => daemon.once('exit', resolve));
      daemon.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('imports under the release reference and keeps the image config (the digest of what runs)', () => {
    const output = ctr('images', 'import', '--snapshotter', 'native', ARCHIVE);
    expect(output).toContain(`unpacking ${REFERENCE}`);
    const images = ctr('images', 'list', '--quiet').trim().split('\n');
    expect(images).toEqual([REFERENCE]);
    const content = ctr('content', 'list', '--quiet').trim().split('\n');
    expect(content).toContain(layoutConfigDigest());
  });

  it('runs the reconciler from the imported image (its entrypoint, --help, exit 0)', () => {
    const output = ctr('run', '--rm', '--snapshotter', 'native', REFERENCE, 'kfws-reconciler-help', '/nodejs/bin/node', '/app/reconciler.js', '--help');
    expect(output).toContain('Usage: node reconciler.js [flags]');
    expect(output).toContain('--api-revision [RECONCILER_API_REVISION]');
  });
});
