// Builds kfws's manifest reader: the Go module in reader/ compiled to WebAssembly (GOOS=wasip1, a reactor), then
// brotli-compressed, into ${XDG_CACHE_HOME:-~/.cache}/cdk8s-kubeflow-workspaces/reader-<hash>/, keyed by the module's
// go.mod, go.sum and sources, the Go version and the recipe below. Copies it to reader/ (where a checkout's
// lib/cli/reader.ts finds it) and build/reader/ (where the package's build/lib/cli/reader.js finds it). Does nothing
// but copy when the cache holds it. The build is deterministic (-trimpath, -buildvcs=false, no build ID).
//
// With --reference, builds instead the differential test's reference, test/reader-reference/ (k8s.io/cli-runtime's
// resource builder, as kubectl apply runs it), natively into .../reader-reference-<hash>/kfws-reader-reference.
//   node scripts/build-reader.mjs [--reference] [--print-path]
//   env: GO (default: go on PATH, else /usr/local/go/bin/go), BUILD_NICE (default 10)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const reference = process.argv.includes('--reference');
const source = join(root, reference ? join('test', 'reader-reference') : 'reader');
const MODULE_FILE = 'kfws-reader.wasm.br';
const REFERENCE_FILE = 'kfws-reader-reference';
// bump when the commands or flags below change: it forces a rebuild
const RECIPE = 1;

function findGo() {
  if (process.env.GO) return process.env.GO;
  for (const candidate of ['go', '/usr/local/go/bin/go']) {
    try {
      execFileSync(candidate, ['version'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // next
    }
  }
  throw new Error('build-reader: Go >= 1.26 is needed to build the manifest reader (set GO=/path/to/go)');
}

const go = findGo();
const goVersion = execFileSync(go, ['env', 'GOVERSION'], { encoding: 'utf8' }).trim();
const hash = createHash('sha256');
hash.update(`recipe ${RECIPE}\n${goVersion}\n`);
for (const name of readdirSync(source).filter((n) => n === 'go.mod' || n === 'go.sum' || n.endsWith('.go')).sort()) {
  hash.update(`${name}\n`).update(readFileSync(join(source, name))).update('\n');
}
const key = hash.digest('hex').slice(0, 16);
const cacheRoot = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'cdk8s-kubeflow-workspaces');
const cached = reference ? join(cacheRoot, `reader-reference-${key}`, REFERENCE_FILE) : join(cacheRoot, `reader-${key}`, MODULE_FILE);

if (process.argv.includes('--print-path')) {
  console.log(cached);
  process.exit(0);
}

if (reference && !existsSync(cached)) {
  mkdirSync(dirname(cached), { recursive: true });
  const temp = `${cached}.${process.pid}.tmp`;
  const started = Date.now();
  console.error(`build-reader: building the reference reader (cli-runtime, ${goVersion}) into ${dirname(cached)}`);
  execFileSync('nice', ['-n', process.env.BUILD_NICE ?? '10', go, 'build', '-trimpath', '-buildvcs=false', '-ldflags=-s -w', '-o', temp, '.'], {
    cwd: source,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=readonly' },
  });
  renameSync(temp, cached);
  console.error(`build-reader: reference built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
if (reference) {
  console.log(cached);
  process.exit(0);
}

if (!existsSync(cached)) {
  mkdirSync(dirname(cached), { recursive: true });
  const wasm = join(dirname(cached), `reader.${process.pid}.wasm`);
  const started = Date.now();
  const nice = process.env.BUILD_NICE ?? '10';
  console.error(`build-reader: building the manifest reader (${goVersion}, GOOS=wasip1) into ${dirname(cached)}`);
  execFileSync('nice', ['-n', nice, go, 'build', '-buildmode=c-shared', '-trimpath', '-buildvcs=false', '-ldflags=-s -w -buildid=', '-o', wasm, '.'], {
    cwd: source,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, GOOS: 'wasip1', GOARCH: 'wasm', CGO_ENABLED: '0', GOFLAGS: '-mod=readonly' },
  });
  const raw = readFileSync(wasm);
  const compressed = brotliCompressSync(raw, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_LGWIN]: 24, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
  });
  rmSync(wasm);
  // write, then rename: a concurrent build or a reader never sees half a file
  const temp = `${cached}.${process.pid}.tmp`;
  writeFileSync(temp, compressed);
  renameSync(temp, cached);
  const mib = (n) => (n / 1024 / 1024).toFixed(2);
  console.error(`build-reader: ${mib(raw.length)} MiB of WebAssembly, ${mib(compressed.length)} MiB compressed, in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

for (const dir of [source, join(root, 'build', 'reader')]) {
  const target = join(dir, MODULE_FILE);
  if (existsSync(target) && statSync(target).size === statSync(cached).size && readFileSync(target).equals(readFileSync(cached))) continue;
  mkdirSync(dir, { recursive: true });
  copyFileSync(cached, `${target}.${process.pid}.tmp`);
  renameSync(`${target}.${process.pid}.tmp`, target);
}
