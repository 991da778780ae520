import { refusalMessage, statusMergePatch } from '../../lib/reconciler/workspace-controller';
import { ApiError } from '../../lib/reconciler/kube/client';
import { computeStatus, StateMessages } from '../../lib/core/state';

describe('status merge patch', () => {
  const status = computeStatus({
    paused: false,
    nowSeconds: 1,
    imageConfig: { desired: 'a' },
    podConfig: {},
    decision: StateMessages.unknown,
  });

  test('absent optional fields are sent as null, so stale values (an old redirect chain, old containers) are removed', () => {
    expect(statusMergePatch(status, undefined)).toEqual({
      activity: { lastActivity: 0, lastUpdate: 0 },
      pauseTime: 0,
      pendingRestart: false,
      podTemplateOptions: { imageConfig: { desired: 'a', redirectChain: null }, podConfig: { desired: null, redirectChain: null } },
      podTemplatePod: { name: '', containers: null, initContainers: null },
      state: 'Unknown',
      stateMessage: 'Workspace is in an unknown state',
    });
  });

  test('activity is left to the culler once the stored status has it', () => {
    const patch = statusMergePatch(status, { activity: { lastActivity: 5, lastUpdate: 6 } });
    expect(patch).not.toHaveProperty('activity');
  });
});

describe('refusalMessage', () => {
  it('keeps the API server message without the request line and the random generated name', () => {
    const err = new ApiError(422, 'Invalid', 'POST /apis/apps/v1/namespaces/a/statefulsets: 422 StatefulSet.apps "ws-w-4ffx9" is invalid: [metadata.labels: Invalid value: "x": bad]', 'POST', '/apis/apps/v1/namespaces/a/statefulsets');
    expect(refusalMessage(err)).toBe('[metadata.labels: Invalid value: "x": bad]');
    expect(refusalMessage(new ApiError(403, 'Forbidden', 'forbidden: no', 'PATCH', '/p'))).toBe('forbidden: no');
  });
});
