/**
 * .github/workflows/release.yml publishes what the tests prove: the image built by the same script (twice, digests
 * compared), pushed by scripts/push-image.sh (which the image suite runs against a real registry), signed and given
 * its SBOM before the package that pins its digest (scripts/pin-image-digest.mjs) is published with provenance.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

const ROOT = path.join(__dirname, '..', '..');
const workflow = parse(fs.readFileSync(path.join(ROOT, '.github', 'workflows', 'release.yml'), 'utf8'));
const job = workflow.jobs.release;
const steps: { name?: string; uses?: string; run?: string }[] = job.steps;
/** The index of the first step whose script runs `command`. */
const stepOf = (command: string): number => {
  const i = steps.findIndex((s) => s.run?.includes(command));
  if (i < 0) throw new Error(`release.yml runs no step with "${command}"`);
  return i;
};

describe('.github/workflows/release.yml', () => {
  it('runs on a v* tag, in Debian 12 as .ci/run does, allowed OIDC tokens (keyless signing, provenance) and package writes', () => {
    expect(workflow.on).toEqual({ push: { tags: ['v*'] } });
    expect(job.container).toBe('debian:12');
    expect(job.permissions).toEqual({ contents: 'write', packages: 'write', 'id-token': 'write' });
  });

  it('builds with npm run build:image, pushes with push-image.sh, signs and attests the SBOM, then pins and publishes', () => {
    const order = [
      stepOf('npm run build:image'),
      stepOf('bash scripts/push-image.sh "$IMAGE"'),
      stepOf('cosign sign "${IMAGE}@${DIGEST}"'),
      stepOf('cosign attest --type spdxjson --predicate build/image.spdx.json "${IMAGE}@${DIGEST}"'),
      stepOf('node scripts/pin-image-digest.mjs'),
      stepOf('npm publish --provenance'),
    ];
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(steps[stepOf('npm run build:image')].run).toMatch(/test "\$first" = "\$second"/);
  });

  it('reads the image repository from the contract the chart uses', () => {
    expect(steps[stepOf('RECONCILER_IMAGE_REPOSITORY')].run).toContain('lib/core/contract/image.ts');
  });
});
