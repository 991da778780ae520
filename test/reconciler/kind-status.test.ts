// The § sections and quirks cited in this file are those of docs/upstream-behavior.md.
import { computeKindStatus, FinalizerChange, kindFinalizerChange, kindStatusEquals } from '../../lib/core/kind-status';
import { kind, workspace } from './helpers';

describe('WorkspaceKind status (§3.2)', () => {
  test('C10: one Workspace on jupyterlab_scipy_180 / tiny_cpu; counts in spec order, spec-selected ids (not redirect targets)', () => {
    const ws = workspace((w) => (w.spec.podTemplate.options.imageConfig = 'jupyterlab_scipy_180'));
    expect(computeKindStatus(kind(), [ws])).toEqual({
      workspaces: 1,
      podTemplateOptions: {
        imageConfig: [
          { id: 'jupyterlab_scipy_180', workspaces: 1 },
          { id: 'jupyterlab_scipy_190', workspaces: 0 },
        ],
        podConfig: [
          { id: 'tiny_cpu', workspaces: 1 },
          { id: 'small_cpu', workspaces: 0 },
          { id: 'big_gpu', workspaces: 0 },
        ],
      },
    });
  });

  test('C12: no Workspaces, all-zero arrays; Workspaces of other Kinds and unknown ids are ignored', () => {
    const other = workspace((w) => (w.spec.kind = 'other'));
    const unknownId = workspace((w) => (w.spec.podTemplate.options.podConfig = 'retired'));
    const status = computeKindStatus(kind(), [other, unknownId]);
    expect(status.workspaces).toBe(1);
    expect(status.podTemplateOptions.podConfig.map((u) => u.workspaces)).toEqual([0, 0, 0]);
    expect(computeKindStatus(kind(), []).podTemplateOptions.imageConfig).toEqual([
      { id: 'jupyterlab_scipy_180', workspaces: 0 },
      { id: 'jupyterlab_scipy_190', workspaces: 0 },
    ]);
  });

  test('status equality ignores absent lists vs empty ones, not counts', () => {
    const s = computeKindStatus(kind(), []);
    expect(kindStatusEquals(s, structuredClone(s))).toBe(true);
    expect(kindStatusEquals(undefined, { workspaces: 0, podTemplateOptions: { imageConfig: [], podConfig: [] } })).toBe(true);
    expect(kindStatusEquals(undefined, s)).toBe(false);
  });
});

describe('protection finalizer (§3.3, quirk 13)', () => {
  const bare = kind((k) => (k.metadata.finalizers = []));
  test.each([
    ['in use, missing', bare, 2, FinalizerChange.ADD],
    ['in use, present', kind(), 2, undefined],
    ['unused, present', kind(), 0, FinalizerChange.REMOVE],
    ['unused, present, being deleted', kind((k) => (k.metadata.deletionTimestamp = 'x')), 0, FinalizerChange.REMOVE],
    ['in use, missing, being deleted', kind((k) => ((k.metadata.finalizers = []), (k.metadata.deletionTimestamp = 'x'))), 1, undefined],
    ['unused, missing', bare, 0, undefined],
  ])('%s', (_name, k, count, change) => {
    expect(kindFinalizerChange(k, count)).toBe(change);
  });

  test('other finalizers do not count', () => {
    expect(kindFinalizerChange(kind((k) => (k.metadata.finalizers = ['example.com/other'])), 1)).toBe(FinalizerChange.ADD);
  });
});
