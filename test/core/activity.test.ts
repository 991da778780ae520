/** Activity probing and rules of v2.0.0-beta.0 (docs/upstream-v2-beta.md §4.9), pure decisions. */
import {
  completeActivity,
  evaluateRules,
  jupyterOutcome,
  podExecOutcome,
  podExecShell,
  probeDue,
  selectorMatches,
  SelectorError,
} from '../../lib/core/activity';
import { ActivityRule } from '../../lib/core/api';

const NOW = 1_750_000_000_000;
const rule = (pause: boolean | undefined, seconds = 3600, match?: ActivityRule['match'], minRunningSeconds?: number): ActivityRule => ({
  config: { secondsSinceActive: seconds, ...(minRunningSeconds !== undefined ? { minRunningSeconds } : {}) },
  ...(match ? { match } : {}),
  effect: pause === undefined ? {} : { pauseWorkspace: pause },
});
const base = { namespaceLabels: { tier: 'dev' }, podConfigLabels: { gpu: '1' }, nowMs: NOW, allowPause: true, lastRunningTime: NOW - 600_000 };

describe('probe scheduling (beta §4.9.2)', () => {
  const probe = { minProbeIntervalSeconds: 300, probeIntervalSeconds: 3600 };
  test.each([
    ['no probe yet', undefined, true, 0],
    ['success 10 min ago: wait for the interval', { startTime: NOW - 600_000, endTime: 0, result: 'Success', message: '' }, false, 3_000_000],
    ['failure 10 min ago: minInterval passed', { startTime: NOW - 600_000, endTime: 0, result: 'Failure', message: '' }, true, 0],
    ['timeout 1 min ago: wait for minInterval', { startTime: NOW - 60_000, endTime: 0, result: 'Timeout', message: '' }, false, 240_000],
  ])('%s', (_name, lastProbe, due, waitMs) => {
    expect(probeDue({ lastActivity: 0, lastUpdate: 0, ...(lastProbe ? { lastProbe } : {}) }, probe, NOW)).toEqual({ due, waitMs });
  });
});

describe('rules (beta §4.9.4)', () => {
  test('first matching rule with a pauseWorkspace effect decides; eligibleAfter = lastActivity + seconds', () => {
    const rules = [rule(undefined), rule(true, 7200, { matchNamespace: { selector: { matchLabels: { tier: 'prod' } } } }), rule(true, 3600)];
    const r = evaluateRules({ ...base, rules, activity: { lastActivity: NOW - 4_000_000, lastUpdate: 0 } });
    expect(r).toEqual({ activity: { lastActivity: NOW - 4_000_000, lastUpdate: 0, rules: { pauseWorkspace: { eligibleAfter: NOW - 400_000 } } }, pause: true });
    expect(evaluateRules({ ...base, allowPause: false, rules, activity: { lastActivity: NOW - 4_000_000, lastUpdate: 0 } }).pause).toBe(false);
  });

  test('no activity yet: eligibleAfter 0, never eligible; minRunningSeconds holds the pause back', () => {
    expect(evaluateRules({ ...base, rules: [rule(true)], activity: { lastActivity: 0, lastUpdate: 0 } })).toMatchObject({
      activity: { rules: { pauseWorkspace: { eligibleAfter: 0 } } },
      pause: false,
    });
    const idle = { lastActivity: NOW - 4_000_000, lastUpdate: 0 };
    expect(evaluateRules({ ...base, rules: [rule(true, 3600, undefined, 900)], activity: idle }).pause).toBe(false);
    expect(evaluateRules({ ...base, rules: [rule(true, 3600, undefined, 600)], activity: idle }).pause).toBe(true);
  });

  test('a matching false exempts; no rules clear pauseWorkspace and leave rules: {}', () => {
    const activity = { lastActivity: NOW - 4_000_000, lastUpdate: 0, rules: { pauseWorkspace: { eligibleAfter: 1 } } };
    const exempt = [rule(false, 16, { matchPodConfig: { selector: { matchExpressions: [{ key: 'gpu', operator: 'In', values: ['1'] }] } } }), rule(true)];
    expect(evaluateRules({ ...base, rules: exempt, activity })).toEqual({ activity: { ...activity, rules: {} }, pause: false });
    expect(evaluateRules({ ...base, rules: [], activity }).activity.rules).toEqual({});
  });

  test('label selectors: standard semantics; an impossible selector is an error', () => {
    expect(selectorMatches({ matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] }, {})).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['x'] }] }, { a: 'x' })).toBe(false);
    expect(() => selectorMatches({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }, {})).toThrow(SelectorError);
  });
});

describe('probe outcomes (beta §4.9.3, messages exact)', () => {
  test.each([
    [{ kind: 'response', status: 200, body: '{"last_activity":"2025-06-15T12:00:00.123456Z"}' }, 'Success', 'Jupyter probe succeeded', Date.parse('2025-06-15T12:00:00.123Z')],
    [{ kind: 'response', status: 503, body: '' }, 'Failure', 'Jupyter probe failed: HTTP 503', undefined],
    [{ kind: 'response', status: 200, body: 'nope' }, 'Failure', 'Jupyter probe failed: invalid response body', undefined],
    [{ kind: 'response', status: 200, body: '{}' }, 'Failure', 'Jupyter probe failed: invalid last_activity: empty timestamp', undefined],
    [{ kind: 'timeout' }, 'Timeout', 'Jupyter probe failed: timeout after 10000ms', undefined],
    [{ kind: 'portNotFound', portId: 'x' }, 'Failure', 'Jupyter probe failed: port "x" not found in imageConfig', undefined],
    [{ kind: 'error', message: 'connect ECONNREFUSED' }, 'Failure', 'Jupyter probe failed: connect ECONNREFUSED', undefined],
  ] as const)('jupyter %j', (response, result, message, activityTime) => {
    const o = jupyterOutcome(response, 1, 2);
    expect(o.probe).toEqual({ startTime: 1, endTime: 2, result, message });
    expect(o.activityTime).toBe(activityTime);
  });

  test.each([
    [{ kind: 'exit', exitCode: 0, stdout: '' }, 'Success', 'PodExec probe succeeded', 2],
    [{ kind: 'exit', exitCode: 0, stdout: '{"has_activity": true}' }, 'Success', 'PodExec probe succeeded', 2],
    [{ kind: 'exit', exitCode: 0, stdout: '{"has_activity": false, "last_activity": "garbage"}' }, 'Success', 'PodExec probe succeeded', undefined],
    [{ kind: 'exit', exitCode: 0, stdout: '{"last_activity": "2025-01-01T00:00:00Z"}' }, 'Success', 'PodExec probe succeeded', Date.parse('2025-01-01T00:00:00Z')],
    [{ kind: 'exit', exitCode: 0, stdout: '{"last_activity": ""}' }, 'Failure', 'PodExec probe failed: invalid JSON file: empty timestamp', undefined],
    [{ kind: 'exit', exitCode: 3, stdout: '' }, 'Failure', 'PodExec probe failed: unexpected exit code 3', undefined],
    [{ kind: 'timeout', timeoutSeconds: 60 }, 'Timeout', 'PodExec probe failed: timeout after 60000ms', undefined],
  ] as const)('podExec %j', (response, result, message, activityTime) => {
    const o = podExecOutcome(response, 1, 2);
    expect(o.probe).toEqual({ startTime: 1, endTime: 2, result, message });
    expect(o.activityTime).toBe(activityTime);
  });

  test('the staging shell uses a fresh path and keeps the script exit code', () => {
    const shell = podExecShell('0123456789abcdef0123456789abcdef');
    expect(shell).toContain("OUTPUT_JSON_PATH='/tmp/.ws-activity-probe-0123456789abcdef0123456789abcdef.json'");
    expect(() => podExecShell("x'; rm -rf /")).toThrow();
  });

  test('completeActivity: a success sets lastActivity/lastUpdate and may pause; a failure keeps them and retries sooner', () => {
    const input = { probe: { minProbeIntervalSeconds: 300, probeIntervalSeconds: 3600 }, rules: [rule(true, 60)], activity: { lastActivity: 5, lastUpdate: 5 }, lastRunningTime: NOW - 600_000, namespaceLabels: {}, podConfigLabels: {}, nowMs: NOW };
    const ok = completeActivity(input, { probe: { startTime: NOW, endTime: NOW + 10, result: 'Success', message: 'm' }, activityTime: NOW - 120_000 });
    expect(ok).toEqual({
      activity: { lastActivity: NOW - 120_000, lastUpdate: NOW + 10, lastProbe: { startTime: NOW, endTime: NOW + 10, result: 'Success', message: 'm' }, rules: { pauseWorkspace: { eligibleAfter: NOW - 60_000 } } },
      pause: true,
      requeueAfterMs: 3_600_000,
    });
    const failed = completeActivity(input, { probe: { startTime: NOW, endTime: NOW, result: 'Failure', message: 'x' } });
    expect(failed.pause).toBe(false);
    expect(failed.activity).toMatchObject({ lastActivity: 5, lastUpdate: 5 });
    expect(failed.requeueAfterMs).toBe(300_000);
  });
});
