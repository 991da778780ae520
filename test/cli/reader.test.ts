/**
 * The reader module itself (lib/cli/reader.ts): what it returns beside the objects (document lines, refusals with
 * their stage), and that input exhausting the WebAssembly instance is refused without breaking later reads. What it
 * reads is held to kubectl by reader-differential.test.ts.
 */

import { readManifestBytes } from '../../lib/cli/reader';

const LIMITS = { maxOutput: 1 << 20 };
const cm = (name: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;

describe('the reader', () => {
  test('documents, with their lines, as kubectl splits them (LF, CRLF and bare CR lines)', () => {
    const text = `# leading comment\n${cm('a')}---\n---\n${cm('b')}`;
    const reading = readManifestBytes(Buffer.from(text), LIMITS);
    expect(reading.objects.map((o) => [o.document, (o.object.metadata as { name: string }).name])).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
    // kubectl's splitter keeps a separator that follows another in the next document (go-yaml reads it as its start)
    expect(reading.documents).toEqual([
      { index: 1, startLine: 1, endLine: 5 },
      { index: 2, startLine: 7, endLine: 11 },
    ]);
    expect(readManifestBytes(Buffer.from(text.replace(/\n/g, '\r\n')), LIMITS).documents).toEqual(reading.documents);
    // a bare CR is no line end for kubectl's splitter: one document, shown on the lines an editor shows
    const bare = readManifestBytes(Buffer.from(text.replace(/\n/g, '\r')), LIMITS);
    expect(bare.documents).toEqual([{ index: 1, startLine: 1, endLine: 11 }]);
    expect(bare.objects).toHaveLength(1);
  });

  test('a JSON stream: one document per value, with its line', () => {
    const reading = readManifestBytes(Buffer.from(`{"apiVersion":"v1","kind":"A"}\n\n{"apiVersion":"v1","kind":"B"}`), LIMITS);
    expect(reading.objects.map((o) => o.object.kind)).toEqual(['A', 'B']);
    expect(reading.documents.map((d) => d.startLine)).toEqual([1, 3]);
  });

  test('refusals name their stage and line: a syntax error ends the file, an untyped object does not', () => {
    const reading = readManifestBytes(Buffer.from(`${cm('a')}---\nnot: an object\n---\n${cm('b')}---\nkind: [\n---\n${cm('c')}`), LIMITS);
    expect(reading.objects.map((o) => (o.object.metadata as { name: string }).name)).toEqual(['a', 'b']);
    expect(reading.refusals).toEqual([
      { stage: 'object', document: 2, line: 6, message: "Object 'Kind' is missing" },
      expect.objectContaining({ stage: 'stream', document: 4, line: 13 }),
    ]);
  });

  test('objects have no prototype: __proto__ and constructor are ordinary keys', () => {
    const [obj] = readManifestBytes(Buffer.from(`${cm('p')}data:\n  __proto__: x\n  constructor: y\n`), LIMITS).objects;
    const data = obj.object.data as Record<string, unknown>;
    expect(Object.keys(data)).toEqual(['__proto__', 'constructor']);
    expect((obj.object as Record<string, unknown>).toString).toBeUndefined();
  });

  test('nesting that exhausts the instance is refused, and the next file is read by a fresh instance', () => {
    const deep = `${Array.from({ length: 5000 }, (_, i) => `${' '.repeat(i)}a:`).join('\n')}\n`;
    const refused = readManifestBytes(Buffer.from(deep), LIMITS);
    expect(refused.objects).toEqual([]);
    expect(refused.refusals).toEqual([{ stage: 'file', message: 'nested too deeply to read (the reader ran out of stack)' }]);
    expect(readManifestBytes(Buffer.from(cm('after')), LIMITS).objects).toHaveLength(1);
  });

  test('the JSON a file expands to is limited', () => {
    const bomb = `${cm('b')}a: &a [${Array(50).fill('"xxxxxxxxxx"').join(', ')}]\nb: [${Array(50).fill('*a').join(', ')}]\n`;
    const reading = readManifestBytes(Buffer.from(bomb), { maxOutput: 10_000 });
    expect(reading.objects).toEqual([]);
    expect(reading.refusals).toEqual([{ stage: 'stream', document: 1, line: 1, message: 'aliases expand the file past the limit of 10000 bytes of JSON' }]);
  });
});
