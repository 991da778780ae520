// Bundles the reconciler (lib/reconciler/main.ts and everything it imports, @kubernetes/client-node included) into
// one CommonJS file that runs with plain `node`: build/reconciler/reconciler.js. The Dockerfile packages that file.
// --metafile writes esbuild's record of the inputs (scripts/sbom.mjs lists the npm packages in the bundle from it).
//   node scripts/build-reconciler.mjs [--outfile <path>] [--metafile <path>]
import { build } from 'esbuild';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const i = process.argv.indexOf('--outfile');
const outfile = i > 0 ? resolve(process.argv[i + 1]) : join(root, 'build', 'reconciler', 'reconciler.js');
const m = process.argv.indexOf('--metafile');
const metafile = m > 0 ? resolve(process.argv[m + 1]) : undefined;

// client-node's generated API clients and models (most of its 14 MB) are re-exported by modules the reconciler
// imports but are never used: declaring them side-effect free lets esbuild drop what is unreferenced.
const GENERATED = /[\\/]@kubernetes[\\/]client-node[\\/]dist[\\/](gen[\\/]|index\.js$)/;
const treeShakeGenerated = {
  name: 'tree-shake-client-node-generated',
  setup(b) {
    b.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData?.skip) return undefined;
      const resolved = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: { skip: true } });
      if (resolved.errors.length > 0 || !GENERATED.test(resolved.path)) return undefined;
      return { path: resolved.path, sideEffects: false };
    });
  },
};

// node-fetch 2 (used by client-node) only falls back to the `whatwg-url` package when Node has no global URL; Node 20
// always has one, so the package (and its 250 KiB of Unicode tables) is replaced by the built-in.
const builtinUrl = {
  name: 'builtin-whatwg-url',
  setup(b) {
    b.onResolve({ filter: /^whatwg-url$/ }, () => ({ path: 'whatwg-url', namespace: 'builtin-url' }));
    b.onLoad({ filter: /.*/, namespace: 'builtin-url' }, () => ({ contents: 'module.exports = { URL: globalThis.URL };', loader: 'js' }));
  },
};

const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const result = await build({
  // input paths in the metafile relative to the repository, whatever the caller's working directory
  absWorkingDir: root,
  entryPoints: [join(root, 'lib', 'reconciler', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  metafile: true,
  // Optional native speed-ups that `ws` tries to load and falls back from when missing.
  external: ['bufferutil', 'utf-8-validate'],
  plugins: [treeShakeGenerated, builtinUrl],
  // The bundle runs without a package.json next to it: lib/core/contract/image.ts takes the version from here.
  define: { KFWS_BUNDLED_VERSION: JSON.stringify(version) },
  logLevel: 'warning',
});

if (metafile) writeFileSync(metafile, `${JSON.stringify(result.metafile, null, 2)}\n`);
const bytes = statSync(outfile).size;
const inputs = Object.keys(result.metafile.inputs).length;
console.log(`build-reconciler: ${outfile} (${(bytes / 1024).toFixed(0)} KiB from ${inputs} modules)`);
