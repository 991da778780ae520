/**
 * The reconciler's container image, as the platform chart references it by default. The tag follows the package
 * version, so a release of this library and its image move together.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const PACKAGE_NAME = 'cdk8s-kubeflow-workspaces';

/**
 * Set by scripts/build-reconciler.mjs (esbuild `define`) to the package version: the bundle runs without any
 * package.json next to it. Undefined in the library, which reads its own package.json instead.
 */
declare const KFWS_BUNDLED_VERSION: string | undefined;

/**
 * The version in this package's package.json, found by walking up from this file: lib/core/contract/ in a checkout,
 * build/lib/core/contract/ once compiled or installed (npm always ships package.json). Read at run time rather than
 * imported, because an import of a file outside the compiled folder is not part of the published package.
 */
function installedPackageVersion(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (manifest.name === PACKAGE_NAME && typeof manifest.version === 'string') {
        return manifest.version;
      }
    }
    if (path.dirname(dir) === dir) {
      throw new Error(`${PACKAGE_NAME}: no package.json of this package above ${__dirname}; expected the installed package or a checkout`);
    }
  }
}

export const RECONCILER_IMAGE_REPOSITORY = 'ghcr.io/cdk8s-kubeflow-workspaces/reconciler';
export const RECONCILER_IMAGE_TAG: string =
  typeof KFWS_BUNDLED_VERSION === 'string' ? KFWS_BUNDLED_VERSION : installedPackageVersion();
/** `<repository>:<tag>`. */
export const RECONCILER_IMAGE = `${RECONCILER_IMAGE_REPOSITORY}:${RECONCILER_IMAGE_TAG}`;
