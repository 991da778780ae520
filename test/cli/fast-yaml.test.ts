import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments, stringify } from 'yaml';
import { parseSimpleYaml } from '../../lib/cli/fast-yaml';
import { sampleKind, sampleWorkspace, webhookKind } from '../core/fixtures';

const ROOT = path.join(__dirname, '..', '..');

function viaYaml(src: string): { values: unknown[]; errors: number } {
  const docs = Array.from(parseAllDocuments(src) as Iterable<{ toJS(): unknown; errors: unknown[] }>);
  return { values: docs.map((d) => d.toJS()), errors: docs.reduce((n, d) => n + d.errors.length, 0) };
}

/** The fast reader either declines or agrees with `yaml` exactly, and never accepts what `yaml` rejects. */
function expectAgreement(src: string): unknown[] | undefined {
  const fast = parseSimpleYaml(src);
  if (fast !== undefined) {
    const slow = viaYaml(src);
    expect(slow.errors).toBe(0);
    expect(fast).toEqual(slow.values);
  }
  return fast;
}

describe('fast YAML reader', () => {
  test.each([
    ['empty', '', true],
    ['newline only', '\n', true],
    ['comment only', '# c\n', true],
    ['one empty document', '---\n', true],
    ['trailing empty document', 'a: 1\n---\n', true],
    ['leading marker', '---\na: 1\n', true],
    ['two empty documents', '---\n---\n', true],
    ['comment after marker', 'a: 1\n---\n# only comment\n', true],
    ['comment before marker', '# head\n---\na: 1', true],
    ['marker with spaces', '---  \na: 1\n', true],
    ['indentless sequence', 'a:\n- 1\n- 2\nb: x', true],
    ['nested', 'a:\n  b:\n    c: d\n  e:\n    - f\n    - g: h\n      i: j\n', true],
    ['compact mapping with indentless sequence', '- name: x\n  items:\n  - a\n  - b\n  other: 1\n', true],
    ['sequence of sequences (declined)', '- - a\n', false],
    ['dash then nested', '-\n  a: 1\n-\n- b\n', true],
    ['scalars of the core schema', 'a: ~\nb: null\nc: Null\nd: NULL\ne:\nf: true\ng: False\nh: 0o17\ni: 0x1F\nj: -12\nk: +5\nl: 1.5\nm: .5\nn: 1e3\no: -.inf\np: .NaN\nq: 010\nr: 1.\ns: yes\nt: 12345678901234567890\nu: 0.0\n', true],
    ['strings that look special', 'a: -x\nb: x:y\nc: http://x/#y\nd: a#b\ne: .hidden\nf: tru\ng: nulls\nh: 1.2.3\ni: 0b101\n', true],
    ['comments after values', 'a: b # c\nd: "e" # f\ng: [] # h\nk: # only comment\n  l: m\n', true],
    ['quoted scalars', `a: "x\\"y\\\\z\\n\\t\\u00e9\\x41\\U0001F600"\nb: 'it''s'\nc: ""\nd: ''\n"e f": 1\n'g': 2\n`, true],
    ['quoted scalars with unsupported escapes (declined)', 'a: "\\e"\n', false],
    ['empty flow collections', 'a: {}\nb: []\nc:\n  - {}\n  - []\n', true],
    ['flow sequence (declined)', 'a: [1]\n', false],
    ['flow mapping (declined)', 'a: {b: 1}\n', false],
    ['anchors (declined)', 'a: &x 1\nb: *x\n', false],
    ['tags (declined)', 'a: !!str 1\n', false],
    ['block scalar (declined)', 'a: |\n  x\n  y\n', false],
    ['multi-line plain scalar (declined)', 'x:\n  y\n  z', false],
    ['multi-line plain value (declined)', 'x: y\n  z\n', false],
    ['duplicate key (declined: yaml reports an error)', 'a: 1\na: 2', false],
    ['nested mapping on one line (declined: yaml reports an error)', 'a: b: c', false],
    ['dash as value (declined: yaml reports an error)', 'a: -\n', false],
    ['dash item as value (declined: yaml reports an error)', 'a: - b', false],
    ['flow sequence not closed (declined: yaml reports an error)', 'a: [1\n', false],
    ['bad indentation (declined: yaml reports an error)', 'a: 1 #x\n  b: 2', false],
    ['tabs (declined)', 'a:\n\tb: 1\n', false],
    ['CRLF (declined)', 'a: 1\r\nb: 2\r\n', false],
    ['top-level scalar (declined)', 'just text\n', false],
    ['top-level sequence', '- a\n- b: c\n', true],
    ['indented root (declined)', '  a: 1\n', false],
    ['numeric and boolean keys (declined)', '1: a\ntrue: b\n', false],
    ['proto key (declined)', '__proto__: 1\n', false],
    ['merge key (declined)', 'a:\n  x: 1\nb:\n  <<: 1\n', false],
    ['document end marker (declined)', 'a: 1\n...\n', false],
    ['directive (declined)', '%YAML 1.2\n---\na: 1\n', false],
    ['key with spaces and dots', 'app.kubernetes.io/name: x\nsome key: y\n', true],
    ['key with a colon inside', 'a:b: 1\nhttp://x: 2\n', true],
    ['key followed by space before colon (declined)', 'a : 1\n', false],
    ['dedent to a deeper column than the parent (declined: yaml reports an error)', 'a:\n    b: 1\n  c: 2\n', false],
    ['sequence item continuation at odd column (declined: yaml reports an error)', '- a: 1\n   b: 2\n', false],
    ['comment inside a block', 'a:\n  # note\n  b: 1\n# top\nc: 2\n', true],
    ['quoted value followed by text (declined: yaml reports an error)', 'a: "b"c\n', false],
    ['unclosed quote (declined: yaml reports an error)', 'a: "b\n', false],
    ['colon in quoted key', '"a: b": c\n', true],
  ])('%s', (_name, src, read) => {
    const fast = expectAgreement(src);
    expect(fast !== undefined).toBe(read);
  });

  test('reads what cdk8s and the yaml package write, and the repository manifests', () => {
    const objects = [sampleKind(), sampleWorkspace(), webhookKind()];
    // cdk8s writes with lineWidth 0 (no folded lines)
    expect(expectAgreement(objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n'))).toHaveLength(3);
    expectAgreement(objects.map((o) => stringify(o)).join('---\n'));
    expect(expectAgreement(fs.readFileSync(path.join(ROOT, 'test/fixtures/jupyterlab_v1beta1_workspace.yaml'), 'utf8'))).toHaveLength(1);
    // Block scalars: the yaml package reads this one.
    expect(expectAgreement(fs.readFileSync(path.join(ROOT, 'test/fixtures/jupyterlab_v1beta1_workspacekind.yaml'), 'utf8'))).toBeUndefined();
  });

  test('declines documents of any kind that use YAML beyond its subset, so the whole file goes to yaml', () => {
    expect(parseSimpleYaml('a: 1\n---\nb: |\n  x\n')).toBeUndefined();
  });
});

/**
 * Characters JavaScript counts as whitespace or line terminators (`trim()`, `\s`, `.`), or that YAML 1.1 did, but
 * that YAML 1.2 (and the `yaml` package) read as content; plus the ones YAML does treat as whitespace or breaks.
 */
const TRICKY_CHARACTERS: Record<string, string> = {
  'NBSP U+00A0': '\u00a0',
  'NEL U+0085': '\u0085',
  'LINE SEPARATOR U+2028': '\u2028',
  'PARAGRAPH SEPARATOR U+2029': '\u2029',
  'IDEOGRAPHIC SPACE U+3000': '\u3000',
  'OGHAM SPACE U+1680': '\u1680',
  'EN QUAD U+2000': '\u2000',
  'NARROW NBSP U+202F': '\u202f',
  'MEDIUM MATHEMATICAL SPACE U+205F': '\u205f',
  'ZERO WIDTH SPACE U+200B': '\u200b',
  'BOM U+FEFF': '\ufeff',
  'VT U+000B': '\u000b',
  'FF U+000C': '\u000c',
  'NUL': '\u0000',
  'DEL': '\u007f',
  'TAB': '\t',
  'CR': '\r',
  'CRLF': '\r\n',
  'space': ' ',
};

/** Where a character can sit: `@` is replaced by it. */
const TRICKY_PLACES = [
  'a: b@\n', 'a: @b\n', 'a: @\n', 'a:@b\n', 'a: b@c\n', 'a@: b\n', '@a: b\n', 'a@b: c\n',
  '- x@\n', '- @x\n', '-@x\n', '- a: b@\n  c: d\n', '- @a: b\n',
  'a: b@ #c\n', 'a: b @#c\n', 'a: b@#c\n', 'a: b # c@\n', 'a: b #@\n', '# c@\na: b\n',
  'a: "b"@\n', 'a: "b" @#c\n', 'a: "b" # c@d\n', "a: '@b@'\n", 'a: "@b@"\n', '"a@": b\n',
  'a: 1@\n', 'a: @1\n', 'a: true@\n', 'a: null@\n', 'a: ~@\n', 'a: .5@\n',
  'a: {}@\n', 'a: []@\n', 'a: b:@c\n', 'a: b@: c\n',
  'a:\n  b: c@\n  d: e\n', 'a:\n@  b: c\n', 'a:\n  b: c\n@\n  d: e\n', 'a:\n  b: c\n@  d: e\n',
  '@\na: b\n', 'a: b\n@', 'a: b@c: d\n', 'a: b\n@---\nc: d\n', 'a: b\n---@\nc: d\n', 'a: b\n---\n@c: d\n',
  '---@a: b\n',
];

describe('fast YAML reader: whitespace and line breaks are YAML\'s, not JavaScript\'s', () => {
  const cases = Object.entries(TRICKY_CHARACTERS).flatMap(([name, c]) =>
    TRICKY_PLACES.map((place): [string, string] => [`${name} in ${JSON.stringify(place)}`, place.split('@').join(c)]),
  );

  test.each(cases)('%s: equals yaml or declines', (_name, src) => {
    expectAgreement(src);
  });

  test('reads characters that JavaScript trims but YAML does not as content', () => {
    expect(expectAgreement('a: b\u00a0\n')).toEqual([{ a: 'b\u00a0' }]);
    expect(expectAgreement('a: \u3000b\n')).toEqual([{ a: '\u3000b' }]);
    expect(expectAgreement('- \u2028x\n- y\u2029\n')).toEqual([['\u2028x', 'y\u2029']]);
    expect(expectAgreement('a: 1\u00a0 # one\n')).toEqual([{ a: '1\u00a0' }]);
    expect(expectAgreement('a:\n  b: c\u0085\n')).toEqual([{ a: { b: 'c\u0085' } }]);
    expect(expectAgreement('a\u00a0: b\n')).toEqual([{ 'a\u00a0': 'b' }]);
  });

  test('strips the spaces YAML strips', () => {
    expect(expectAgreement('a:    b   # c\nx-y:   1  \n')).toEqual([{ a: 'b', 'x-y': 1 }]);
    expect(expectAgreement('-    x  \n-   y: z  \n')).toEqual([['x', { y: 'z' }]]);
  });
});

describe('fast YAML reader: deep nesting', () => {
  test.each([100, 1000, 5000])('%i levels: equals yaml or declines, never overflows the stack', (depth) => {
    const mappings = Array.from({ length: depth }, (_, i) => `${' '.repeat(i)}a:`).join('\n') + '\n';
    const compact = Array.from({ length: depth }, (_, i) => `${' '.repeat(i * 2)}- a:`).join('\n') + '\n';
    for (const src of [mappings, compact]) {
      expect(() => parseSimpleYaml(src)).not.toThrow();
      expectAgreement(src);
    }
  });
});

describe('fast YAML reader: escapes', () => {
  test.each([
    ['beyond U+10FFFF', 'a: "\\U00110000"\n'],
    ['far beyond', 'a: "\\UFFFFFFFF"\n'],
    ['in a key', '"\\U7FFFFFFF": 1\n'],
  ])('a code point %s: declined (yaml reports the invalid escape), never thrown', (_name, src) => {
    expect(() => parseSimpleYaml(src)).not.toThrow();
    expect(parseSimpleYaml(src)).toBeUndefined();
    expect(viaYaml(src).errors).toBeGreaterThan(0);
  });

  test.each([
    ['the last code point', 'a: "\\U0010FFFF"\n'],
    ['a lone surrogate', 'a: "\\uD800"\n'],
    ['a surrogate as \\U', 'a: "\\U0000DC00"\n'],
    ['Latin-1 as \\x', 'a: "\\xe9\\xA0"\n'],
  ])('%s: equals yaml', (_name, src) => {
    expect(expectAgreement(src)).toHaveLength(1);
  });
});
