import { compareQuantities, parseQuantity, QuantityError } from '../../lib/core/quantity';

describe('Kubernetes quantities', () => {
  test.each([
    ['1', (1000n) * 1_000_000n],
    ['1000m', (1000n) * 1_000_000n],
    ['0.1', (100n) * 1_000_000n],
    ['.5', (500n) * 1_000_000n],
    ['1.', (1000n) * 1_000_000n],
    ['+2', (2000n) * 1_000_000n],
    ['-1.5', -1_500_000_000n],
    ['1k', (1_000_000n) * 1_000_000n],
    ['1Ki', (1_024_000n) * 1_000_000n],
    ['1e3', (1_000_000n) * 1_000_000n],
    ['1E3', (1_000_000n) * 1_000_000n],
    ['1E', (10n ** 21n) * 1_000_000n],
    ['100u', 100_000n],
    ['1n', 1n],
    [1, (1000n) * 1_000_000n],
    [0.25, (250n) * 1_000_000n],
  ])('%j is %s nano-units', (q, nanos) => {
    expect(parseQuantity(q)).toBe(nanos);
  });

  test('equal values written differently', () => {
    expect(compareQuantities('1Gi', '1024Mi')).toBe(0);
    expect(compareQuantities('1000m', 1)).toBe(0);
    expect(compareQuantities('1e-3', '1m')).toBe(0);
    expect(compareQuantities('0.1n', '1n')).toBe(0); // below nano precision: rounded up
    expect(compareQuantities('1.5', '1500m')).toBe(0);
    expect(compareQuantities('2Gi', '2G')).toBe(1);
    expect(compareQuantities('-1', '0')).toBe(-1);
    // No float rounding: 0.1 + 0.2 style traps and 64-bit boundaries are exact.
    expect(compareQuantities('0.3', '300m')).toBe(0);
    expect(compareQuantities('9007199254740993', '9007199254740992')).toBe(1);
  });

  test('large values are capped at 2^63-1 units, as Kubernetes does', () => {
    expect(parseQuantity('1e30')).toBe(parseQuantity('9223372036854775807'));
    expect(parseQuantity('100Ei')).toBe(parseQuantity('9223372036854775807'));
    expect(parseQuantity('1e-400')).toBe(1n);
    expect(parseQuantity('0e99')).toBe(0n);
  });

  test.each(['', '.', 'abc', '1.2.3', '1K', '1e', '1e1.5', '1Mi2', '--1', ' 1', null, {}])('%j is not a quantity', (q) => {
    expect(parseQuantity(q)).toBeUndefined();
  });

  test('invalid input throws QuantityError from the helpers', () => {
    expect(() => compareQuantities('lots', '1')).toThrow(QuantityError);
    expect(() => compareQuantities('1', 'lots')).toThrow('"lots"');
  });
});
