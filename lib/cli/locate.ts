/**
 * Maps a violation's field path to the line of the YAML node it names, so that annotations land on the offending
 * line. Both path forms of the core are understood: schema paths with list indices (`ports[0].id`) and webhook
 * paths with list-map keys (`values[jupyterlab_scipy_180].spec.image`); map keys may contain dots
 * (`app.kubernetes.io/name`). When part of the path does not exist in the document (a required field is missing),
 * the line of the deepest existing ancestor is used.
 */

import { Document, isMap, isScalar, isSeq, LineCounter, Node } from 'yaml';

/** Item fields that key the list-maps of both CRDs (`x-kubernetes-list-map-keys`) and of the webhook's paths. */
const LIST_MAP_KEYS = ['id', 'name', 'mountPath', 'key'];

export function documentLine(doc: Document, lineCounter: LineCounter): number {
  const offset = (doc.contents as Node | null)?.range?.[0] ?? doc.range?.[0] ?? 0;
  return lineCounter.linePos(offset).line;
}

export function fieldLine(doc: Document, lineCounter: LineCounter, field: string | undefined): number {
  let line = documentLine(doc, lineCounter);
  let node: unknown = doc.contents;
  let rest = field ?? '';
  while (rest !== '' && node) {
    if (isMap(node)) {
      let best: { key: string; pair: (typeof node.items)[number] } | undefined;
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (key === undefined || (best && best.key.length >= key.length)) continue;
        const after = rest[key.length];
        if (rest.startsWith(key) && (after === undefined || after === '.' || after === '[')) best = { key, pair };
      }
      if (!best) break;
      line = lineOf(best.pair.key as Node, lineCounter) ?? line;
      node = best.pair.value;
      rest = stripDot(rest.slice(best.key.length));
    } else if (isSeq(node) && rest.startsWith('[')) {
      const close = closingBracket(rest);
      if (close === undefined) break;
      const item = seqItem(node.items, rest.slice(1, close));
      if (item === undefined) break;
      line = lineOf(item as Node, lineCounter) ?? line;
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

function seqItem(items: unknown[], key: string): unknown {
  const byKey = items.find(
    (item) =>
      isMap(item) &&
      item.items.some((p) => isScalar(p.key) && LIST_MAP_KEYS.includes(String(p.key.value)) && isScalar(p.value) && String(p.value.value) === key),
  );
  if (byKey !== undefined) return byKey;
  return /^\d+$/.test(key) ? items[Number(key)] : undefined;
}

function lineOf(node: Node | null | undefined, lineCounter: LineCounter): number | undefined {
  const offset = node?.range?.[0];
  return offset === undefined ? undefined : lineCounter.linePos(offset).line;
}
