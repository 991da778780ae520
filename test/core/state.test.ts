// The § sections and quirks cited in this file are those of docs/upstream-behavior.md.
import { WorkspaceState } from '../../lib/core/api';
import {
  computePauseTime,
  computeStatus,
  decideState,
  EventLike,
  PodLike,
  podTemplatePodStatus,
  StateMessages,
  statusEquals,
} from '../../lib/core/state';

type Condition = { type: string; status: string; reason?: string; message?: string };

function pod(opts: {
  phase?: string;
  deleting?: boolean;
  conditions?: Condition[];
  waiting?: string;
  container?: string;
} = {}): PodLike {
  return {
    metadata: { name: 'ws-x-abcde-0', ...(opts.deleting ? { deletionTimestamp: '2025-01-01T00:00:00Z' } : {}) },
    spec: { containers: [{ name: 'main' }] },
    status: {
      phase: opts.phase,
      conditions: opts.conditions,
      containerStatuses: opts.waiting ? [{ name: opts.container ?? 'main', state: { waiting: { reason: opts.waiting } } }] : [],
    },
  };
}

const scheduled: Condition = { type: 'PodScheduled', status: 'True' };
const ready: Condition = { type: 'Ready', status: 'True' };
const notReady: Condition = { type: 'Ready', status: 'False' };

function warning(message: string, at: string): EventLike {
  return { type: 'Warning', message, lastTimestamp: at };
}

function normal(at: string): EventLike {
  return { type: 'Normal', message: 'create Pod ws-x-0 in StatefulSet ws-x successful', lastTimestamp: at };
}

describe('state decision table (§2.2, §2.3)', () => {
  const cases: [string, Parameters<typeof decideState>[0], WorkspaceState, string][] = [
    ['no Pod, paused', { paused: true }, WorkspaceState.PAUSED, 'Workspace is paused'],
    [
      'no Pod, paused wins over a warning',
      { paused: true, statefulSetEvents: [warning('boom', '2025-01-01T00:00:00Z')] },
      WorkspaceState.PAUSED,
      'Workspace is paused',
    ],
    [
      'no Pod, StatefulSet warning',
      { paused: false, statefulSetEvents: [warning('create Pod ws-x-0 failed: serviceaccount "default-editor" not found', '2025-01-01T00:00:00Z')] },
      WorkspaceState.ERROR,
      'Workspace StatefulSet has warning event: create Pod ws-x-0 failed: serviceaccount "default-editor" not found',
    ],
    ['no Pod, no events', { paused: false }, WorkspaceState.UNKNOWN, 'Workspace is in an unknown state'],
    [
      'no Pod, only normal events',
      { paused: false, statefulSetEvents: [normal('2025-01-01T00:00:00Z')] },
      WorkspaceState.UNKNOWN,
      'Workspace is in an unknown state',
    ],
    ['Pod terminating', { paused: false, pod: pod({ phase: 'Running', deleting: true, conditions: [scheduled, ready] }) }, WorkspaceState.TERMINATING, 'Workspace is terminating'],
    ['Pod terminating while paused', { paused: true, pod: pod({ deleting: true }) }, WorkspaceState.TERMINATING, 'Workspace is terminating'],
    [
      'unschedulable',
      { paused: false, pod: pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available' }] }) },
      WorkspaceState.ERROR,
      'Workspace Pod is unschedulable: 0/1 nodes are available',
    ],
    [
      'scheduling gated',
      { paused: false, pod: pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated', message: 'gated' }] }) },
      WorkspaceState.ERROR,
      'Workspace Pod is waiting for scheduling gate: gated',
    ],
    [
      'scheduler error',
      { paused: false, pod: pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulerError', message: 'plugin failed' }] }) },
      WorkspaceState.ERROR,
      'Workspace Pod has scheduler error: plugin failed',
    ],
    [
      'not scheduled for another reason falls through to Pending',
      { paused: false, pod: pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Other' }] }) },
      WorkspaceState.PENDING,
      'Workspace is pending',
    ],
    ['no PodScheduled condition, Pending', { paused: false, pod: pod({ phase: 'Pending' }) }, WorkspaceState.PENDING, 'Workspace is pending'],
    ['running and ready', { paused: false, pod: pod({ phase: 'Running', conditions: [scheduled, ready] }) }, WorkspaceState.RUNNING, 'Workspace is running'],
    [
      'paused is ignored while the Pod still runs (quirk 7, kept)',
      { paused: true, pod: pod({ phase: 'Running', conditions: [scheduled, ready] }) },
      WorkspaceState.RUNNING,
      'Workspace is running',
    ],
    ['running, not ready', { paused: false, pod: pod({ phase: 'Running', conditions: [scheduled, notReady] }) }, WorkspaceState.UNKNOWN, 'Workspace is in an unknown state'],
    [
      'CrashLoopBackOff',
      { paused: false, pod: pod({ phase: 'Running', conditions: [scheduled, notReady], waiting: 'CrashLoopBackOff' }) },
      WorkspaceState.ERROR,
      'Workspace Container is not running (CrashLoopBackOff)',
    ],
    [
      'ImagePullBackOff',
      { paused: false, pod: pod({ phase: 'Pending', conditions: [scheduled], waiting: 'ImagePullBackOff' }) },
      WorkspaceState.ERROR,
      'Workspace Container is not running (ImagePullBackOff)',
    ],
    [
      'ErrImagePull is not recognised',
      { paused: false, pod: pod({ phase: 'Pending', conditions: [scheduled], waiting: 'ErrImagePull' }) },
      WorkspaceState.PENDING,
      'Workspace is pending',
    ],
    [
      'a waiting sidecar does not count, only main',
      { paused: false, pod: pod({ phase: 'Pending', conditions: [scheduled], waiting: 'CrashLoopBackOff', container: 'istio-proxy' }) },
      WorkspaceState.PENDING,
      'Workspace is pending',
    ],
    ['Succeeded', { paused: false, pod: pod({ phase: 'Succeeded', conditions: [scheduled] }) }, WorkspaceState.UNKNOWN, 'Workspace is in an unknown state'],
    ['Failed', { paused: false, pod: pod({ phase: 'Failed', conditions: [scheduled] }) }, WorkspaceState.UNKNOWN, 'Workspace is in an unknown state'],
  ];

  test.each(cases)('%s', (_name, input, state, message) => {
    const decision = decideState(input);
    expect(decision.state).toBe(state);
    expect(decision.message).toBe(message);
  });

  test('the latest warning wins; of equal timestamps the first seen is kept', () => {
    const events = [
      warning('older', '2025-01-01T00:00:00Z'),
      warning('newest-first', '2025-01-01T00:05:00Z'),
      warning('newest-second', '2025-01-01T00:05:00Z'),
      warning('middle', '2025-01-01T00:02:00Z'),
    ];
    expect(decideState({ paused: false, statefulSetEvents: events }).message).toBe(
      'Workspace StatefulSet has warning event: newest-first',
    );
  });

  test('series.lastObservedTime and eventTime count as the event time', () => {
    const events: EventLike[] = [
      { type: 'Warning', message: 'by lastTimestamp', lastTimestamp: '2025-01-01T00:01:00Z' },
      { type: 'Warning', message: 'by series', eventTime: '2025-01-01T00:00:00Z', series: { lastObservedTime: '2025-01-01T00:03:00Z' } },
      { type: 'Warning', message: 'by eventTime', eventTime: '2025-01-01T00:02:00Z' },
    ];
    expect(decideState({ paused: false, statefulSetEvents: events }).message).toContain('by series');
  });

  describe('stale warnings (quirk 6, fixed)', () => {
    test('a Normal event after the warning clears it', () => {
      const events = [warning('failed', '2025-01-01T00:00:00Z'), normal('2025-01-01T00:01:00Z')];
      expect(decideState({ paused: false, statefulSetEvents: events }).state).toBe(WorkspaceState.UNKNOWN);
    });

    test('a Normal event in the same second does not clear it', () => {
      const events = [normal('2025-01-01T00:00:00Z'), warning('failed', '2025-01-01T00:00:00Z')];
      expect(decideState({ paused: false, statefulSetEvents: events }).state).toBe(WorkspaceState.ERROR);
    });

    test('a warning older than the last change of the StatefulSet is ignored', () => {
      const events = [warning('failed', '2025-01-01T00:00:00Z')];
      const changed = Date.parse('2025-01-01T00:00:30Z');
      expect(decideState({ paused: false, statefulSetEvents: events, warningsSince: changed }).state).toBe(WorkspaceState.UNKNOWN);
      expect(decideState({ paused: false, statefulSetEvents: events, warningsSince: changed - 60_000 }).state).toBe(
        WorkspaceState.ERROR,
      );
    });
  });

  test('every §2.3 message has its Event reason', () => {
    expect(StateMessages.unknownKind('jupyterlab')).toEqual({
      state: WorkspaceState.ERROR,
      message: 'Workspace references unknown WorkspaceKind: jupyterlab',
      reason: 'UnknownWorkspaceKind',
    });
    expect(StateMessages.invalidImageConfig('imageConfig with id "x" not found').message).toBe(
      'Workspace has invalid imageConfig: imageConfig with id "x" not found',
    );
    expect(StateMessages.invalidPodConfig('podConfig with id "y" has a circular redirect').message).toBe(
      'Workspace has invalid podConfig: podConfig with id "y" has a circular redirect',
    );
    expect(StateMessages.multipleStatefulSets(['a', 'b']).message).toBe('Workspace owns multiple StatefulSets: a, b');
    expect(StateMessages.multipleServices(['c', 'd', 'e']).message).toBe('Workspace owns multiple Services: c, d, e');
  });
});

describe('pauseTime (§2.1)', () => {
  test('set to now when pausing, kept while paused, 0 when running', () => {
    expect(computePauseTime(true, 0, 1_700_000_000)).toBe(1_700_000_000);
    expect(computePauseTime(true, undefined, 1_700_000_000)).toBe(1_700_000_000);
    expect(computePauseTime(true, 1_600_000_000, 1_700_000_000)).toBe(1_600_000_000);
    expect(computePauseTime(false, 1_600_000_000, 1_700_000_000)).toBe(0);
  });
});

describe('podTemplatePod', () => {
  test('no Pod: empty name, no container lists', () => {
    expect(podTemplatePodStatus(undefined)).toEqual({ name: '' });
  });

  test('containers in spec order, init containers only when present', () => {
    const p: PodLike = {
      metadata: { name: 'ws-x-0' },
      spec: { containers: [{ name: 'main' }, { name: 'istio-proxy' }], initContainers: [{ name: 'istio-init' }] },
    };
    expect(podTemplatePodStatus(p)).toEqual({
      name: 'ws-x-0',
      containers: [{ name: 'main' }, { name: 'istio-proxy' }],
      initContainers: [{ name: 'istio-init' }],
    });
    expect(podTemplatePodStatus({ metadata: { name: 'p' }, spec: { containers: [{ name: 'main' }], initContainers: [] } })).toEqual({
      name: 'p',
      containers: [{ name: 'main' }],
    });
  });
});

describe('computeStatus', () => {
  test('a first status has every required field', () => {
    const status = computeStatus({
      paused: false,
      nowSeconds: 100,
      imageConfig: { desired: 'jupyterlab_scipy_190' },
      podConfig: { desired: 'tiny_cpu' },
      decision: StateMessages.unknown,
    });
    expect(status).toEqual({
      activity: { lastActivity: 0, lastUpdate: 0 },
      pauseTime: 0,
      pendingRestart: false,
      podTemplateOptions: { imageConfig: { desired: 'jupyterlab_scipy_190' }, podConfig: { desired: 'tiny_cpu' } },
      podTemplatePod: { name: '' },
      state: 'Unknown',
      stateMessage: 'Workspace is in an unknown state',
    });
  });

  test('pendingRestart follows redirect chains; activity carries over; error states get pauseTime too (quirk 5)', () => {
    const status = computeStatus({
      previous: { activity: { lastActivity: 50, lastUpdate: 60 }, pauseTime: 0 },
      paused: true,
      nowSeconds: 100,
      imageConfig: { desired: 'b', redirectChain: [{ source: 'a', target: 'b' }] },
      podConfig: { desired: 'tiny_cpu' },
      decision: StateMessages.multipleServices(['x', 'y']),
    });
    expect(status.pendingRestart).toBe(true);
    expect(status.activity).toEqual({ lastActivity: 50, lastUpdate: 60 });
    expect(status.pauseTime).toBe(100);
    expect(status.state).toBe('Error');
  });

  test('statusEquals treats absent optional fields as empty', () => {
    const a = computeStatus({ paused: false, nowSeconds: 1, imageConfig: { desired: 'x' }, podConfig: {}, decision: StateMessages.unknown });
    const b = { ...a, podTemplateOptions: { imageConfig: { desired: 'x', redirectChain: [] }, podConfig: {} }, podTemplatePod: { name: '', containers: [] } };
    expect(statusEquals(a, b)).toBe(true);
    expect(statusEquals(a, { ...a, stateMessage: 'other' })).toBe(false);
    expect(statusEquals(a, { ...a, pauseTime: 5 })).toBe(false);
    expect(statusEquals(undefined, a)).toBe(false);
  });
});
