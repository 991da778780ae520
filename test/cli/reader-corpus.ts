/**
 * Tricky manifest files for the reader's differential test (reader-differential.test.ts): each is read by kfws and
 * by k8s.io/cli-runtime's resource builder (test/reader-reference/), by class. `benign` files are standard YAML or
 * JSON that kfws must read (not refuse) exactly as kubectl does.
 */

export interface CorpusFile {
  readonly cls: string;
  readonly name: string;
  readonly content: string | Buffer;
  readonly benign?: boolean;
}

const ws = (name: string, extra = ''): string =>
  `apiVersion: kubeflow.org/v1beta1\nkind: Workspace\nmetadata:\n  name: ${name}\n  namespace: team\nspec:\n  kind: jupyterlab\n  paused: false\n${extra}`;
const cm = (name: string, extra = ''): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${extra}`;

const utf16 = (text: string, order: 'LE' | 'BE'): Buffer => {
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  if (order === 'LE') return le;
  const be = Buffer.from(le);
  be.swap16();
  return be;
};

const entries: [string, string, string | Buffer, boolean?][] = [
  // merge keys
  ['merge-keys', 'merge after an explicit key', ws('m1').replace('  paused: false\n', '  paused: false\n  <<: {paused: true}\n')],
  ['merge-keys', 'merge before an explicit key', ws('m2').replace('spec:\n', 'spec:\n  <<: {paused: true, kind: other}\n'), true],
  ['merge-keys', 'merge of a list of anchors', `${ws('m3')}x: &a {p: 1}\ny: &b {p: 2, q: 3}\nz:\n  <<: [*a, *b]\n`, true],
  ['merge-keys', 'merge with an alias, overridden', `${cm('m4')}base: &base {a: 1, b: 2}\ndata:\n  <<: *base\n  b: "3"\n`, true],
  ['merge-keys', 'merge of a scalar', `${cm('m5')}data:\n  <<: 5\n`],
  ['merge-keys', 'merge of a sequence of scalars', `${cm('m6')}data:\n  <<: [1, 2]\n`],
  ['merge-keys', 'two merge keys', `${cm('m7')}data:\n  <<: {a: "1"}\n  <<: {b: "2"}\n`],
  // line breaks in comments and values
  ['line-breaks', 'U+2028 in a comment', ws('lb1').replace('  paused: false\n', '  paused: false # note\u2028paused: true\n')],
  ['line-breaks', 'U+2029 in a comment', ws('lb2').replace('  paused: false\n', '  paused: false # note\u2029paused: true\n')],
  ['line-breaks', 'U+0085 in a comment', ws('lb3').replace('  paused: false\n', '  paused: false # note\u0085paused: true\n')],
  ['line-breaks', 'U+2028 in a plain value', `${cm('lb4')}data:\n  a: one\u2028two\n`],
  ['line-breaks', 'U+0085 in a quoted value', `${cm('lb5')}data:\n  a: "one\u0085two"\n`],
  ['line-breaks', 'CRLF', ws('lb6').replace(/\n/g, '\r\n'), true],
  ['line-breaks', 'bare CR', ws('lb7').replace(/\n/g, '\r'), true],
  ['line-breaks', 'bare-CR separator', `${ws('lb8')}\r---\r${ws('lb9')}`],
  ['line-breaks', 'CRLF separator', `${ws('lb10')}---\r\n${ws('lb11')}`.replace(/\n/g, '\r\n'), true],
  ['line-breaks', 'no final line break', ws('lb12').trimEnd(), true],
  ['line-breaks', 'tab before a value', `${cm('lb13')}data:\n  a:\t"x"\n`],
  // tags
  ['tags', '!!binary', `${cm('t1')}binaryData:\n  b: !!binary aGVsbG8=\ndata:\n  a: !!binary aGVsbG8=\n`],
  ['tags', '!!binary across lines', `${cm('t2')}data:\n  a: !!binary |\n    aGVs\n    bG8=\n`],
  ['tags', '!!str on a number', `${cm('t3')}data:\n  a: !!str 123\n`, true],
  ['tags', '!!int on a string', `${cm('t4')}data:\n  a: !!int "5"\n`],
  ['tags', '!!float', `${cm('t5')}data:\n  a: !!float 1\n`],
  ['tags', 'a local tag', `${cm('t6')}data:\n  a: !custom x\n`],
  ['tags', '!!map and !!seq', `${cm('t7')}data: !!map\n  a: b\nx: !!seq [1]\n`],
  ['tags', '!!timestamp', `${cm('t8')}data:\n  a: 2001-12-14t21:59:43.10-05:00\n  b: !!timestamp 2002-12-14\n`],
  ['tags', '!!set', `${cm('t9')}x: !!set {a, b}\n`],
  ['tags', '!!null on a string', `${cm('t10')}x: !!null foo\n`],
  ['tags', '%TAG directive', `%TAG !e! tag:example.com,2000:\n---\n${cm('t11')}x: !e!foo bar\n`],
  // directives
  ['directives', '%YAML 1.2', `%YAML 1.2\n---\n${ws('d1')}`],
  ['directives', '%YAML 1.1', `%YAML 1.1\n---\n${ws('d2')}`],
  ['directives', '%YAML 1.1 on the second document', `${ws('d3')}---\n%YAML 1.1\n---\n${ws('d4')}`],
  ['directives', 'unknown directive', `%FOO bar\n---\n${ws('d5')}`],
  // anchors and aliases
  ['anchors', 'anchor with a dot', `${cm('a1')}x: &a.b 1\ny: *a.b\n`],
  ['anchors', 'anchor with a slash', `${cm('a2')}x: &a/b 1\ny: *a/b\n`],
  ['anchors', 'alias to a mapping', `${cm('a3')}x: &m {a: 1}\ny: *m\n`, true],
  ['anchors', 'alias to a scalar key', `${cm('a4')}data:\n  &k a: "1"\n  b: *k\n`],
  ['anchors', 'unknown alias', `${cm('a5')}x: *nope\n`],
  ['anchors', 'anchor redefined', `${cm('a6')}x: &a 1\ny: &a 2\nz: *a\n`],
  ['anchors', 'alias across documents', `x: &a 1\nkind: A\napiVersion: v1\n---\n${cm('a7')}y: *a\n`],
  ['anchors', 'alias as a key', `${cm('a8')}x: &k key\ndata:\n  *k : v\n`],
  ['anchors', 'alias bomb', `${cm('a9')}a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n${Array.from({ length: 8 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(', ')}]`).join('\n')}\n`],
  // document markers
  ['documents', 'end marker `...` then a document', `${ws('doc1')}...\n${ws('doc2')}`],
  ['documents', 'end marker then a separator', `${ws('doc3')}...\n---\n${ws('doc4')}`],
  ['documents', 'separator with a comment', `${ws('doc5')}--- # next\n${ws('doc6')}`, true],
  ['documents', 'separator with content', `${ws('doc7')}--- kind: X\n${ws('doc8')}`],
  ['documents', 'separator with a block scalar', `--- |\n  text\n`],
  ['documents', 'leading and trailing separators', `---\n${ws('doc9')}---\n`, true],
  ['documents', 'empty documents', `---\n---\n\n---\n${ws('doc10')}---\n---\n`, true],
  ['documents', 'comments only', `# nothing\n# here\n`, true],
  ['documents', 'empty file', ``, true],
  ['documents', 'a null document', `null\n---\n${ws('doc11')}`, true],
  ['documents', '~ document', `~\n---\n${cm('doc12')}`, true],
  ['documents', 'separator indented', `${ws('doc13')}  ---\n${ws('doc14')}`],
  ['documents', '---- (four dashes)', `${ws('doc15')}----\n${ws('doc16')}`],
  ['documents', 'separator inside a block scalar', `${cm('doc17')}data:\n  a: |\n    one\n---\n    two\n`],
  ['documents', 'a scalar document', `just text\n---\n${cm('doc18')}`],
  ['documents', 'a sequence document', `- a\n- b\n---\n${cm('doc19')}`],
  ['documents', 'a syntax error in the second document', `${cm('doc20')}---\nkind: [\n---\n${cm('doc21')}`],
  ['documents', 'explicit document start on the first line', `--- \n${ws('doc22')}`, true],
  // lists
  ['lists', 'kind: List', `apiVersion: v1\nkind: List\nitems:\n- ${cm('l1').replace(/\n(?=.)/g, '\n  ')}`, true],
  ['lists', 'ConfigMap with items', `${cm('l2')}items:\n- ${ws('l3').replace(/\n(?=.)/g, '\n  ')}`],
  ['lists', 'WorkspaceList items without kind', `apiVersion: kubeflow.org/v1beta1\nkind: WorkspaceList\nitems:\n- metadata: {name: l4, namespace: team}\n  spec: {kind: jupyterlab}\n`],
  ['lists', 'List items without kind', `apiVersion: v1\nkind: List\nitems:\n- metadata: {name: l5}\n`],
  ['lists', 'item with kind only', `apiVersion: v1\nkind: List\nitems:\n- kind: ConfigMap\n  metadata: {name: l6}\n`],
  ['lists', 'nested List', `apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: List\n  items:\n  - ${cm('l7').replace(/\n(?=.)/g, '\n    ')}`],
  ['lists', 'item not an object', `apiVersion: v1\nkind: List\nitems:\n- just a string\n`],
  ['lists', 'items: null', `apiVersion: v1\nkind: List\nitems: null\n`],
  ['lists', 'items: {}', `apiVersion: v1\nkind: List\nitems: {}\n`],
  ['lists', 'items: []', `apiVersion: v1\nkind: List\nitems: []\n`, true],
  ['lists', 'list without kind', `items:\n- ${cm('l8').replace(/\n(?=.)/g, '\n  ')}`],
  ['lists', 'JSON List', JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'l9' } }] }), true],
  ['lists', 'List with metadata', `apiVersion: v1\nkind: List\nmetadata: {resourceVersion: "5"}\nitems:\n- ${cm('l10').replace(/\n(?=.)/g, '\n  ')}`, true],
  // kinds and metadata
  ['kinds', 'kind: workspace', ws('k1').replace('kind: Workspace', 'kind: workspace')],
  ['kinds', 'kind: WORKSPACEKIND', `apiVersion: kubeflow.org/v1beta1\nkind: WORKSPACEKIND\nmetadata: {name: k2}\n`],
  ['kinds', 'no kind', `apiVersion: v1\nmetadata: {name: k3}\n`],
  ['kinds', 'no apiVersion', `kind: ConfigMap\nmetadata: {name: k4}\n`],
  ['kinds', 'kind a number', `apiVersion: v1\nkind: 5\nmetadata: {name: k5}\n`],
  ['kinds', 'metadata.name a number', `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: 5}\n`],
  ['kinds', 'labels with a number', `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: k6, labels: {a: 1}}\n`],
  ['kinds', 'metadata a list', `apiVersion: v1\nkind: ConfigMap\nmetadata: [a]\n`],
  ['kinds', 'Metadata (case)', `apiVersion: v1\nkind: ConfigMap\nMetadata: {name: k7}\nmetadata: {name: k8}\n`],
  // encodings
  ['encodings', 'UTF-8 BOM', `\ufeff${ws('e1')}`, true],
  ['encodings', 'UTF-16 LE with BOM', utf16(ws('e2'), 'LE'), true],
  ['encodings', 'UTF-16 BE with BOM', utf16(ws('e3'), 'BE'), true],
  ['encodings', 'BOM in the second document', `${ws('e4')}---\n\ufeff${ws('e5')}`],
  ['encodings', 'invalid UTF-8', Buffer.concat([Buffer.from(cm('e6')), Buffer.from('data:\n  a: caf'), Buffer.from([0xc3, 0x28]), Buffer.from('\n')])],
  ['encodings', 'UTF-16 without BOM', Buffer.from(cm('e7'), 'utf16le')],
  ['encodings', 'non-ASCII values', `${cm('e8')}data:\n  a: "café ☕ 𝄞"\n`, true],
  ['encodings', 'escaped surrogate', `${cm('e9')}data:\n  a: "\\ud800"\n`],
  ['encodings', 'escape beyond U+10FFFF', `${cm('e10')}data:\n  a: "\\U00110000"\n`],
  // NUL and control characters
  ['control', 'NUL in a value', `${cm('c1')}data:\n  a: "x\u0000y"\n`],
  ['control', 'escaped NUL', `${cm('c2')}data:\n  a: "x\\0y"\n`],
  ['control', 'NUL in a comment', `${cm('c3')}# a\u0000b\n`],
  ['control', 'bell character', `${cm('c4')}data:\n  a: x\u0007y\n`],
  ['control', 'DEL character', `${cm('c5')}data:\n  a: x\u007fy\n`],
  // duplicate keys
  ['duplicates', 'duplicate top-level key', `${ws('dk1')}spec:\n  kind: other\n`],
  ['duplicates', 'duplicate nested key', ws('dk2').replace('  paused: false\n', '  paused: false\n  paused: true\n')],
  // kubectl keeps one of two keys that become one JSON key, chosen by Go's map order: kfws refuses them
  ['duplicates', 'duplicate keys 1 and "1"', `${cm('dk3')}data:\n  1: a\n  "1": b\n`],
  ['duplicates', 'duplicate keys true and "true"', `${cm('dk7')}data:\n  true: a\n  "true": b\n`],
  ['duplicates', 'duplicate keys 1.0 and "1"', `${cm('dk8')}x:\n  1.0: a\n  "1": b\n`],
  ['duplicates', 'duplicate keys in a nested list', `${cm('dk9')}x:\n- {0x10: a, "16": b}\n`],
  ['duplicates', 'duplicate of a merged key', `${cm('dk4')}data:\n  <<: {a: "1"}\n  a: "2"\n`],
  ['duplicates', 'duplicate in flow style', `${cm('dk5')}data: {a: "1", a: "2"}\n`],
  ['duplicates', 'duplicate in JSON', `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dk6"},"data":{"a":"1","a":"2"}}`],
  // numbers and scalars
  ['scalars', 'huge integer', `${cm('n1')}x: 123456789012345678901234567890\n`],
  ['scalars', 'integer beyond 2^53', `${cm('n2')}x: 9007199254740993\n`],
  ['scalars', 'integer at 2^53', `${cm('n3')}x: 9007199254740992\n`, true],
  ['scalars', 'int64 max', `${cm('n4')}x: 9223372036854775807\n`],
  ['scalars', 'hex, octal, binary, underscores', `${cm('n5')}x: [0x1F, 0755, 0o17, 0b101, 1_000, +12, -0]\n`],
  ['scalars', 'floats', `${cm('n6')}x: [1.5, 1e3, .inf, -.Inf, .nan, 1., 0.1e-2, 6.8523015e+5]\n`],
  ['scalars', 'YAML 1.1 booleans', `${cm('n7')}x: [yes, no, on, off, y, n, Yes, NO, True, FALSE]\n`],
  ['scalars', 'nulls', `${cm('n8')}x: [~, null, Null, NULL, ]\n`],
  ['scalars', 'sexagesimal', `${cm('n9')}x: [1:30, 190:20:30]\n`],
  ['scalars', 'key that is a boolean', `${cm('n10')}data:\n  y: "1"\n  on: "2"\n  true: "3"\n`],
  ['scalars', 'key that is null or a number', `${cm('n11')}x:\n  ~: a\n  1.5: b\n  0x10: c\n`],
  ['scalars', 'complex key', `${cm('n12')}x:\n  ? [a, b]\n  : c\n`],
  ['scalars', 'explicit key', `${cm('n13')}x:\n  ? a\n  : b\n`, true],
  ['scalars', 'quoted strings and escapes', `${cm('n14')}data:\n  a: 'it''s'\n  b: "tab\\tnewline\\n"\n  c: "\\x41\\u0042\\U00000043"\n`, true],
  ['scalars', 'block scalars', `${cm('n15')}data:\n  a: |\n    one\n    two\n  b: >\n    folded\n    text\n  c: |-\n    strip\n  d: |+\n    keep\n\n`, true],
  ['scalars', 'multi-line plain scalar', `${cm('n16')}data:\n  a: one\n    two\n`, true],
  ['scalars', 'float that is an integer', `${cm('n17')}x: 1.0\n`],
  ['scalars', 'negative zero float', `${cm('n18')}x: -0.0\n`],
  // flow style
  ['flow', 'flow mapping document', `{apiVersion: v1, kind: ConfigMap, metadata: {name: f1}}\n`, true],
  ['flow', 'flow with a trailing comma', `{apiVersion: v1, kind: ConfigMap, metadata: {name: f2},}\n`],
  ['flow', 'multi-line flow', `{apiVersion: v1,\n kind: ConfigMap,\n metadata: {\n  name: f3}}\n`],
  ['flow', 'flow sequence of mappings', `${cm('f4')}x: [{a: 1}, {b: 2}]\n`, true],
  ['flow', 'flow with a key without value', `${cm('f5')}x: {a, b: 1}\n`],
  ['flow', 'single-pair mapping in a sequence', `${cm('f6')}x: [a: 1]\n`],
  // JSON
  ['json', 'JSON object', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'j1' } }), true],
  ['json', 'JSON stream', `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j2"}}\n{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j3"}}\n`, true],
  ['json', 'JSON stream of three', `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j4"}}{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j5"}} {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j6"}}`, true],
  ['json', 'JSON then YAML', `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j7"}}\n---\n${cm('j8')}`],
  ['json', 'JSON array', `[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j9"}}]`],
  ['json', 'JSON with a comment', `# c\n{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j10"}}`],
  ['json', 'JSON big number', `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j11"},"x":12345678901234567890}`],
  ['json', 'JSON after whitespace', `\n\n   {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j12"}}`, true],
  ['json', 'JSON with an invalid second value', `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j13"}}\n{"kind": }`],
  ['json', 'JSON escapes', `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j14"},"data":{"a":"\\u2028\\ud83d\\ude00"}}`, true],
  ['json', 'JSON lone surrogate', `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j15"},"data":{"a":"\\ud800"}}`],
  // structure and size
  ['structure', 'deep nesting', `${cm('s1')}x: ${'['.repeat(150)}${']'.repeat(150)}\n`],
  ['structure', 'long line', `${cm('s2')}data:\n  a: ${'x'.repeat(70_000)}\n`, true],
  ['structure', 'many documents', Array.from({ length: 300 }, (_, i) => cm(`s3-${i}`)).join('---\n'), true],
  ['structure', 'indentation with tabs', `${cm('s4')}data:\n\ta: b\n`],
  ['structure', '__proto__ and constructor keys', `${cm('s5')}data:\n  __proto__: a\n  constructor: b\n`, true],
  ['structure', 'key order', `metadata: {name: s6}\nkind: ConfigMap\napiVersion: v1\ndata: {z: "1", a: "2"}\n`, true],
];

export const CORPUS: readonly CorpusFile[] = entries.map(([cls, name, content, benign]) => ({ cls, name, content, benign }));
