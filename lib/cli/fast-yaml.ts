/**
 * A fast reader for the plain block-style YAML that `cdk8s synth`, kubectl and most people write: block mappings
 * and sequences, single-line plain and quoted scalars, comments, `{}` and `[]`.
 *
 * Why: the `yaml` package reads under 1 MB/s on the project's 2-CPU machine, so the 7.5 MB of 10,000 Workspaces and
 * their claims took 8–12 s to parse alone (bench/validate.ts).
 * This reader never guesses: on anything outside its subset (flow collections, anchors, tags, block or multi-line
 * scalars, tabs, CRLF, duplicate keys, ...) it returns `undefined` and the caller parses the whole file with `yaml`,
 * which also reports syntax errors. Where it does answer, the result equals `yaml`'s `toJS()` with the default
 * (YAML 1.2 core) schema; test/cli/fast-yaml.test.ts checks that differentially.
 *
 * Whitespace and line breaks are YAML's, not JavaScript's: YAML separates tokens with spaces and tabs only (`s-white`)
 * and breaks lines at LF and CR only, while `trim()`, `\s` and the line terminators of regular expressions also cover
 * U+00A0, U+0085, U+2028, U+2029, U+3000, U+FEFF, ... — which are content in YAML (`a: b\u00a0` is "b\u00a0", and
 * the `yaml` package keeps U+0085 and U+2028 in scalars too). So only spaces are ever stripped or skipped here; tabs
 * (also in indentation), CR and byte order marks make the whole file go to `yaml`; a `.` in a pattern only ever makes
 * the reader decline (a comment with U+2028 in it), never changes a value.
 */

/** Thrown internally to abandon the fast path; never escapes this module. Nothing else may be thrown on any input. */
class Unsupported extends Error {}

interface Line {
  /** Column of the first non-space character. */
  indent: number;
  /** The line from `indent` on. */
  text: string;
}

const DOCUMENT_START = /^---[ ]*$/;
const DASH = 0x2d;
const SPACE = 0x20;
const HASH = 0x23;
const DOT = 0x2e;
const PERCENT = 0x25;
const COMMENT_OR_BLANK = /^[ ]*(#.*)?$/;

/**
 * The values of all documents of `src` (as `parseAllDocuments(src).map(d => d.toJS())`), or `undefined` when `src`
 * uses YAML beyond the supported subset.
 */
export function parseSimpleYaml(src: string): unknown[] | undefined {
  if (/[\t\r\uFEFF]/.test(src)) return undefined;
  const documents: Line[][] = [];
  let current: Line[] | undefined;
  for (const raw of src.split('\n')) {
    const first = raw.charCodeAt(0);
    if (first === DASH && DOCUMENT_START.test(raw)) {
      current = [];
      documents.push(current);
      continue;
    }
    if ((first === DASH && raw.startsWith('---')) || (first === DOT && raw.startsWith('...')) || first === PERCENT) return undefined;
    let indent = 0;
    while (raw.charCodeAt(indent) === SPACE) indent++;
    if (indent === raw.length || raw.charCodeAt(indent) === HASH) continue; // blank or comment
    if (!current) {
      // Content before the first `---` is a document of its own; comments alone are not.
      current = [];
      documents.push(current);
    }
    current.push({ indent, text: raw.slice(indent) });
  }
  try {
    return documents.map(parseDocument);
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
}

function parseDocument(lines: Line[]): unknown {
  if (lines.length === 0) return null;
  if (lines[0].indent !== 0) throw new Unsupported();
  const reader = new Reader(lines);
  const value = isSequenceItem(lines[0].text) ? reader.sequence(0) : reader.mapping(0);
  if (!reader.done()) throw new Unsupported();
  return value;
}

function isSequenceItem(text: string): boolean {
  return text.charCodeAt(0) === DASH && (text.length === 1 || text.charCodeAt(1) === SPACE);
}

/**
 * Deepest nesting of collections read here. Manifests nest ~15 deep; far deeper input is left to `yaml`, which
 * reports it (RESOURCE_EXHAUSTION, ~900 levels) where this reader would either disagree or overflow the stack.
 */
const MAX_DEPTH = 100;

class Reader {
  private pos = 0;
  /** Collections being read; any throw abandons the reader, so only returns need to count down. */
  private depth = 0;

  constructor(private readonly lines: Line[]) {}

  done(): boolean {
    return this.pos >= this.lines.length;
  }

  private peek(): Line | undefined {
    return this.lines[this.pos];
  }

  mapping(indent: number): Record<string, unknown> {
    if (++this.depth > MAX_DEPTH) throw new Unsupported();
    const out: Record<string, unknown> = {};
    for (let line = this.peek(); line && line.indent === indent && !isSequenceItem(line.text); line = this.peek()) {
      const { key, rest } = splitKey(line.text);
      if (Object.prototype.hasOwnProperty.call(out, key)) throw new Unsupported(); // `yaml` reports duplicates
      this.pos++;
      out[key] = rest === undefined ? this.nested(indent, true) : this.inline(rest, indent);
    }
    const next = this.peek();
    if (next && next.indent >= indent) throw new Unsupported();
    this.depth--;
    return out;
  }

  sequence(indent: number): unknown[] {
    if (++this.depth > MAX_DEPTH) throw new Unsupported();
    const out: unknown[] = [];
    for (let line = this.peek(); line && line.indent === indent && isSequenceItem(line.text); line = this.peek()) {
      if (line.text === '-') {
        this.pos++;
        out.push(this.nested(indent, false));
        continue;
      }
      const content = line.text.slice(skipSpaces(line.text, 1));
      const column = indent + line.text.length - content.length;
      if (isSequenceItem(content) || content.startsWith('#')) throw new Unsupported();
      if (startsMapping(content)) {
        // `- key: value`: a mapping whose keys sit at the column after the dash; read the rest of the line as its
        // first line.
        this.lines[this.pos] = { indent: column, text: content };
        out.push(this.mapping(column));
      } else {
        this.pos++;
        out.push(this.inline(content, indent));
      }
    }
    const next = this.peek();
    if (next && next.indent > indent) throw new Unsupported();
    this.depth--;
    return out;
  }

  /** The block value under `key:` or `-` with nothing after it; mapping values may be indentless sequences. */
  private nested(parentIndent: number, allowIndentlessSequence: boolean): unknown {
    const next = this.peek();
    if (!next || next.indent < parentIndent) return null;
    if (next.indent === parentIndent) {
      return allowIndentlessSequence && isSequenceItem(next.text) ? this.sequence(parentIndent) : null;
    }
    return isSequenceItem(next.text) ? this.sequence(next.indent) : this.mapping(next.indent);
  }

  /** A value written on the same line; a more indented next line would continue it (multi-line scalar). */
  private inline(text: string, parentIndent: number): unknown {
    const value = scalar(text);
    const next = this.peek();
    if (next && next.indent > parentIndent) throw new Unsupported();
    return value;
  }
}

/** Whether `text` starts with `key:` (then space or end of line). */
function startsMapping(text: string): boolean {
  if (text.startsWith('"') || text.startsWith("'")) {
    const end = quotedEnd(text);
    return end !== undefined && isKeyEnd(text, end);
  }
  return plainKeyEnd(text) !== undefined;
}

function isKeyEnd(text: string, i: number): boolean {
  return text[i] === ':' && (i + 1 === text.length || text[i + 1] === ' ');
}

/** Index of the `:` ending a plain key, or undefined. */
function plainKeyEnd(text: string): number | undefined {
  let colon = text.indexOf(': ');
  if (colon === -1) {
    if (!text.endsWith(':')) return undefined;
    colon = text.length - 1;
  }
  const hash = text.indexOf(' #');
  return hash !== -1 && hash < colon ? undefined : colon;
}

/** `key: rest` ⇒ key and the text after `: ` (undefined when nothing but maybe a comment follows). */
function splitKey(text: string): { key: string; rest?: string } {
  let key: string;
  let colon: number;
  if (text.startsWith('"') || text.startsWith("'")) {
    const end = quotedEnd(text);
    if (end === undefined || !isKeyEnd(text, end)) throw new Unsupported();
    key = unquote(text.slice(0, end));
    colon = end;
  } else {
    const end = plainKeyEnd(text);
    if (end === undefined) throw new Unsupported();
    key = text.slice(0, end);
    // Keys that resolve to non-strings, or that `yaml` treats specially, are left to `yaml`.
    if (key.endsWith(' ') || INDICATOR.test(key) || plainScalar(key) !== key || key === '<<') throw new Unsupported();
    colon = end;
  }
  // `yaml` refuses implicit keys over 1024 characters; `__proto__` would set the prototype of a plain object.
  if (key === '__proto__' || colon > 1024) throw new Unsupported();
  const rest = text.slice(skipSpaces(text, colon + 1));
  return rest === '' || rest.startsWith('#') ? { key } : { key, rest };
}

/** Characters that cannot start a plain scalar (or make it something else). */
const INDICATOR = /^[-?:,[\]{}#&*!|>'"%@`]/;

function scalar(text: string): unknown {
  if (text.startsWith('"') || text.startsWith("'")) {
    const end = quotedEnd(text);
    if (end === undefined || !COMMENT_OR_BLANK.test(text.slice(end))) throw new Unsupported();
    // `"a" #c` is fine, `"a"#c` is not YAML
    if (end < text.length && text[end] !== ' ') throw new Unsupported();
    return unquote(text.slice(0, end));
  }
  const body = stripComment(text);
  if (body === '{}') return {};
  if (body === '[]') return [];
  // `-1` and `-x` are plain scalars; `- x`, `-`, `? x`, `: x` are structure.
  if (INDICATOR.test(body) && !(body[0] === '-' && body.length > 1 && body[1] !== ' ')) throw new Unsupported();
  if (body.includes(': ') || body.endsWith(':')) throw new Unsupported();
  return plainScalar(body);
}

function stripComment(text: string): string {
  const hash = text.indexOf(' #');
  return trimSpacesEnd(hash === -1 ? text : text.slice(0, hash));
}

/** Index of the first character at or after `from` that is not a space (tabs never get here). */
function skipSpaces(text: string, from: number): number {
  let i = from;
  while (text.charCodeAt(i) === SPACE) i++;
  return i;
}

/** `text` without trailing spaces (and nothing else). */
function trimSpacesEnd(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === SPACE) end--;
  return text.slice(0, end);
}

/** Index just after the closing quote of the quoted scalar at the start of `text`, or undefined. */
function quotedEnd(text: string): number | undefined {
  const q = text[0];
  for (let i = 1; i < text.length; i++) {
    if (q === '"' && text[i] === '\\') {
      i++;
    } else if (text[i] === q) {
      if (q === "'" && text[i + 1] === "'") {
        i++;
      } else {
        return i + 1;
      }
    }
  }
  return undefined;
}

const SIMPLE_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '0': '\0' };
const HEX_ESCAPE_LENGTH: Record<string, number> = { x: 2, u: 4, U: 8 };
const MAX_CODE_POINT = 0x10ffff;

function unquote(quoted: string): string {
  const body = quoted.slice(1, -1);
  if (quoted[0] === "'") return body.replace(/''/g, "'");
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    if (e in SIMPLE_ESCAPES) {
      out += SIMPLE_ESCAPES[e];
    } else if (e in HEX_ESCAPE_LENGTH) {
      const hex = body.slice(i + 1, i + 1 + HEX_ESCAPE_LENGTH[e]);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== HEX_ESCAPE_LENGTH[e]) throw new Unsupported();
      const codePoint = parseInt(hex, 16);
      // `\U00110000` and above are no code point: `yaml` reports an invalid escape, `fromCodePoint` would throw.
      if (codePoint > MAX_CODE_POINT) throw new Unsupported();
      out += String.fromCodePoint(codePoint);
      i += hex.length;
    } else {
      throw new Unsupported();
    }
  }
  return out;
}

// The YAML 1.2 core schema's resolution of plain scalars, in the order `yaml` tries the tags.
const NULL_RE = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL_RE = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const OCT_RE = /^0o[0-7]+$/;
const INT_RE = /^[-+]?[0-9]+$/;
const HEX_RE = /^0x[0-9a-fA-F]+$/;
const INF_NAN_RE = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const EXP_RE = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT_RE = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/** First characters of the scalars that resolve to something other than a string (`''` is null). */
const NON_STRING_START = new Set('~nNtTfF0123456789-+.');

function plainScalar(s: string): unknown {
  if (s !== '' && !NON_STRING_START.has(s[0])) return s; // most values: names, images, paths
  if (NULL_RE.test(s)) return null;
  if (BOOL_RE.test(s)) return s[0] === 't' || s[0] === 'T';
  if (OCT_RE.test(s)) return parseInt(s.slice(2), 8);
  if (INT_RE.test(s)) return parseInt(s, 10);
  if (HEX_RE.test(s)) return parseInt(s.slice(2), 16);
  if (INF_NAN_RE.test(s)) {
    if (s.endsWith('nan') || s.endsWith('NaN') || s.endsWith('NAN')) return NaN;
    return s[0] === '-' ? -Infinity : Infinity;
  }
  if (EXP_RE.test(s) || FLOAT_RE.test(s)) return parseFloat(s);
  return s;
}
