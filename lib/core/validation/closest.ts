/**
 * Orders the ids a value could have meant, for "expected one of" messages: the closest (fewest single-character
 * edits, Levenshtein) first, ties in the given order.
 */
export function closestFirst(value: string, candidates: readonly string[]): string[] {
  const scored = candidates.map((c, i) => ({ c, i, d: editDistance(value, c) }));
  scored.sort((a, b) => a.d - b.d || a.i - b.i);
  return scored.map((s) => s.c);
}

/** Levenshtein distance; bounded input (ids of at most 256 characters), so the quadratic table is small. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
