/**
 * The reconciler's container image, as the platform chart references it by default. The tag follows the package
 * version, so a release of this library and its image move together.
 */
import { version } from '../../package.json';

export const RECONCILER_IMAGE_REPOSITORY = 'ghcr.io/cdk8s-kubeflow-workspaces/reconciler';
export const RECONCILER_IMAGE_TAG: string = version;
/** `<repository>:<tag>`. */
export const RECONCILER_IMAGE = `${RECONCILER_IMAGE_REPOSITORY}:${RECONCILER_IMAGE_TAG}`;
