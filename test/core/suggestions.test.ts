import fc from 'fast-check';
import { closestFirst } from '../../lib/core/validation/closest';
import { suggestWorkspaceName } from '../../lib/core/validation/render-rules';
import { validateObjectMeta } from '../../lib/core/validation/metadata';
import { validateWorkspaceRendering } from '../../lib/core/validation';
import { sampleKind, webhookWorkspace } from './fixtures';

describe('closestFirst', () => {
  it('orders by edit distance, ties in the given order', () => {
    expect(closestFirst('smal_cpu', ['tiny_cpu', 'big_gpu', 'small_cpu'])).toEqual(['small_cpu', 'tiny_cpu', 'big_gpu']);
    expect(closestFirst('x', ['bb', 'aa', 'c'])).toEqual(['c', 'bb', 'aa']);
    expect(closestFirst('anything', [])).toEqual([]);
  });
});

describe('suggestWorkspaceName', () => {
  it('turns dots, capitals and other characters into a label', () => {
    expect(suggestWorkspaceName('Alice.VSCode')).toBe('alice-vscode');
    expect(suggestWorkspaceName('--Bob__Lab--')).toBe('bob-lab');
    expect(suggestWorkspaceName('...')).toBe('my-workspace');
  });

  it('suggests a name that passes the metadata check and the render-time name rule, whatever was given', () => {
    const kind = sampleKind();
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 300 }), (name) => {
        const suggestion = suggestWorkspaceName(name);
        expect(validateObjectMeta({ name: suggestion, namespace: 'team' }, { namespaced: true })).toEqual([]);
        const ws = webhookWorkspace();
        ws.metadata.name = suggestion;
        expect(validateWorkspaceRendering(ws, kind, { includeKind: false }).filter((v) => v.field === 'metadata.name')).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
