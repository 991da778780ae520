/**
 * `kfws validate` benchmark: N Workspaces (default 10,000, in files of 100, each with a PVC next to it, as cdk8s
 * writes them) plus the upstream sample WorkspaceKind are generated into a temporary folder, then validated
 *  - end to end: `node bin/kfws validate <dir>`, from process start to exit (what CI pays; run 1 without bin/kfws's
 *    compile cache, as in a fresh clone);
 *  - in process: reading (kubectl's decoder compiled to WebAssembly, lib/cli/reader.ts), and the checks, timed
 *    separately.
 *
 * Then the scaling table (issue #18): objects per second of the in-process read + checks at 10,000 and 100,000
 * Workspaces (each with its PVC), best of `--repeat`, and their ratio, which must stay at or below
 * {@link MAX_SCALING_RATIO}: a cost per object that grows with the number of objects (a quadratic lookup) shows
 * here. The script exits 1 when the ratio is above it.
 *
 * Usage: npm run bench:validate [-- --count 10000 --repeat 3 --scaling 10000,100000]
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { validateManifests } from '../lib/cli/check';
import { readManifests } from '../lib/cli/manifests';
import { ExitCode } from '../lib/cli/types';
import { ApiRevision } from '../lib/core/revision';
import { referencePath } from '../test/reference';

const WORKSPACES_PER_FILE = 100;
const ROOT = path.join(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'kfws');
/** bin/kfws's cache of compiled sources: emptied before run 1, so that run 1 is what a fresh clone pays. */
const COMPILE_CACHE = path.join(ROOT, 'node_modules', '.cache', 'kfws');
const SAMPLE_KIND = referencePath(ApiRevision.FD7A3D8E, 'samples', 'jupyterlab_v1beta1_workspacekind.yaml');
const IMAGE_CONFIGS = ['jupyterlab_scipy_180', 'jupyterlab_scipy_190'];
const POD_CONFIGS = ['tiny_cpu', 'small_cpu', 'big_gpu'];

function workspaceYaml(i: number): string {
  const ns = `team-${i % 50}`;
  return `apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: ws-${i}-home
  namespace: ${ns}
spec:
  accessModes:
    - ReadWriteOnce
  resources:
    requests:
      storage: 10Gi
---
apiVersion: kubeflow.org/v1beta1
kind: Workspace
metadata:
  name: ws-${i}
  namespace: ${ns}
  labels:
    app.kubernetes.io/part-of: notebooks
spec:
  kind: jupyterlab
  paused: ${i % 7 === 0}
  deferUpdates: false
  podTemplate:
    podMetadata:
      labels:
        team: ${ns}
      annotations:
        owner: "user-${i}@example.com"
    options:
      imageConfig: ${IMAGE_CONFIGS[i % IMAGE_CONFIGS.length]}
      podConfig: ${POD_CONFIGS[i % POD_CONFIGS.length]}
    volumes:
      home: ws-${i}-home
      data:
        - pvcName: shared-datasets
          mountPath: /data/shared
          readOnly: true
`;
}

function generate(dir: string, count: number): number {
  fs.copyFileSync(SAMPLE_KIND, path.join(dir, 'kind.yaml'));
  let bytes = fs.statSync(SAMPLE_KIND).size;
  for (let start = 0; start < count; start += WORKSPACES_PER_FILE) {
    const docs: string[] = [];
    for (let i = start; i < Math.min(count, start + WORKSPACES_PER_FILE); i++) docs.push(workspaceYaml(i));
    const text = docs.join('---\n');
    fs.writeFileSync(path.join(dir, `workspaces-${String(start / WORKSPACES_PER_FILE).padStart(4, '0')}.yaml`), text);
    bytes += Buffer.byteLength(text);
  }
  return bytes;
}

function time<T>(f: () => T): { millis: number; value: T } {
  const start = process.hrtime.bigint();
  const value = f();
  return { millis: Number(process.hrtime.bigint() - start) / 1e6, value };
}

/**
 * CPU milliseconds (user + system) used by the waited-for child processes so far, from /proc/self/stat on Linux
 * (cutime, cstime); undefined elsewhere. Unlike wall time, it hardly depends on what else the machine runs.
 */
function childrenCpuMillis(): number | undefined {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 16 and 17 of proc(5), counted from the state (field 3); in clock ticks, 100 per second on Linux.
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return undefined;
  }
}

/**
 * Objects per second of `readManifests` + `validateManifests` at each size (objects = Workspaces + PVCs + 1 kind),
 * best of `repeat`; prints the table and the ratio of the first to the last, and fails above MAX_SCALING_RATIO.
 */
function scaling(sizes: readonly number[], repeat: number): void {
  const rows: { count: number; objects: number; millis: number; perSecond: number }[] = [];
  for (const count of sizes) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfws-bench-'));
    try {
      generate(dir, count);
      // The kind through --kinds: every Workspace then looks its kind up among objects it is not one of (the
      // lookup that was quadratic).
      fs.renameSync(path.join(dir, 'kind.yaml'), path.join(os.tmpdir(), `${path.basename(dir)}-kinds.yaml`));
      let best = Infinity;
      for (let r = 0; r < repeat; r++) {
        const p = inProcess(dir, path.join(os.tmpdir(), `${path.basename(dir)}-kinds.yaml`));
        best = Math.min(best, p.read + p.check);
      }
      const objects = 2 * count + 1;
      rows.push({ count, objects, millis: best, perSecond: (objects / best) * 1000 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(path.join(os.tmpdir(), `${path.basename(dir)}-kinds.yaml`), { force: true });
    }
  }
  const ratio = rows[0].perSecond / rows[rows.length - 1].perSecond;
  console.log(
    [
      `kfws validate scaling (in process: read, parse and check, the WorkspaceKind given with --kinds; best of ${repeat}); node ${process.version}, load average ${os.loadavg()[0].toFixed(1)}`,
      '',
      '| Workspaces | objects | milliseconds | objects/s |',
      '|-----------:|--------:|-------------:|----------:|',
      ...rows.map((r) => `| ${String(r.count).padStart(10)} | ${String(r.objects).padStart(7)} | ${r.millis.toFixed(0).padStart(12)} | ${r.perSecond.toFixed(0).padStart(9)} |`),
      '',
      `ratio of objects/s (${rows[0].count} / ${rows[rows.length - 1].count}): ${ratio.toFixed(2)} (at most ${MAX_SCALING_RATIO})`,
      '',
    ].join('\n'),
  );
  if (ratio > MAX_SCALING_RATIO) {
    console.error(`per-object cost grows with the number of objects: ratio ${ratio.toFixed(2)} > ${MAX_SCALING_RATIO}`);
    process.exitCode = 1;
  }
}

function endToEnd(dir: string, count: number): { wall: number; cpu?: number } {
  const before = childrenCpuMillis();
  const { millis, value } = time(() => spawnSync(process.execPath, [BIN, 'validate', dir], { encoding: 'utf8' }));
  const after = childrenCpuMillis();
  const expected = `${count} Workspace`;
  if (value.status !== ExitCode.OK || !value.stdout.includes(expected)) {
    throw new Error(`kfws validate failed (status ${value.status}):\n${value.stdout}${value.stderr}`);
  }
  return { wall: millis, cpu: before === undefined || after === undefined ? undefined : after - before };
}

/** Largest ratio of objects/s at the smallest and at the largest scaling size. */
const MAX_SCALING_RATIO = 1.3;

/** `kinds`: the WorkspaceKind given apart (`--kinds`), as a platform repository does; else it is among the files. */
function inProcess(dir: string, kinds?: string): { read: number; check: number } {
  // The limit raised, so that sizes beyond the default --max-total-size can be measured too.
  const opts = { cwd: dir, maxTotalSize: 2 ** 31 - 1 };
  const read = time(() => ({ input: readManifests([dir], opts), reference: kinds === undefined ? undefined : readManifests([kinds], opts) }));
  const check = time(() => validateManifests(read.value.input, read.value.reference));
  if (check.value.findings.length > 0) throw new Error(`unexpected findings: ${check.value.findings[0].message}`);
  return { read: read.millis, check: check.millis };
}

function row(label: string, runs: readonly number[]): string {
  const cells = runs.map((ms) => `${ms.toFixed(0).padStart(7)}`);
  return `| ${label.padEnd(48)} | ${cells.join(' | ')} | ${Math.min(...runs).toFixed(0).padStart(7)} |`;
}

function builtExists(): boolean {
  return fs.existsSync(path.join(ROOT, 'build', 'lib', 'cli', 'index.js'));
}

function main(): void {
  const { values } = parseArgs({ options: { count: { type: 'string' }, repeat: { type: 'string' }, scaling: { type: 'string' } } });
  if (values.scaling !== '') scaling((values.scaling ?? '10000,100000').split(',').map(Number), Number(values.repeat ?? 2));
  if (values.count === undefined && values.scaling !== undefined) return;
  const count = Number(values.count ?? 10000);
  const repeat = Number(values.repeat ?? 3);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfws-bench-'));
  try {
    const bytes = generate(dir, count);
    const e2e: number[] = [];
    const e2eCpu: number[] = [];
    const read: number[] = [];
    const check: number[] = [];
    fs.rmSync(COMPILE_CACHE, { recursive: true, force: true });
    for (let r = 0; r < repeat; r++) {
      const run = endToEnd(dir, count);
      e2e.push(run.wall);
      if (run.cpu !== undefined) e2eCpu.push(run.cpu);
      const p = inProcess(dir);
      read.push(p.read);
      check.push(p.check);
    }
    const header = `| ${'milliseconds'.padEnd(48)} | ${Array.from({ length: repeat }, (_, r) => `run ${r + 1}`.padStart(7)).join(' | ')} | ${'best'.padStart(7)} |`;
    console.log(
      [
        `kfws validate: ${count} Workspaces (+ ${count} PVCs) and 1 WorkspaceKind in ${fs.readdirSync(dir).length} files, ${(bytes / 1e6).toFixed(1)} MB`,
        `node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(1)}; bin/kfws ${builtExists() ? 'uses build/ if newer than lib/' : 'runs lib/ through esbuild (no build/)'}`,
        '',
        header,
        `|${'-'.repeat(header.length - 2)}|`,
        row('end to end: node bin/kfws validate <dir>', e2e),
        ...(e2eCpu.length === repeat ? [row('end to end: its CPU time (user + system)', e2eCpu)] : []),
        row('in process: read the files (kubectl\'s decoder, wasm)', read),
        row('in process: checks (schema, CEL, webhook rules)', check),
        '',
        `end to end, best of ${repeat}: ${(Math.min(...e2e) / 1000).toFixed(2)} s`,
      ].join('\n'),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
