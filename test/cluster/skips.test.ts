/** The skip policy's plumbing (skips.ts) and globalSetup's refusal to disable the cluster suites under CI=true. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import globalSetup, { GLOBAL_KEY } from './global-setup';
import { ExpectedSkip, readSkips, skipSummary } from './skips';

describe('skips', () => {
  it('prints each skipped suite with its reason, and marks the expected ones', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kfws-skips-')), 'log.jsonl');
    fs.writeFileSync(
      file,
      `${JSON.stringify({ suite: 'install', reason: 'needs FULL', expected: ExpectedSkip.FULL_SUITE_ON_OLDER_API_SERVER })}\n${JSON.stringify({ suite: 'image', reason: 'no runc' })}\n`,
    );
    expect(skipSummary(readSkips(file))).toBe(
      '[tests] 2 suites skipped:\n' +
        '  - install: needs FULL [expected: a FULL-mode suite on the API-only older API server]\n' +
        '  - image: no runc\n',
    );
    expect(skipSummary([])).toBe('');
    expect(readSkips(path.join(path.dirname(file), 'absent'))).toEqual([]);
  });

  it('globalSetup refuses KFWS_TEST_CLUSTER_DISABLE=1 under CI=true', async () => {
    const saved = { ...process.env };
    try {
      for (const key of ['KFWS_TEST_CLUSTER', 'KFWS_TEST_CLUSTER_FILE', 'KFWS_TEST_SKIP_LOG']) delete process.env[key];
      process.env.CI = 'true';
      process.env.KFWS_TEST_CLUSTER_DISABLE = '1';
      await expect(globalSetup()).rejects.toThrow('KFWS_TEST_CLUSTER_DISABLE=1 would skip every cluster suite, which CI=true does not allow');
    } finally {
      process.env = saved;
      delete (globalThis as any)[GLOBAL_KEY];
    }
  });
});
