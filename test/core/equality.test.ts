import { deepEqual, podConfigSpecEqual, semanticEqual } from '../../lib/core/validation/equality';

describe('equality helpers', () => {
  test('deepEqual: key order free, array order matters, undefined keys absent', () => {
    expect(deepEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
    expect(deepEqual({ a: 1, x: undefined }, { a: 1 })).toBe(true);
    expect(deepEqual([1, 2], [2, 1])).toBe(false);
    expect(deepEqual({ a: {} }, {})).toBe(false);
    expect(deepEqual({ a: 1 }, { a: '1' })).toBe(false);
    expect(deepEqual(null, {})).toBe(false);
  });

  test('semanticEqual: empty maps and lists equal absent ones', () => {
    expect(semanticEqual({ labels: {} }, {})).toBe(true);
    expect(semanticEqual({ labels: {} }, { labels: {}, annotations: {} })).toBe(true);
    // An absent object (Go nil pointer) differs from a present one, even if all its maps are empty.
    expect(semanticEqual(undefined, { labels: {} })).toBe(false);
    expect(semanticEqual({ a: [] }, { a: null })).toBe(true);
    expect(semanticEqual({ labels: { a: 'b' } }, { labels: { a: 'c' } })).toBe(false);
    expect(semanticEqual({ labels: { a: 'b' } }, {})).toBe(false);
  });

  test('podConfigSpecEqual: quantities by value, empty requests/limits equal absent', () => {
    expect(podConfigSpecEqual({ resources: { requests: { cpu: '1000m' }, limits: {} } }, { resources: { requests: { cpu: 1 } } })).toBe(true);
    expect(podConfigSpecEqual({ resources: { limits: { 'nvidia.com/gpu': 1 } } }, { resources: { limits: { 'nvidia.com/gpu': '1' } } })).toBe(true);
    expect(podConfigSpecEqual({ resources: { requests: { cpu: '1' } } }, { resources: { requests: { cpu: '1', memory: '1Gi' } } })).toBe(false);
    expect(podConfigSpecEqual({ resources: { requests: { cpu: '1' } } }, { resources: { limits: { cpu: '1' } } })).toBe(false);
    expect(podConfigSpecEqual({ resources: { requests: { cpu: 'junk' } } }, { resources: { requests: { cpu: 'junk' } } })).toBe(true);
    expect(podConfigSpecEqual({ resources: {} }, {})).toBe(false);
    expect(podConfigSpecEqual({ resources: { claims: [{ name: 'a' }] } }, { resources: { claims: [{ name: 'a' }] } })).toBe(true);
    // Other fields are compared as written.
    expect(podConfigSpecEqual({ nodeSelector: {} }, {})).toBe(false);
    expect(podConfigSpecEqual({ tolerations: [{ key: 'a' }] }, { tolerations: [{ key: 'a' }] })).toBe(true);
  });
});
