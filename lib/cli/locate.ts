/**
 * Maps a violation's field path to the line of the YAML node it names, so that annotations land on the offending
 * line. Both path forms of the core are understood: schema paths with list indices (`ports[0].id`) and webhook
 * paths with list-map keys (`values[jupyterlab_scipy_180].spec.image`); map keys may contain dots
 * (`app.kubernetes.io/name`). When part of the path does not exist in the document (a required field is missing),
 * the line of the deepest existing ancestor is used.
 */

import { LineLookup, PositionNode } from './positions';

/** Item fields that key the list-maps of both CRDs (`x-kubernetes-list-map-keys`) and of the webhook's paths. */
const LIST_MAP_KEYS = ['id', 'name', 'mountPath', 'key'];

/** The pairs of a mapping, then those it merges in (`<<: *anchor` or `<<: [*a, *b]`), as the value reads them. */
function pairsOf(node: PositionNode & { kind: 'mapping' }): { key: PositionNode; value: PositionNode }[] {
  const own = node.pairs.filter((p) => !(p.key.kind === 'scalar' && p.key.text === '<<'));
  const merged = node.pairs
    .filter((p) => p.key.kind === 'scalar' && p.key.text === '<<')
    .flatMap((p) => (p.value.kind === 'sequence' ? p.value.items : [p.value]))
    .flatMap((m) => (m.kind === 'mapping' ? m.pairs : []));
  return [...own, ...merged];
}

export function fieldLine(root: PositionNode | undefined, lines: LineLookup, field: string | undefined): number {
  let line = lines.line(root?.offset ?? 0);
  let node: PositionNode | undefined = root;
  let rest = field ?? '';
  while (rest !== '' && node) {
    if (node.kind === 'mapping') {
      let best: { key: string; pair: { key: PositionNode; value: PositionNode } } | undefined;
      for (const pair of pairsOf(node)) {
        const key = pair.key.kind === 'scalar' ? pair.key.text : undefined;
        if (key === undefined || (best && best.key.length >= key.length)) continue;
        const after = rest[key.length];
        if (rest.startsWith(key) && (after === undefined || after === '.' || after === '[')) best = { key, pair };
      }
      if (!best) break;
      line = lines.line(best.pair.key.offset);
      node = best.pair.value;
      rest = stripDot(rest.slice(best.key.length));
    } else if (node.kind === 'sequence' && rest.startsWith('[')) {
      const close = closingBracket(rest);
      if (close === undefined) break;
      const item = seqItem(node.items, rest.slice(1, close));
      if (item === undefined) break;
      line = lines.line(item.offset);
      node = item;
      rest = stripDot(rest.slice(close + 1));
    } else {
      break;
    }
  }
  return line;
}

function stripDot(s: string): string {
  return s.startsWith('.') ? s.slice(1) : s;
}

/** The `]` that ends the bracket at the start of `s`: list-map keys may themselves contain `]` or `.`. */
function closingBracket(s: string): number | undefined {
  for (let i = 1; i < s.length; i++) {
    if (s[i] === ']' && (i + 1 === s.length || s[i + 1] === '.' || s[i + 1] === '[')) return i;
  }
  return undefined;
}

function seqItem(items: readonly PositionNode[], key: string): PositionNode | undefined {
  const byKey = items.find(
    (item) =>
      item.kind === 'mapping' &&
      pairsOf(item).some(
        (p) => p.key.kind === 'scalar' && LIST_MAP_KEYS.includes(p.key.text) && p.value.kind === 'scalar' && p.value.text === key,
      ),
  );
  if (byKey !== undefined) return byKey;
  return /^\d+$/.test(key) ? items[Number(key)] : undefined;
}
