/**
 * Reconciler image benchmark: build time and size of `npm run build:image`, and the start-to-ready time of the
 * containerized reconciler under runc.
 *
 * Builds the image (`--builds N` times, with the pinned inputs already in the download cache after the first), then
 * unpacks it, starts an API-mode control plane (test/cluster), applies the install chart's CRDs and RBAC, and starts
 * the container `--runs N` times against it (read-only root, uid 65532, no capabilities, as the image suite does),
 * each time measuring from `runc run` to the first 200 of /readyz. Running the image needs Linux, root, runc and the
 * control-plane binaries; without them only the build figures are printed.
 *
 * Usage: npm run bench:image [-- --builds 2 --runs 5]
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ControlPlane, ControlPlaneMode, controlPlaneAvailability } from '../test/cluster/control-plane';
import { IMAGE_LAYOUT, imageRuntimeUnavailable, installControllerAccess, ROOT, startReconcilerContainer, UnpackedImage } from '../test/image/runc';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const mib = (bytes: number): string => (bytes / 1048576).toFixed(1);

function du(p: string): number {
  const s = fs.lstatSync(p);
  return s.isDirectory() ? fs.readdirSync(p).reduce((t, e) => t + du(path.join(p, e)), 0) : s.size;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const builds: { seconds: number; digest: string }[] = [];
  for (let i = 0; i < option('builds', 2); i++) {
    const t0 = Date.now();
    execFileSync('bash', [path.join(ROOT, 'scripts', 'build-image.sh')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    builds.push({ seconds: (Date.now() - t0) / 1000, digest: fs.readFileSync(path.join(ROOT, 'build', 'image-digest'), 'utf8').trim() });
  }
  const blob = (digest: string): string => path.join(IMAGE_LAYOUT, 'blobs', ...digest.split(':'));
  const descriptor = JSON.parse(fs.readFileSync(path.join(IMAGE_LAYOUT, 'index.json'), 'utf8')).manifests[0];
  const manifest = JSON.parse(fs.readFileSync(blob(descriptor.digest), 'utf8'));
  const layers: number[] = manifest.layers.map((l: { size: number }) => l.size);
  const compressed = layers.reduce((a, b) => a + b, 0) + manifest.config.size + descriptor.size;
  const archive = fs.statSync(path.join(ROOT, 'build', 'reconciler-image.tar')).size;

  const controlPlane = await controlPlaneAvailability(ControlPlaneMode.API);
  const unavailable = imageRuntimeUnavailable() ?? (controlPlane.available ? undefined : controlPlane.reason);
  const readyMs: number[] = [];
  let unpacked: number | undefined;
  let rss: number | undefined;
  if (!unavailable) {
    const image = UnpackedImage.unpack();
    unpacked = du(path.join(image.bundle, 'rootfs'));
    const cp = await ControlPlane.start({ mode: ControlPlaneMode.API });
    try {
      const kubeconfig = await installControllerAccess(cp, image.dir);
      for (let i = 0; i < option('runs', 5); i++) {
        const r = await startReconcilerContainer(image, kubeconfig);
        readyMs.push(r.startToReadyMs);
        rss = Number(/^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${r.container.pid()}/status`, 'utf8'))?.[1]) * 1024;
        await r.container.stop();
      }
    } finally {
      await cp.stop();
      image.remove();
    }
  }

  const rows: [string, string][] = [
    ['manifest digest', builds.map((b) => b.digest).every((d) => d === builds[0].digest) ? `${builds[0].digest} (all ${builds.length} builds)` : `DIFFERENT: ${builds.map((b) => b.digest).join(', ')}`],
    ['build time (s)', builds.map((b) => b.seconds.toFixed(1)).join(', ')],
    ['compressed (MiB)', `${mib(compressed)} (layers ${layers.map(mib).join(' + ')})`],
    ['unpacked (MiB)', unpacked === undefined ? 'n/a' : mib(unpacked)],
    ['docker-archive (MiB)', mib(archive)],
    ['start to /readyz (ms)', readyMs.length ? `median ${median(readyMs)}, min ${Math.min(...readyMs)}, max ${Math.max(...readyMs)} (${readyMs.length} runs)` : 'n/a'],
    ['RSS when ready (MiB)', rss === undefined ? 'n/a' : mib(rss)],
  ];
  console.log('| figure | value |\n|---|---|');
  for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
  if (unavailable) console.log(`\nnot run under runc: ${unavailable}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
