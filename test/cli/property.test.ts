/**
 * Property-based tests of the reader and the checks on hostile input (fast-check): random documents and random byte
 * mutations of valid manifests never crash kfws and stay within a bounded time and memory; no re-encoding or
 * added content turns a refused document into an accepted one.
 */

import fc from 'fast-check';
import { diffManifests, validateManifests } from '../../lib/cli/check';
import { ManifestSet, parseManifests } from '../../lib/cli/manifests';
import { renderWorkspaces } from '../../lib/cli/render';
import { formatReport } from '../../lib/cli/report';
import { OutputFormat, Severity } from '../../lib/cli/types';
import { Mutable, webhookKind, webhookWorkspace } from '../core/fixtures';
import { yamlDocuments } from './helpers';

const KIND = yamlDocuments(webhookKind());
const VALID = yamlDocuments(webhookKind(), webhookWorkspace());
const VALID_BYTES = Buffer.from(VALID, 'utf8');
const reference = parseManifests([{ display: 'kind.yaml', annotationPath: 'kind.yaml', source: KIND }]);

/** Per run: generous bounds that only a blow-up (quadratic walk, alias expansion, unbounded read) would cross. */
const MAX_MILLIS_PER_RUN = 5000;
const MAX_HEAP_GROWTH = 256 * 1024 * 1024;

function parse(source: Uint8Array | string): ManifestSet {
  return parseManifests([{ display: 'x.yaml', annotationPath: 'x.yaml', source }], { maxFileSize: 1 << 20 });
}

/** Everything kfws does with a file: validate, diff against the valid manifests, render, and every output format. */
function review(source: Uint8Array | string): void {
  const set = parse(source);
  const report = validateManifests(set, reference);
  for (const format of Object.values(OutputFormat)) formatReport(report, format);
  formatReport(diffManifests(parse(VALID), set, reference), OutputFormat.TEXT);
  renderWorkspaces(set, reference);
}

function bounded(f: () => void): void {
  const heap = process.memoryUsage().heapUsed;
  const started = Date.now();
  f();
  expect(Date.now() - started).toBeLessThan(MAX_MILLIS_PER_RUN);
  expect(process.memoryUsage().heapUsed - heap).toBeLessThan(MAX_HEAP_GROWTH);
}

function refused(set: ManifestSet): boolean {
  return validateManifests(set, reference).findings.some((f) => f.severity === Severity.ERROR);
}

/** Byte edits: replace, insert or delete at a position (modulo the length). */
const mutation = fc.oneof(
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.constantFrom(...['*a', '&a ', '<<: ', '!!binary ', '__proto__: ', '- ', '{', '[', '"\\U0011', '\r', '\xff', '\t', 'kind: List\nitems:\n'].map((s) => Buffer.from(s, 'latin1'))) }),
);

type Edit = { op: string; at: number; byte?: number; bytes?: Uint8Array; length?: number };

function mutate(bytes: Buffer, edits: readonly Edit[]): Buffer {
  let out = Buffer.from(bytes);
  for (const e of edits) {
    const at = out.length === 0 ? 0 : e.at % (out.length + 1);
    if (e.op === 'set' && out.length > 0) out[at % out.length] = e.byte!;
    if (e.op === 'insert') out = Buffer.concat([out.subarray(0, at), Buffer.from(e.bytes!), out.subarray(at)]);
    if (e.op === 'delete') out = Buffer.concat([out.subarray(0, at), out.subarray(at + e.length!)]);
  }
  return out;
}

describe('kfws never crashes on random input, within bounded time and memory', () => {
  test('random byte mutations of valid manifests', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), (edits) => {
        bounded(() => review(mutate(VALID_BYTES, edits)));
      }),
      { numRuns: 150 },
    );
  });

  test('random documents, as Workspaces, WorkspaceKinds, Lists and anything else', () => {
    const key = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'prototype', 'spec', 'kind', 'items', 'metadata', 'name', '<<'));
    const json = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.string({ maxLength: 12 }), fc.double(), fc.integer(), fc.boolean(), fc.constant(null), tie('object'), tie('array')),
      object: fc.dictionary(key, tie('value'), { maxKeys: 5 }),
      array: fc.array(tie('value'), { maxLength: 4 }),
    })).value;
    const document = fc.oneof(
      json,
      fc.record({ apiVersion: fc.constant('kubeflow.org/v1beta1'), kind: fc.constantFrom('Workspace', 'WorkspaceKind'), metadata: json, spec: json }),
      fc.record({ apiVersion: fc.constant('v1'), kind: fc.constantFrom('List', 'WorkspaceList'), items: fc.array(json, { maxLength: 3 }) }),
    );
    fc.assert(
      fc.property(fc.array(document, { minLength: 1, maxLength: 3 }), (docs) => {
        bounded(() => review(yamlDocuments(...docs)));
        bounded(() => review(docs.map((d) => JSON.stringify(d) ?? 'null').join('\n---\n')));
      }),
      { numRuns: 150 },
    );
  });
});

describe('no re-encoding or added content turns a refused document into an accepted one', () => {
  const refusedWorkspaces: Mutable[] = [
    { ...webhookWorkspace(), spec: { ...webhookWorkspace().spec, kind: 'missing-kind' } },
    { ...webhookWorkspace(), spec: { ...webhookWorkspace().spec, podTemplate: { volumes: {}, options: { imageConfig: 'nope', podConfig: 'tiny_cpu' } } } },
    { ...webhookWorkspace(), metadata: { name: 'Not_Valid', namespace: 'default' } },
    { ...webhookWorkspace(), spec: { kind: 'jupyterlab' } },
  ];

  /** Adds `key: value` to a random mapping of `doc`. */
  function inject(doc: unknown, path: readonly number[], key: string, value: unknown): unknown {
    if (Array.isArray(doc)) return doc.map((d, i) => (i === (path[0] ?? 0) % Math.max(doc.length, 1) ? inject(d, path.slice(1), key, value) : d));
    if (typeof doc !== 'object' || doc === null) return doc;
    const entries = Object.entries(doc);
    if (path.length === 0 || entries.length === 0) return Object.fromEntries([...entries, [key, value]]);
    const pick = path[0] % entries.length;
    return Object.fromEntries(entries.map(([k, v], i) => [k, i === pick ? inject(v, path.slice(1), key, value) : v]));
  }

  const encodings: ((text: string) => Uint8Array | string)[] = [
    (t) => t,
    (t) => t.replace(/\n/g, '\r\n'),
    (t) => t.replace(/\n/g, '\r'),
    (t) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(t)]),
    (t) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, 'utf16le')]),
    (t) => {
      const b = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, 'utf16le')]);
      return b.swap16();
    },
  ];

  test('encodings, line endings, Lists, and __proto__ / constructor / prototype keys with any content', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...refusedWorkspaces),
        fc.nat(encodings.length - 1),
        fc.constantFrom('none', 'List', 'WorkspaceList'),
        fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'),
        fc.array(fc.nat(), { maxLength: 4 }),
        fc.boolean(),
        (ws, encoding, wrap, key, path, useJson) => {
          // The hidden content is a valid spec: it must not stand in for the object's own fields.
          const hostile = inject(ws, path, key, webhookWorkspace().spec);
          const doc = wrap === 'none' ? hostile : { apiVersion: 'v1', kind: wrap, items: [webhookWorkspace(), hostile] };
          const text = useJson ? JSON.stringify(doc) : yamlDocuments(doc);
          expect(refused(parse(encodings[encoding](text)))).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  test('the same documents unchanged, and the valid ones through every encoding, are read alike', () => {
    for (const encode of encodings) {
      expect(refused(parse(encode(VALID)))).toBe(false);
      for (const ws of refusedWorkspaces) expect(refused(parse(encode(yamlDocuments(ws))))).toBe(true);
    }
  });
});
