/**
 * The one place a test may skip itself. Outside CI a skip is printed and counted; under CI=true only the skips of
 * EXPECTED_SKIPS are allowed (printed at the end of the run, with their count), and any other suite that would skip
 * fails instead — a missing control plane, image, tool or API server never passes in silence.
 */
import * as fs from 'node:fs';

/** Where the workers append the skips of a run (set by globalSetup), one JSON object a line. */
export const SKIP_LOG_ENV = 'KFWS_TEST_SKIP_LOG';

/** Why a skip is accepted under CI=true. */
export enum ExpectedSkip {
  /**
   * A suite that needs a FULL control plane (controller-manager, scheduler, kwok), on the older API server that is
   * built without them (KFWS_TEST_K8S_VERSION, API mode only).
   */
  FULL_SUITE_ON_OLDER_API_SERVER = 'a FULL-mode suite on the API-only older API server',
}

export const EXPECTED_SKIPS: readonly ExpectedSkip[] = [ExpectedSkip.FULL_SUITE_ON_OLDER_API_SERVER];

export interface SkipRecord {
  readonly suite: string;
  readonly reason: string;
  readonly expected?: ExpectedSkip;
}

/**
 * Declares a suite that cannot run here: skipped with a notice, or under CI=true (unless `expected`) a failing test
 * that says why.
 */
export function skipSuite(suite: string, reason: string, expected?: ExpectedSkip): void {
  if (process.env.CI === 'true' && !expected) {
    describe(suite, () => {
      it('runs under CI=true', () => {
        throw new Error(`"${suite}" would be skipped, which CI=true does not allow: ${reason}`);
      });
    });
    return;
  }
  const log = process.env[SKIP_LOG_ENV];
  if (log) fs.appendFileSync(log, `${JSON.stringify({ suite, reason, expected } satisfies SkipRecord)}\n`);
  // eslint-disable-next-line no-console
  console.warn(`skipping "${suite}": ${reason}${expected ? ` (expected: ${expected})` : ''}`);
  describe.skip(suite, () => {
    it(reason, () => undefined);
  });
}

/** The skips recorded in a run's log, for globalTeardown's summary. */
export function readSkips(file: string): SkipRecord[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as SkipRecord);
}

/** The summary line(s) globalTeardown prints; empty when nothing was skipped. */
export function skipSummary(skips: readonly SkipRecord[]): string {
  if (skips.length === 0) return '';
  const lines = skips.map((s) => `  - ${s.suite}: ${s.reason}${s.expected ? ` [expected: ${s.expected}]` : ''}`);
  return `[tests] ${skips.length} suite${skips.length === 1 ? '' : 's'} skipped:\n${lines.join('\n')}\n`;
}
