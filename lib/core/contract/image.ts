/**
 * The reconciler's container image, as the platform chart references it by default. The tag follows the package
 * version, so a release of this library and its image move together; a released package also pins the digest of the
 * image its release pushed (`<repository>:<version>@<digest>`).
 *
 * The digest cannot be a constant in the sources: the image records the commit it was built from (its revision label
 * and timestamps), so no commit can hold its own image's digest. The release workflow builds the image from the
 * tagged commit, pushes it by that digest, and writes the digest into the package.json of the package it publishes
 * (scripts/pin-image-digest.mjs, field IMAGE_DIGEST_FIELD); this module reads it from there. In a checkout the field is
 * absent and the reference is by tag. The build is reproducible, so an image built from a clone of the release tag has
 * the released digest.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const PACKAGE_NAME = 'cdk8s-kubeflow-workspaces';

/** The package.json field in which a release records the digest of the image it pushed. */
export const IMAGE_DIGEST_FIELD = 'reconcilerImageDigest';

/** The fields of this package's package.json that name the default image. */
export interface PackageImageFields {
  readonly name?: string;
  readonly version?: string;
  readonly reconcilerImageDigest?: unknown;
}

/**
 * Set by scripts/build-reconciler.mjs (esbuild `define`) to the package version: the bundle runs without any
 * package.json next to it. Undefined in the library, which reads its own package.json instead.
 */
declare const KFWS_BUNDLED_VERSION: string | undefined;

/**
 * This package's package.json, found by walking up from this file: lib/core/contract/ in a checkout,
 * build/lib/core/contract/ once compiled or installed (npm always ships package.json). Read at run time rather than
 * imported, because an import of a file outside the compiled folder is not part of the published package.
 */
function installedPackageManifest(): PackageImageFields {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as PackageImageFields;
      if (manifest.name === PACKAGE_NAME && typeof manifest.version === 'string') {
        return manifest;
      }
    }
    if (path.dirname(dir) === dir) {
      throw new Error(`${PACKAGE_NAME}: no package.json of this package above ${__dirname}; expected the installed package or a checkout`);
    }
  }
}

/** The tag and, in a released package, the digest of the default image, from this package's package.json. */
export function defaultImageOf(manifest: PackageImageFields): { tag: string; digest: string | undefined } {
  const digest = manifest[IMAGE_DIGEST_FIELD];
  if (digest !== undefined && (typeof digest !== 'string' || !/^sha256:[a-f0-9]{64}$/.test(digest))) {
    throw new Error(`${PACKAGE_NAME}: package.json has ${IMAGE_DIGEST_FIELD} ${JSON.stringify(digest)}; expected "sha256:" and 64 lowercase hex digits, as scripts/pin-image-digest.mjs writes`);
  }
  return { tag: manifest.version ?? '', digest };
}

const DEFAULT_IMAGE = typeof KFWS_BUNDLED_VERSION === 'string' ? { tag: KFWS_BUNDLED_VERSION, digest: undefined } : defaultImageOf(installedPackageManifest());

export const RECONCILER_IMAGE_REPOSITORY = 'ghcr.io/cdk8s-kubeflow-workspaces/reconciler';
export const RECONCILER_IMAGE_TAG: string = DEFAULT_IMAGE.tag;
/** The digest of the image the release of this package pushed; undefined in a checkout and in the bundle. */
export const RECONCILER_IMAGE_DIGEST: string | undefined = DEFAULT_IMAGE.digest;
/** The default reference: `<repository>:<tag>`, and `@<digest>` in a released package. */
export const RECONCILER_IMAGE = `${RECONCILER_IMAGE_REPOSITORY}:${RECONCILER_IMAGE_TAG}${RECONCILER_IMAGE_DIGEST ? `@${RECONCILER_IMAGE_DIGEST}` : ''}`;
