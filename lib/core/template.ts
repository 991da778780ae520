/**
 * The restricted Go `text/template` language of `extraEnv[].value` (docs/upstream-behavior.md §1.5).
 *
 * Upstream renders the value with Go's full `text/template` and one custom function, `httpPathPrefix(portId)`. We
 * accept a deliberate subset, shared by the webhook rules (validation) and the reconciler (rendering), so both always
 * agree on what is valid:
 *
 *  - literal text (anything outside `{{ ... }}`, including a lone `}}` or `{`);
 *  - actions `{{ httpPathPrefix "<port id>" }}` with any whitespace (spaces, tabs, newlines) inside the delimiters;
 *  - actions that are a single string literal, `{{ "text" }}` or ``{{ `raw text` }}``, with Go's escapes
 *    (`\a \b \f \n \r \t \v \\ \"`, octal `\ooo`, `\xhh`, `\uhhhh`, `\Uhhhhhhhh`; byte escapes must be ASCII, since a
 *    JavaScript string cannot hold raw bytes);
 *  - trim markers `{{- ` and ` -}}`, which remove the whitespace before / after the action as in Go.
 *
 * Everything else Go would accept (pipelines, fields, variables, comments, `if`/`range`, built-ins such as `printf`)
 * is rejected with a parse error that names what was found. As in Go, the arity of `httpPathPrefix` is checked when
 * the template is executed, so `{{ httpPathPrefix }}` parses but fails to execute.
 */

import { goQuote } from './validation/quote';

import { ApiRevision, DEFAULT_API_REVISION } from './revision';

export type TemplateNode =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'httpPathPrefix'; readonly args: readonly string[] };

export interface ParsedTemplate {
  readonly raw: string;
  readonly nodes: readonly TemplateNode[];
}

export class TemplateError extends Error {
  constructor(
    readonly phase: 'parse' | 'execute',
    readonly raw: string,
    readonly reason: string,
  ) {
    super(`failed to ${phase} template ${goQuote(raw)}: ${reason}`);
    this.name = 'TemplateError';
  }
}

/**
 * What `httpPathPrefix` returns for a port of the selected image: `/workspace/<ns>/<ws>/<portId>/` at fd7a3d8e
 * (docs/upstream-behavior.md §1.5), the connect path `/workspace/connect/<ns>/<ws>/<portId>/` at v2.0.0-beta.0
 * (docs/upstream-v2-beta.md §4.6).
 */
export function workspacePathPrefix(
  namespace: string,
  workspaceName: string,
  portId: string,
  revision: ApiRevision = DEFAULT_API_REVISION,
): string {
  const root = revision === ApiRevision.V2_0_0_BETA_0 ? '/workspace/connect' : '/workspace';
  return `${root}/${namespace}/${workspaceName}/${portId}/`;
}

const FUNCTION_NAME = 'httpPathPrefix';

// Go's own built-in functions and keywords: valid Go, but outside our subset (reported as unsupported, not undefined).
const GO_BUILTINS = new Set([
  'and', 'call', 'html', 'index', 'slice', 'js', 'len', 'not', 'or', 'print', 'printf', 'println', 'urlquery',
  'eq', 'ge', 'gt', 'le', 'lt', 'ne',
]);
const GO_KEYWORDS = new Set([
  'block', 'break', 'continue', 'define', 'else', 'end', 'if', 'range', 'template', 'with', 'nil', 'true', 'false',
]);

const SUPPORTED = `only literal text, {{ ${FUNCTION_NAME} "<port id>" }} and string literals are supported`;

class ParseFailure extends Error {}

function isSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

function isIdentStart(ch: string): boolean {
  return /^[\p{L}_]$/u.test(ch);
}

function isIdentPart(ch: string): boolean {
  return /^[\p{L}\p{Nd}_]$/u.test(ch);
}

type Token = { readonly kind: 'ident'; readonly text: string } | { readonly kind: 'string'; readonly value: string };

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"',
};

/** Decodes the body of a Go interpreted string literal (without its quotes). */
function unquoteInterpreted(body: string, literal: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const esc = body[i + 1];
    const simple = SIMPLE_ESCAPES[esc];
    if (simple !== undefined) {
      out += simple;
      i += 1;
      continue;
    }
    let digits: string;
    let radix: number;
    if (esc === 'x' || esc === 'u' || esc === 'U') {
      const width = esc === 'x' ? 2 : esc === 'u' ? 4 : 8;
      digits = body.slice(i + 2, i + 2 + width);
      radix = 16;
      if (digits.length !== width || !/^[0-9a-fA-F]+$/.test(digits)) {
        throw new ParseFailure(`invalid escape sequence \\${esc}${digits} in string literal ${literal}`);
      }
      i += 1 + width;
    } else if (esc !== undefined && esc >= '0' && esc <= '7') {
      digits = body.slice(i + 1, i + 4);
      radix = 8;
      if (!/^[0-7]{3}$/.test(digits)) {
        throw new ParseFailure(`invalid escape sequence \\${digits} in string literal ${literal}`);
      }
      i += 3;
    } else {
      throw new ParseFailure(`unknown escape sequence \\${esc ?? ''} in string literal ${literal}`);
    }
    const value = parseInt(digits, radix);
    const isByteEscape = esc === 'x' || radix === 8;
    if (isByteEscape && value > 0x7f) {
      throw new ParseFailure(`non-ASCII byte escape \\${esc === 'x' ? 'x' : ''}${digits} in string literal ${literal} is not supported`);
    }
    if (value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) {
      throw new ParseFailure(`invalid Unicode code point \\${esc}${digits} in string literal ${literal}`);
    }
    out += String.fromCodePoint(value);
  }
  return out;
}

/** Names a construct we do not support, reading it from `raw` at `pos`; returns the message. */
function describeUnsupported(raw: string, pos: number): string {
  const ch = raw[pos];
  const word = (re: RegExp): string => re.exec(raw.slice(pos))![0];
  if (ch === '|') {
    return `unsupported pipeline "|" in action; ${SUPPORTED}`;
  }
  if (ch === '(' || ch === ')') {
    return `unsupported parenthesized expression ${goQuote(ch)} in action; ${SUPPORTED}`;
  }
  if (ch === '.' || ch === '$') {
    return `unsupported field or variable ${goQuote(word(/^[.$][\p{L}\p{Nd}_.$]*/u))} in action; ${SUPPORTED}`;
  }
  if (/[0-9]/.test(ch) || ((ch === '-' || ch === '+') && /[0-9.]/.test(raw[pos + 1] ?? ''))) {
    return `unsupported number ${goQuote(word(/^[-+]?[0-9a-zA-Z_.+-]*/))} in action; ${SUPPORTED}`;
  }
  if (ch === "'") {
    return `unsupported character constant ${goQuote(word(/^'(\\.|[^'\\])*'?/))} in action; ${SUPPORTED}`;
  }
  if (ch === ':' || ch === '=' || ch === ',') {
    return `unsupported variable declaration ${goQuote(ch)} in action; ${SUPPORTED}`;
  }
  // Same wording as Go's parser for a stray character, e.g. the single "}" of an unterminated action.
  return `unexpected ${goQuote(String.fromCodePoint(raw.codePointAt(pos)!))} in operand`;
}

/** Lexes one action starting after `{{` (and its trim marker); returns the tokens and where the action ends. */
function lexAction(raw: string, start: number): { tokens: Token[]; end: number; trimAfter: boolean } {
  const tokens: Token[] = [];
  let pos = start;
  for (;;) {
    if (isSpace(raw[pos]) && raw[pos + 1] === '-' && raw.startsWith('}}', pos + 2)) {
      return { tokens, end: pos + 4, trimAfter: true };
    }
    if (raw.startsWith('}}', pos)) {
      return { tokens, end: pos + 2, trimAfter: false };
    }
    if (pos >= raw.length) {
      throw new ParseFailure('unclosed action');
    }
    const ch = raw[pos];
    if (isSpace(ch)) {
      pos += 1;
    } else if (ch === '"') {
      let end = pos + 1;
      while (end < raw.length && raw[end] !== '"' && raw[end] !== '\n') {
        end += raw[end] === '\\' && raw[end + 1] !== '\n' ? 2 : 1;
      }
      if (raw[end] !== '"') {
        throw new ParseFailure('unterminated quoted string');
      }
      const literal = raw.slice(pos, end + 1);
      tokens.push({ kind: 'string', value: unquoteInterpreted(raw.slice(pos + 1, end), literal) });
      pos = end + 1;
    } else if (ch === '`') {
      const end = raw.indexOf('`', pos + 1);
      if (end < 0) {
        throw new ParseFailure('unterminated raw quoted string');
      }
      // Go drops carriage returns from raw strings.
      tokens.push({ kind: 'string', value: raw.slice(pos + 1, end).replace(/\r/g, '') });
      pos = end + 1;
    } else if (isIdentStart(ch)) {
      let end = pos + 1;
      while (end < raw.length && isIdentPart(raw[end])) {
        end += 1;
      }
      tokens.push({ kind: 'ident', text: raw.slice(pos, end) });
      pos = end;
    } else {
      throw new ParseFailure(describeUnsupported(raw, pos));
    }
  }
}

function actionNode(tokens: readonly Token[]): TemplateNode {
  if (tokens.length === 0) {
    throw new ParseFailure('missing value for command');
  }
  const [head, ...rest] = tokens;
  if (head.kind === 'string') {
    if (rest.length > 0) {
      throw new ParseFailure(`unsupported arguments after string literal ${goQuote(head.value)}; ${SUPPORTED}`);
    }
    return { kind: 'literal', value: head.value };
  }
  if (head.text !== FUNCTION_NAME) {
    if (GO_BUILTINS.has(head.text) || GO_KEYWORDS.has(head.text)) {
      throw new ParseFailure(`unsupported ${GO_KEYWORDS.has(head.text) ? 'keyword' : 'function'} ${goQuote(head.text)}; ${SUPPORTED}`);
    }
    throw new ParseFailure(`function ${goQuote(head.text)} not defined`);
  }
  const args: string[] = [];
  for (const arg of rest) {
    if (arg.kind !== 'string') {
      throw new ParseFailure(`unsupported argument ${goQuote(arg.text)} to ${FUNCTION_NAME}; ${SUPPORTED}`);
    }
    args.push(arg.value);
  }
  return { kind: FUNCTION_NAME, args };
}

function parseUncached(raw: string): ParsedTemplate {
  const nodes: TemplateNode[] = [];
  let pos = 0;
  let trimNext = false;
  for (;;) {
    const open = raw.indexOf('{{', pos);
    let text = raw.slice(pos, open < 0 ? raw.length : open);
    if (trimNext) {
      text = text.replace(/^[ \t\r\n]+/, '');
    }
    if (open < 0) {
      if (text) nodes.push({ kind: 'text', text });
      return { raw, nodes };
    }
    let actionStart = open + 2;
    if (raw[actionStart] === '-' && isSpace(raw[actionStart + 1])) {
      text = text.replace(/[ \t\r\n]+$/, '');
      actionStart += 2;
    }
    if (text) nodes.push({ kind: 'text', text });
    if (raw.startsWith('/*', actionStart)) {
      throw new ParseFailure(`unsupported comment; ${SUPPORTED}`);
    }
    const { tokens, end, trimAfter } = lexAction(raw, actionStart);
    nodes.push(actionNode(tokens));
    pos = end;
    trimNext = trimAfter;
  }
}

// Many Workspaces share a Kind, so the same few values are parsed over and over; errors are cached too.
const CACHE_LIMIT = 512;
const cache = new Map<string, ParsedTemplate | TemplateError>();

/** Parses `raw`; throws {@link TemplateError} (phase `parse`) if it is outside the supported subset. */
export function parseTemplate(raw: string): ParsedTemplate {
  let entry = cache.get(raw);
  if (entry === undefined) {
    try {
      entry = parseUncached(raw);
    } catch (e) {
      if (!(e instanceof ParseFailure)) throw e;
      entry = new TemplateError('parse', raw, e.message);
    }
    if (cache.size >= CACHE_LIMIT) {
      cache.delete(cache.keys().next().value!);
    }
  } else {
    cache.delete(raw); // re-inserted below: keeps the most recently used entries
  }
  cache.set(raw, entry);
  if (entry instanceof TemplateError) {
    throw entry;
  }
  return entry;
}

/** Renders `raw` with the given `httpPathPrefix`; throws {@link TemplateError} on parse or execution failure. */
export function renderTemplate(raw: string, httpPathPrefix: (portId: string) => string): string {
  let out = '';
  for (const node of parseTemplate(raw).nodes) {
    if (node.kind === 'text') {
      out += node.text;
    } else if (node.kind === 'literal') {
      out += node.value;
    } else {
      if (node.args.length !== 1) {
        throw new TemplateError('execute', raw, `wrong number of args for ${FUNCTION_NAME}: want 1 got ${node.args.length}`);
      }
      try {
        out += httpPathPrefix(node.args[0]);
      } catch (e) {
        throw new TemplateError('execute', raw, `error calling ${FUNCTION_NAME}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
  return out;
}
