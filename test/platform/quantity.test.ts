import { canonicalQuantity } from '../../lib/platform/quantity';
import { CANONICAL_QUANTITIES } from './helpers';

describe('canonicalQuantity', () => {
  test.each(CANONICAL_QUANTITIES)('%s is stored as %s', (written, stored) => {
    expect(canonicalQuantity(written)).toBe(stored);
  });

  test('a canonical quantity is its own canonical form', () => {
    for (const [, stored] of CANONICAL_QUANTITIES) {
      expect(canonicalQuantity(stored)).toBe(stored);
    }
  });

  test('leaves an invalid quantity as it is (the platform props report it)', () => {
    expect(canonicalQuantity('lots')).toBe('lots');
  });
});
