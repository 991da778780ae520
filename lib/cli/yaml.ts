/**
 * Reading manifest bytes the way kubectl, Argo CD and Flux do (sigs.k8s.io/yaml, which decodes with its go-yaml v2
 * fork and converts to JSON), with js-yaml's event parser:
 *
 *  - encodings: UTF-8 (a BOM is dropped), UTF-16 LE/BE with a BOM; invalid UTF-8 is refused with its line, never
 *    replaced;
 *  - line breaks LF, CRLF and bare CR;
 *  - YAML 1.1 scalars as go-yaml v2 resolves them (`yes`/`on` are booleans, `0755` is octal, `1:30` stays a string,
 *    timestamps stay strings), merge keys (`<<`), `!!binary` kept as its base64 text (what the JSON holds);
 *  - mapping keys become strings; duplicate keys are refused (kubectl's strict field validation refuses them too);
 *  - mappings are objects without a prototype, and `__proto__`, `constructor` and `prototype` are ordinary keys;
 *  - aliases are limited by what they produce: a document that would expand past the size limit, or nest deeper than
 *    {@link MAX_DEPTH}, is refused before anything is built, so alias bombs stop and anchors in ordinary manifests
 *    do not count against anything.
 *
 * Differences from sigs.k8s.io/yaml that remain are listed in docs/gitops.md ("How YAML is read").
 */

import {
  boolYaml11Tag,
  constructFromEvents,
  defineMappingTag,
  defineScalarTag,
  EVENT_ID,
  Event,
  FAILSAFE_SCHEMA,
  floatYaml11Tag,
  getScalarValue,
  intYaml11Tag,
  mergeTag,
  NOT_RESOLVED,
  nullYaml11Tag,
  parseEvents,
  SCALAR_STYLE,
  ScalarTagDefinition,
  Schema,
  YAMLException,
} from 'js-yaml';
import { emptyRecord } from '../core/json';

/** Deepest nesting of mappings and sequences in a document, aliases expanded (go-yaml v2 allows 10,000). */
export const MAX_DEPTH = 100;

/** Input the reader refuses; `offset` is into the decoded text, `line` 1-based when known without it. */
export class YamlReadError extends Error {
  constructor(
    message: string,
    readonly offset?: number,
    readonly line?: number,
  ) {
    super(message);
    this.name = 'YamlReadError';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Bytes to text
// ---------------------------------------------------------------------------------------------------------------

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
const UTF16LE = new TextDecoder('utf-16le', { fatal: true, ignoreBOM: false });

/** Byte offset of the first byte that is not part of a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    let n: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      n = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      n = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 3;
      min = 0x10000;
    } else {
      return i;
    }
    let cp = b & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return bytes.length;
}

/** 1-based line of byte `offset`, counting LF, CRLF and bare CR as line breaks. */
function lineOfByte(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a || (bytes[i] === 0x0d && bytes[i + 1] !== 0x0a)) line++;
  }
  return line;
}

/** The text of a manifest file, as go-yaml reads it: UTF-8, or UTF-16 with a byte order mark. */
export function decodeManifest(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return decodeUtf16(bytes.subarray(2), 'LE');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    const swapped = Buffer.from(bytes.subarray(2));
    if (swapped.length % 2 === 0) swapped.swap16();
    return decodeUtf16(swapped, 'BE');
  }
  try {
    return UTF8.decode(bytes); // drops a UTF-8 byte order mark
  } catch {
    const at = firstInvalidUtf8(bytes);
    throw new YamlReadError(`invalid UTF-8 (byte 0x${bytes[at].toString(16).padStart(2, '0')} at byte offset ${at})`, undefined, lineOfByte(bytes, at));
  }
}

function decodeUtf16(bytes: Uint8Array, order: 'LE' | 'BE'): string {
  if (bytes.length % 2 !== 0) throw new YamlReadError(`invalid UTF-16${order}: odd number of bytes`);
  try {
    return UTF16LE.decode(bytes);
  } catch {
    throw new YamlReadError(`invalid UTF-16${order}: unpaired surrogate`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Schema: go-yaml v2's resolution, JSON's shapes
// ---------------------------------------------------------------------------------------------------------------

/** A go-yaml v2 int or float: YAML 1.1's, but without base 60 (`1:30` is a string there). */
function withoutSexagesimal<T>(tag: ScalarTagDefinition<T>): ScalarTagDefinition<T> {
  return defineScalarTag(tag.tagName, {
    implicit: tag.implicit,
    implicitFirstChars: tag.implicitFirstChars,
    resolve: (source, isExplicit, tagName) => (source.includes(':') ? NOT_RESOLVED : tag.resolve(source, isExplicit, tagName)),
    identify: tag.identify,
    represent: tag.represent,
  });
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** `!!binary`: sigs.k8s.io/yaml's JSON holds it base64-encoded; kept as that text, line breaks removed. */
const binaryAsBase64Tag = defineScalarTag<string>('tag:yaml.org,2002:binary', {
  resolve: (source) => {
    const text = source.replace(/[ \t\r\n]/g, '');
    return text.length % 4 === 0 && BASE64.test(text) ? text : NOT_RESOLVED;
  },
  identify: () => false,
});

type JsonMap = Record<string, unknown>;

/** JSON object keys: sigs.k8s.io/yaml turns scalar keys into their text; a mapping or sequence key is refused. */
function keyText(key: unknown): string | undefined {
  if (key === null) return 'null';
  if (typeof key === 'object') return undefined;
  return String(key);
}

/** Mappings as objects from which no key, not even `__proto__`, reaches a prototype (see emptyRecord). */
const prototypeFreeMapTag = defineMappingTag<JsonMap>('tag:yaml.org,2002:map', {
  create: emptyRecord,
  identify: () => false,
  addPair: (map, key, value) => {
    const text = typeof key === 'string' ? key : keyText(key);
    if (text === undefined) return 'a mapping or sequence cannot be a key (JSON keys are strings)';
    map[text] = value;
    return '';
  },
  // Nothing is inherited and no value is undefined: a plain read answers "has it".
  has: (map, key) => {
    const text = typeof key === 'string' ? key : keyText(key);
    return text !== undefined && map[text] !== undefined;
  },
  keys: (map) => Object.keys(map),
  get: (map, key) => {
    const text = keyText(key);
    return text !== undefined && Object.prototype.hasOwnProperty.call(map, text) ? map[text] : null;
  },
});

const SCHEMA: Schema = FAILSAFE_SCHEMA.withTags(
  prototypeFreeMapTag,
  nullYaml11Tag,
  boolYaml11Tag,
  withoutSexagesimal(intYaml11Tag),
  withoutSexagesimal(floatYaml11Tag),
  mergeTag,
  binaryAsBase64Tag,
);

// ---------------------------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------------------------

export interface ParsedYaml {
  /** The value of each document (`null` for an empty one). */
  readonly documents: unknown[];
  /** Offset of each document's first node (or of the document itself when empty). */
  readonly documentOffsets: number[];
}

export interface ParseLimits {
  /** Most characters the documents of a file may produce, aliases expanded (scalars, plus one per node). */
  readonly maxExpandedSize: number;
}

function anchorName(source: string, ev: { anchorStart: number; anchorEnd: number }): string | undefined {
  return ev.anchorStart < 0 ? undefined : source.slice(ev.anchorStart, ev.anchorEnd);
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

interface Frame {
  size: number;
  height: number;
  readonly anchor?: string;
  readonly offset: number;
}

/**
 * Checks what the events produce before anything is built: the expanded size of the file (every alias counted as
 * a copy of its anchor) and the depth of each document. Returns each document's offset.
 */
function checkExpansion(events: readonly Event[], source: string, limits: ParseLimits): number[] {
  const anchors = new Map<string, { size: number; height: number }>();
  const stack: Frame[] = [];
  const offsets: number[] = [];
  /** What the file produces so far: one per mapping or sequence, a scalar's length, an alias its anchor's size. */
  let total = 0;
  let pendingDocument = false;
  const add = (size: number, height: number, offset: number): void => {
    total += size;
    if (total > limits.maxExpandedSize) {
      throw new YamlReadError(`aliases expand the file past the limit of ${limits.maxExpandedSize} characters`, offset);
    }
    const top = stack[stack.length - 1];
    if (top) {
      top.size += size;
      top.height = Math.max(top.height, height);
    }
  };
  const noteDocument = (offset: number): void => {
    if (pendingDocument) {
      offsets.push(offset);
      pendingDocument = false;
    }
  };
  for (const ev of events) {
    switch (ev.type) {
      case EVENT_ID.DOCUMENT:
        stack.push({ size: 0, height: 0, offset: -1 });
        pendingDocument = true;
        break;
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE:
        noteDocument(ev.start);
        total += 1;
        stack.push({ size: 1, height: 0, anchor: anchorName(source, ev), offset: ev.start });
        break;
      case EVENT_ID.SCALAR: {
        noteDocument(ev.valueStart);
        if (ev.style === SCALAR_STYLE.DOUBLE_QUOTED && source.slice(ev.valueStart, ev.valueEnd).includes('\\')) {
          // go-yaml refuses escapes of surrogates and beyond U+10FFFF; js-yaml would make lone surrogates of them.
          if (LONE_SURROGATE.test(getScalarValue(source, ev))) {
            throw new YamlReadError('invalid Unicode escape: a surrogate or a code point beyond U+10FFFF', ev.valueStart);
          }
        }
        // Within the file's own size, which is within the limit: only aliases can make the total exceed it.
        const size = Math.max(0, ev.valueEnd - ev.valueStart);
        const anchor = anchorName(source, ev);
        if (anchor !== undefined) anchors.set(anchor, { size, height: 0 });
        add(size, 0, ev.valueStart);
        break;
      }
      case EVENT_ID.ALIAS: {
        noteDocument(ev.anchorStart);
        const target = anchors.get(source.slice(ev.anchorStart, ev.anchorEnd));
        // An unknown alias is the constructor's error to report.
        if (target) add(target.size, target.height, ev.anchorStart);
        break;
      }
      case EVENT_ID.POP: {
        const frame = stack.pop();
        if (!frame || frame.offset < 0) {
          if (pendingDocument) noteDocument(source.length);
          break;
        }
        const height = frame.height + 1;
        if (height > MAX_DEPTH) throw new YamlReadError(`nested more than ${MAX_DEPTH} levels deep (aliases expanded)`, frame.offset);
        if (frame.anchor !== undefined) anchors.set(frame.anchor, { size: frame.size, height });
        const top = stack[stack.length - 1];
        if (top) {
          top.size += frame.size;
          top.height = Math.max(top.height, height);
        }
        break;
      }
    }
  }
  return offsets;
}

function fromException(err: unknown): YamlReadError {
  if (err instanceof YamlReadError) return err;
  if (err instanceof YAMLException) {
    const mark = (err as YAMLException & { mark?: { position?: number } }).mark;
    return new YamlReadError(err.reason || err.message, mark?.position);
  }
  if (err instanceof RangeError) return new YamlReadError(`too complex to read (${err.message})`);
  throw err;
}

/** The events of `text`; what {@link parseYaml} builds its values from, and line lookups read. */
export function yamlEvents(text: string): Event[] {
  try {
    return parseEvents(text, { maxDepth: MAX_DEPTH });
  } catch (err) {
    throw fromException(err);
  }
}

/** Every document of `text`; throws {@link YamlReadError} for input kubectl would not read or that is too large. */
export function parseYaml(text: string, limits: ParseLimits): ParsedYaml {
  const events = yamlEvents(text);
  try {
    const documentOffsets = checkExpansion(events, text, limits);
    const documents = constructFromEvents(events, { source: text, schema: SCHEMA, maxTotalMergeKeys: -1, maxAliases: -1 });
    return { documents, documentOffsets };
  } catch (err) {
    throw fromException(err);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Positions, for line numbers in messages
// ---------------------------------------------------------------------------------------------------------------

/** A node of a document with its source offset: what line lookups walk (built only for files with findings). */
export type PositionNode =
  | { readonly kind: 'scalar'; readonly offset: number; readonly text: string }
  | { readonly kind: 'sequence'; readonly offset: number; readonly items: PositionNode[] }
  | { readonly kind: 'mapping'; readonly offset: number; readonly pairs: { key: PositionNode; value: PositionNode }[] };

/** The root node of each document of `text` (undefined for an empty document); aliases point at their anchor's node. */
export function positionTrees(text: string): (PositionNode | undefined)[] {
  const events = yamlEvents(text);
  const roots: (PositionNode | undefined)[] = [];
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
        if (stack.length === 0) roots.push(open?.node);
        break;
      }
    }
  }
  return roots;
}

/** Offsets at which lines start (LF, CRLF and bare CR end a line), for 1-based line numbers of offsets. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x0a || (c === 0x0d && text.charCodeAt(i + 1) !== 0x0a)) this.starts.push(i + 1);
    }
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
