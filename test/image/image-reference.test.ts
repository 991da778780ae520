/**
 * The default image reference of the install chart: `<repository>:<version>` in a checkout, and in a released package
 * `<repository>:<version>@<digest>` with the digest the release recorded in its package.json
 * (scripts/pin-image-digest.mjs). The released case is simulated by loading the chart with the contract module's
 * digest set, as lib/core/contract/image.ts sets it from such a package.json.
 */
import { Testing } from 'cdk8s';
import type * as ImageContract from '../../lib/core/contract/image';
import type * as Platform from '../../lib/platform';

const REPOSITORY = 'ghcr.io/cdk8s-kubeflow-workspaces/reconciler';
const RELEASED = `sha256:${'4af6a499'.repeat(8)}`;
const OTHER = `sha256:${'0b'.repeat(32)}`;

/** The container image of the install chart's Deployment, with the platform loaded against `digest`. */
function deploymentImage(digest: string | undefined, controller: Platform.WorkspacesControllerProps = {}): string {
  let image = '';
  jest.isolateModules(() => {
    const actual = jest.requireActual<typeof ImageContract>('../../lib/core/contract/image');
    jest.doMock('../../lib/core/contract/image', () => ({ ...actual, RECONCILER_IMAGE_DIGEST: digest }));
    const { WorkspacesInstallChart } = require('../../lib/platform') as typeof Platform;
    const manifests = Testing.synth(new WorkspacesInstallChart(Testing.app(), 'install', { controller }));
    image = manifests.find((m) => m.kind === 'Deployment').spec.template.spec.containers[0].image;
  });
  jest.dontMock('../../lib/core/contract/image');
  return image;
}

describe('the default reconciler image reference', () => {
  const { defaultImageOf, RECONCILER_IMAGE, RECONCILER_IMAGE_DIGEST } = jest.requireActual<typeof ImageContract>('../../lib/core/contract/image');

  it('is by tag in this checkout, whose package.json has no recorded digest', () => {
    expect(RECONCILER_IMAGE_DIGEST).toBeUndefined();
    expect(RECONCILER_IMAGE).toMatch(new RegExp(`^${REPOSITORY.replace(/\./g, '\\.')}:\\d+\\.\\d+\\.\\d+$`));
  });

  it('reads the tag and the recorded digest from a package.json, and refuses a malformed digest', () => {
    expect(defaultImageOf({ name: 'cdk8s-kubeflow-workspaces', version: '1.2.3' })).toEqual({ tag: '1.2.3', digest: undefined });
    expect(defaultImageOf({ name: 'cdk8s-kubeflow-workspaces', version: '1.2.3', reconcilerImageDigest: RELEASED })).toEqual({ tag: '1.2.3', digest: RELEASED });
    expect(() => defaultImageOf({ version: '1.2.3', reconcilerImageDigest: 'sha256:ABC' })).toThrow(
      'cdk8s-kubeflow-workspaces: package.json has reconcilerImageDigest "sha256:ABC"; expected "sha256:" and 64 lowercase hex digits, as scripts/pin-image-digest.mjs writes',
    );
  });

  it('pins a released package to the recorded digest, keeping the tag for people', () => {
    expect(deploymentImage(RELEASED)).toMatch(new RegExp(`^${REPOSITORY.replace(/\./g, '\\.')}:\\d+\\.\\d+\\.\\d+@${RELEASED}$`));
  });

  it('keeps the recorded digest in a mirror named by imageRepository (a copy by digest keeps it)', () => {
    expect(deploymentImage(RELEASED, { imageRepository: 'registry.example.com/mirror/reconciler' })).toMatch(
      new RegExp(`^registry\\.example\\.com/mirror/reconciler:\\d+\\.\\d+\\.\\d+@${RELEASED}$`),
    );
  });

  it('takes a given tag alone (an image loaded into the nodes), and a given digest instead of the recorded one', () => {
    expect(deploymentImage(RELEASED, { imageTag: 'local-build' })).toBe(`${REPOSITORY}:local-build`);
    expect(deploymentImage(RELEASED, { imageDigest: OTHER })).toBe(`${REPOSITORY}@${OTHER}`);
    expect(deploymentImage(undefined, { imageDigest: OTHER })).toBe(`${REPOSITORY}@${OTHER}`);
  });
});
