// The § sections and quirks cited in this file are those of docs/upstream-behavior.md.
import {
  generateNamePrefix,
  SERVICE_NAME_MAX_LENGTH,
  serviceNamePrefix,
  STATEFULSET_NAME_MAX_LENGTH,
  statefulSetNamePrefix,
  workspacePodName,
} from '../../lib/core/naming';

describe('generateName prefixes (§1.3)', () => {
  test('short names get ws-<name>- for both objects', () => {
    expect(statefulSetNamePrefix('jupyterlab-workspace')).toBe('ws-jupyterlab-workspace-');
    expect(serviceNamePrefix('jupyterlab-workspace')).toBe('ws-jupyterlab-workspace-');
  });

  test('a 60-character name is cut to 45 (StatefulSet) and 56 (Service) characters before the dash', () => {
    const name = 'a'.repeat(60);
    const sts = statefulSetNamePrefix(name);
    const svc = serviceNamePrefix(name);
    expect(sts).toBe(`ws-${'a'.repeat(42)}-`);
    expect(sts).toHaveLength(46);
    expect(svc).toBe(`ws-${'a'.repeat(53)}-`);
    expect(svc).toHaveLength(57);
    // with the 5 generated characters, names stay within their limits
    expect(sts.length + 5).toBeLessThanOrEqual(STATEFULSET_NAME_MAX_LENGTH - 1);
    expect(svc.length + 5).toBeLessThanOrEqual(SERVICE_NAME_MAX_LENGTH - 1);
  });

  test('a cut right after a dash does not add a second dash', () => {
    // "ws-" + 41 chars + "-" is exactly the 45-character limit and already ends in a dash
    const name = `${'b'.repeat(41)}-cccc`;
    expect(statefulSetNamePrefix(name)).toBe(`ws-${'b'.repeat(41)}-`);
  });

  test('a name that ends in a dash within the limit keeps a single dash', () => {
    expect(generateNamePrefix('abc-', 63)).toBe('ws-abc-');
  });

  test('the limit is exact: a prefix of exactly limit characters is not cut', () => {
    const name = 'x'.repeat(42); // ws- + 42 = 45 = the StatefulSet limit
    expect(statefulSetNamePrefix(name)).toBe(`ws-${name}-`);
    expect(statefulSetNamePrefix(name + 'y')).toBe(`ws-${name}-`);
  });

  test('maxLength too small to hold anything is refused', () => {
    expect(() => generateNamePrefix('a', 7)).toThrow(RangeError);
  });

  test('the Pod of a StatefulSet is <name>-0', () => {
    expect(workspacePodName('ws-jupyterlab-workspace-x7k2p')).toBe('ws-jupyterlab-workspace-x7k2p-0');
  });
});
