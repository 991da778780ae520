/**
 * Go's `strconv.Quote` (the `%q` verb), which the API server and the upstream webhooks use to print strings in errors.
 * It differs from `JSON.stringify` on control characters (`\x01` instead of `\u0001`), DEL and other non-printable
 * runes (`\u00a0`), and `\a`/`\v`, which JSON has no short escape for.
 */

// Approximates Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

const SHORT_ESCAPES: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '"': '\\"',
  '\\': '\\\\',
};

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

export function goQuote(s: string): string {
  // Fast path: plain printable ASCII without quotes or backslashes needs no escaping.
  if (/^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/.test(s)) {
    return `"${s}"`;
  }
  let out = '"';
  for (const ch of s) {
    const short = SHORT_ESCAPES[ch];
    if (short !== undefined) {
      out += short;
      continue;
    }
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) {
      // A lone surrogate becomes U+FFFD when encoded to UTF-8, which is what Go would then see and print.
      out += '\ufffd';
    } else if (PRINTABLE.test(ch)) {
      out += ch;
    } else if (cp < 0x80) {
      out += `\\x${hex(cp, 2)}`;
    } else if (cp < 0x10000) {
      out += `\\u${hex(cp, 4)}`;
    } else {
      out += `\\U${hex(cp, 8)}`;
    }
  }
  return out + '"';
}
