/**
 * Cycle detection on redirect graphs (docs/upstream-behavior.md §4.7, tests §6.1 H1–H8). Every node has at most one
 * outgoing edge (`values[].redirect.to`), so a walk from a node either ends or loops.
 */

/**
 * Walks from `start` along `edges`.
 *
 * Returns the cycle (path slice from the first repeated node) if the walk loops; `checked` is then left untouched.
 * Otherwise returns `undefined` and adds every node of the walk, including the dead-end node, to `checked`. A walk
 * stops early, without a cycle, when it reaches a node already in `checked` (that node is not re-added).
 */
export function detectGraphCycle(
  start: string,
  checked: Set<string>,
  edges: ReadonlyMap<string, string>,
): string[] | undefined {
  const path: string[] = [];
  const indexOnPath = new Map<string, number>();
  let node: string | undefined = start;
  while (node !== undefined && !checked.has(node)) {
    const seenAt = indexOnPath.get(node);
    if (seenAt !== undefined) {
      return path.slice(seenAt);
    }
    indexOnPath.set(node, path.length);
    path.push(node);
    node = edges.get(node);
  }
  for (const n of path) {
    checked.add(n);
  }
  return undefined;
}
