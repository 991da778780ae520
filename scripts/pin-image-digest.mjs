// Records the digest of the reconciler image in package.json (field `reconcilerImageDigest`), so that the package a
// release publishes references the image that release pushed: `<repository>:<version>@<digest>`
// (lib/core/contract/image.ts reads the field). The release workflow runs it after pushing and before `npm publish`,
// on its own checkout; the change is never committed (no commit can hold the digest of its own image).
//
//   node scripts/pin-image-digest.mjs [--package <package.json>]
//
// The digest is the one `npm run build:image` wrote to build/image-digest, checked against build/image (the manifest
// tagged with the package version).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FIELD = 'reconcilerImageDigest';

function fail(message) {
  process.stderr.write(`pin-image-digest: ${message}\n`);
  process.exit(1);
}

const i = process.argv.indexOf('--package');
const file = i > 0 ? resolve(process.argv[i + 1] ?? fail('--package needs a path')) : join(root, 'package.json');
const manifest = JSON.parse(readFileSync(file, 'utf8'));

const read = (f, what) => {
  try {
    return readFileSync(join(root, f), 'utf8');
  } catch {
    return fail(`no ${f} (${what}): run \`npm run build:image\` first`);
  }
};
const digest = read('build/image-digest', 'the digest of the built image').trim();
if (!/^sha256:[a-f0-9]{64}$/.test(digest)) fail(`build/image-digest holds "${digest}"; expected "sha256:" and 64 lowercase hex digits`);
const tagged = JSON.parse(read('build/image/index.json', 'the built image')).manifests.filter(
  (m) => m.annotations?.['org.opencontainers.image.ref.name'] === manifest.version,
);
if (tagged.length !== 1) fail(`build/image has ${tagged.length} manifests tagged ${manifest.version} (the version in ${file}); expected 1: run \`npm run build:image\``);
if (tagged[0].digest !== digest) fail(`build/image:${manifest.version} is ${tagged[0].digest} but build/image-digest says ${digest}: run \`npm run build:image\``);

manifest[FIELD] = digest;
writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`pin-image-digest: ${file}: ${FIELD} = ${digest}`);
