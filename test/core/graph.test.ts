// The § sections and quirks cited in this file are those of docs/upstream-behavior.md.
import { detectGraphCycle } from '../../lib/core/graph';

const edges = (...pairs: [string, string][]) => new Map(pairs);

describe('detectGraphCycle (§6.1)', () => {
  test('H1 A→B→C→A from A returns [A B C]', () => {
    const checked = new Set<string>();
    expect(detectGraphCycle('A', checked, edges(['A', 'B'], ['B', 'C'], ['C', 'A']))).toEqual(['A', 'B', 'C']);
    expect(checked.size).toBe(0);
  });

  test('H2 A→B→C→D returns none and marks all nodes checked', () => {
    const checked = new Set<string>();
    expect(detectGraphCycle('A', checked, edges(['A', 'B'], ['B', 'C'], ['C', 'D']))).toBeUndefined();
    expect([...checked].sort()).toEqual(['A', 'B', 'C', 'D']);
  });

  test('H3 self loop returns [A]', () => {
    expect(detectGraphCycle('A', new Set(), edges(['A', 'A']))).toEqual(['A']);
  });

  test('H4 unrelated edges do not matter', () => {
    const g = edges(['A', 'B'], ['B', 'C'], ['C', 'A'], ['D', 'E']);
    expect(detectGraphCycle('A', new Set(), g)).toEqual(['A', 'B', 'C']);
  });

  test('H5 cycle not through the start; then an acyclic walk', () => {
    const g = edges(['A', 'B'], ['B', 'C'], ['C', 'D'], ['D', 'B'], ['E', 'F']);
    const checked = new Set<string>();
    expect(detectGraphCycle('A', checked, g)).toEqual(['B', 'C', 'D']);
    expect(checked.size).toBe(0);
    expect(detectGraphCycle('E', checked, g)).toBeUndefined();
    expect([...checked].sort()).toEqual(['E', 'F']);
  });

  test('H6 acyclic walk first, then the cycle', () => {
    const g = edges(['A', 'B'], ['B', 'C'], ['C', 'D'], ['D', 'B'], ['X', 'Y'], ['Y', 'Z']);
    const checked = new Set<string>();
    expect(detectGraphCycle('X', checked, g)).toBeUndefined();
    expect([...checked].sort()).toEqual(['X', 'Y', 'Z']);
    expect(detectGraphCycle('A', checked, g)).toEqual(['B', 'C', 'D']);
    expect([...checked].sort()).toEqual(['X', 'Y', 'Z']);
  });

  test('H7 a start without outgoing edge is checked', () => {
    const checked = new Set<string>();
    expect(detectGraphCycle('Z', checked, edges(['A', 'B']))).toBeUndefined();
    expect([...checked]).toEqual(['Z']);
  });

  test('H8 an already checked start returns none and changes nothing', () => {
    const checked = new Set(['A', 'B']);
    expect(detectGraphCycle('A', checked, edges(['A', 'B'], ['B', 'A']))).toBeUndefined();
    expect([...checked].sort()).toEqual(['A', 'B']);
  });

  test('a walk that reaches a checked node stops there without re-adding it', () => {
    const checked = new Set(['C']);
    expect(detectGraphCycle('A', checked, edges(['A', 'B'], ['B', 'C'], ['C', 'A']))).toBeUndefined();
    expect([...checked].sort()).toEqual(['A', 'B', 'C']);
  });
});
