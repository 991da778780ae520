import { formatViolation, ViolationType } from '../lib/core/validation/violation';

test('formats like the API server', () => {
  expect(formatViolation({ field: 'spec.kind', type: ViolationType.INVALID, value: 'x', detail: 'bad' })).toBe('spec.kind: Invalid value: "x": bad');
});
