import {
  ActivityProbeError,
  activityAfterProbe,
  cullingPolicy,
  DEFAULT_MAX_INACTIVE_SECONDS,
  idleSeconds,
  isCullingCandidate,
  jupyterTarget,
  parseJupyterLastActivity,
  readySince,
  shouldCull,
} from '../../lib/reconciler/culling';
import { kind, runningPod, workspace } from './helpers';

describe('culling policy', () => {
  test('the sample Kind: Jupyter probe, 86400 s', () => {
    expect(cullingPolicy(kind())).toEqual({ maxInactiveSeconds: 86_400, probe: { type: 'jupyter' } });
  });

  test('exec probe; maxInactiveSeconds defaults like the CRD', () => {
    const k = kind((x) => (x.spec.podTemplate.culling = { activityProbe: { exec: { command: ['bash', '-c', 'exit 0'] } } }));
    expect(cullingPolicy(k)).toEqual({ maxInactiveSeconds: DEFAULT_MAX_INACTIVE_SECONDS, probe: { type: 'exec', command: ['bash', '-c', 'exit 0'] } });
  });

  test('disabled or absent culling: no policy', () => {
    expect(cullingPolicy(kind((x) => (x.spec.podTemplate.culling.enabled = false)))).toBeUndefined();
    expect(cullingPolicy(kind((x) => delete x.spec.podTemplate.culling))).toBeUndefined();
    expect(cullingPolicy(undefined)).toBeUndefined();
  });

  test('only running, unpaused Workspaces are candidates', () => {
    const running = workspace((w) => (w.status = { state: 'Running' }));
    expect(isCullingCandidate(running)).toBe(true);
    expect(isCullingCandidate(workspace((w) => (w.status = { state: 'Pending' })))).toBe(false);
    expect(isCullingCandidate(workspace((w) => ((w.status = { state: 'Running' }), (w.spec.paused = true))))).toBe(false);
    expect(isCullingCandidate(workspace((w) => ((w.status = { state: 'Running' }), (w.metadata.deletionTimestamp = 'x'))))).toBe(false);
  });
});

describe('Jupyter probe', () => {
  test('asks the Service port of the first image port, under its path prefix', () => {
    expect(jupyterTarget(workspace(), kind(), 'ws-jupyterlab-workspace-fghij')).toEqual({
      namespace: 'workspace-test',
      service: 'ws-jupyterlab-workspace-fghij',
      port: 'http-8888',
      path: '/workspace/workspace-test/jupyterlab-workspace/jupyterlab/api/status',
    });
    expect(jupyterTarget(workspace((w) => (w.spec.podTemplate.options.imageConfig = 'missing')), kind(), 's')).toBeUndefined();
  });

  test('reads last_activity (ISO with microseconds) as Unix seconds', () => {
    const body = JSON.stringify({ started: '2025-01-01T00:00:00.000000Z', last_activity: '2025-01-02T03:04:05.678901Z', connections: 0, kernels: 1 });
    expect(parseJupyterLastActivity(body)).toBe(Date.UTC(2025, 0, 2, 3, 4, 5) / 1000);
  });

  test('a response without a valid last_activity is a probe failure', () => {
    expect(() => parseJupyterLastActivity('<html>login</html>')).toThrow(ActivityProbeError);
    expect(() => parseJupyterLastActivity('{"started":"x"}')).toThrow('no valid last_activity: null');
    expect(() => parseJupyterLastActivity('{"last_activity":"yesterday"}')).toThrow(ActivityProbeError);
  });
});

describe('activity and the culling decision', () => {
  const policy = { maxInactiveSeconds: 3600, probe: { type: 'jupyter' as const } };

  test('Jupyter activity is taken as reported, never moving backwards nor into the future', () => {
    expect(activityAfterProbe(undefined, { type: 'jupyter', lastActivity: 500 }, 1000)).toEqual({ lastActivity: 500, lastUpdate: 1000 });
    expect(activityAfterProbe({ lastActivity: 800, lastUpdate: 900 }, { type: 'jupyter', lastActivity: 500 }, 1000)).toEqual({ lastActivity: 800, lastUpdate: 1000 });
    expect(activityAfterProbe(undefined, { type: 'jupyter', lastActivity: 5000 }, 1000)).toEqual({ lastActivity: 1000, lastUpdate: 1000 });
  });

  test('exec: exit 0 means active now, anything else leaves the last activity', () => {
    expect(activityAfterProbe({ lastActivity: 10, lastUpdate: 10 }, { type: 'exec', active: true }, 1000)).toEqual({ lastActivity: 1000, lastUpdate: 1000 });
    expect(activityAfterProbe({ lastActivity: 10, lastUpdate: 10 }, { type: 'exec', active: false }, 1000)).toEqual({ lastActivity: 10, lastUpdate: 1000 });
  });

  test('idle time counts from the later of last activity and Ready', () => {
    expect(idleSeconds({ lastActivity: 100, lastUpdate: 0 }, 400, 1000)).toBe(600);
    expect(idleSeconds({ lastActivity: 700, lastUpdate: 0 }, 400, 1000)).toBe(300);
    expect(readySince(runningPod())).toBe(Date.parse('2025-01-01T00:00:00Z') / 1000);
    expect(readySince({ status: { conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: '2025-01-01T00:00:00Z' }] } })).toBeUndefined();
  });

  test('culled only beyond maxInactiveSeconds, and never without a baseline', () => {
    expect(shouldCull({ lastActivity: 1000, lastUpdate: 0 }, undefined, 4600, policy)).toBe(false);
    expect(shouldCull({ lastActivity: 1000, lastUpdate: 0 }, undefined, 4601, policy)).toBe(true);
    // a Workspace unpaused recently is not culled for an old lastActivity
    expect(shouldCull({ lastActivity: 1000, lastUpdate: 0 }, 4000, 4601, policy)).toBe(false);
    expect(shouldCull({ lastActivity: 0, lastUpdate: 0 }, undefined, 1e9, policy)).toBe(false);
  });
});
