/**
 * Line numbers for messages: where a field of a document sits in its file. What a file holds is read by ./reader.ts
 * (kubectl's own decoder); this module only walks the text of one document, as the reader delimited it, with
 * js-yaml's event parser to find the line of a node. When js-yaml cannot parse a document that go-yaml reads, the
 * document's first line is used: a line is never a reason to read differently.
 */

import { EVENT_ID, getScalarValue, parseEvents } from 'js-yaml';

/** Deepest nesting walked for line lookups; deeper documents get their first line. */
const MAX_DEPTH = 100;

/** A node of a document with its source offset: what line lookups walk (built only for files with findings). */
export type PositionNode =
  | { readonly kind: 'scalar'; readonly offset: number; readonly text: string }
  | { readonly kind: 'sequence'; readonly offset: number; readonly items: PositionNode[] }
  | { readonly kind: 'mapping'; readonly offset: number; readonly pairs: { key: PositionNode; value: PositionNode }[] };

function anchorName(source: string, ev: { anchorStart: number; anchorEnd: number }): string | undefined {
  return ev.anchorStart < 0 ? undefined : source.slice(ev.anchorStart, ev.anchorEnd);
}

/** The root node of the first document of `text` (undefined when there is none or js-yaml cannot parse it). */
export function positionTree(text: string): PositionNode | undefined {
  let events;
  try {
    events = parseEvents(text, { maxDepth: MAX_DEPTH });
  } catch {
    return undefined;
  }
  const anchors = new Map<string, PositionNode>();
  type Open = { node: PositionNode | undefined; pendingKey?: PositionNode };
  const stack: Open[] = [];
  const attach = (node: PositionNode): void => {
    const top = stack[stack.length - 1];
    if (!top) return;
    if (top.node === undefined) {
      top.node = node; // the document's root
    } else if (top.node.kind === 'sequence') {
      top.node.items.push(node);
    } else if (top.node.kind === 'mapping') {
      if (top.pendingKey === undefined) {
        top.pendingKey = node;
      } else {
        top.node.pairs.push({ key: top.pendingKey, value: node });
        top.pendingKey = undefined;
      }
    }
  };
  for (const ev of events) {
    switch (ev.type) {
      case EVENT_ID.DOCUMENT:
        stack.push({ node: undefined });
        break;
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE: {
        const node: PositionNode =
          ev.type === EVENT_ID.MAPPING ? { kind: 'mapping', offset: ev.start, pairs: [] } : { kind: 'sequence', offset: ev.start, items: [] };
        const anchor = anchorName(text, ev);
        if (anchor !== undefined) anchors.set(anchor, node);
        attach(node);
        stack.push({ node });
        break;
      }
      case EVENT_ID.SCALAR: {
        const node: PositionNode = { kind: 'scalar', offset: ev.valueStart, text: getScalarValue(text, ev) };
        const anchor = anchorName(text, ev);
        if (anchor !== undefined) anchors.set(anchor, node);
        attach(node);
        break;
      }
      case EVENT_ID.ALIAS: {
        const target = anchors.get(text.slice(ev.anchorStart, ev.anchorEnd));
        if (target) attach(target);
        break;
      }
      case EVENT_ID.POP: {
        const open = stack.pop();
        if (stack.length === 0) return open?.node;
        break;
      }
    }
  }
  return undefined;
}

/** Maps a text offset to its 1-based line. */
export interface LineLookup {
  line(offset: number): number;
}

/** Offsets at which lines start, for 1-based line numbers of offsets: LF, CRLF and a bare CR end a line. */
export class LineIndex implements LineLookup {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x0a || (c === 0x0d && text.charCodeAt(i + 1) !== 0x0a)) this.starts.push(i + 1);
    }
  }

  /** Offset at which 1-based `line` starts (the end of the text past the last line). */
  start(line: number, textLength: number): number {
    return line <= this.starts.length ? this.starts[Math.max(1, line) - 1] : textLength;
  }

  line(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }
}
