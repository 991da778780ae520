// The § sections and quirks cited in this file are those of docs/upstream-behavior.md.
import { OptionValue } from '../../lib/core/api';
import { OptionResolutionError, OptionType, resolveOption } from '../../lib/core/options';

function opt(id: string, to?: string): OptionValue<{ n: string }> {
  return { id, spawner: { displayName: id }, spec: { n: id }, ...(to === undefined ? {} : { redirect: { to } }) };
}

function failure(type: OptionType, values: OptionValue<{ n: string }>[], id: string): string {
  try {
    resolveOption(type, values, id);
  } catch (e) {
    expect(e).toBeInstanceOf(OptionResolutionError);
    return (e as Error).message;
  }
  throw new Error('expected a resolution error');
}

describe('resolveOption (§2.5)', () => {
  test('no redirect: desired is current, no chain', () => {
    const values = [opt('a'), opt('b')];
    const r = resolveOption(OptionType.IMAGE_CONFIG, values, 'b');
    expect(r.current).toBe(values[1]);
    expect(r.desired).toBe('b');
    expect(r.redirectChain).toBeUndefined();
    expect('redirectChain' in r).toBe(false);
  });

  test('sample: 180 redirects to 190', () => {
    const r = resolveOption(OptionType.IMAGE_CONFIG, [opt('jupyterlab_scipy_180', 'jupyterlab_scipy_190'), opt('jupyterlab_scipy_190')], 'jupyterlab_scipy_180');
    expect(r.current.id).toBe('jupyterlab_scipy_180');
    expect(r.desired).toBe('jupyterlab_scipy_190');
    expect(r.redirectChain).toEqual([{ source: 'jupyterlab_scipy_180', target: 'jupyterlab_scipy_190' }]);
  });

  test('multi-hop chain', () => {
    const r = resolveOption(OptionType.POD_CONFIG, [opt('s3'), opt('s1', 's2'), opt('s2', 's3')], 's1');
    expect(r.desired).toBe('s3');
    expect(r.redirectChain).toEqual([
      { source: 's1', target: 's2' },
      { source: 's2', target: 's3' },
    ]);
  });

  test('unknown selected id', () => {
    expect(failure(OptionType.IMAGE_CONFIG, [opt('a')], 'x')).toBe('imageConfig with id "x" not found');
    expect(failure(OptionType.POD_CONFIG, [opt('a')], 'x')).toBe('podConfig with id "x" not found');
  });

  test('missing redirect target names target and source', () => {
    expect(failure(OptionType.IMAGE_CONFIG, [opt('a', 'b'), opt('b', 'gone')], 'a')).toBe(
      'imageConfig with id "gone" not found, was redirected from "b"',
    );
  });

  test('circular redirect names the node that closes the loop', () => {
    expect(failure(OptionType.POD_CONFIG, [opt('a', 'b'), opt('b', 'c'), opt('c', 'b')], 'a')).toBe(
      'podConfig with id "c" has a circular redirect',
    );
    expect(failure(OptionType.IMAGE_CONFIG, [opt('a', 'a')], 'a')).toBe('imageConfig with id "a" has a circular redirect');
  });
});
