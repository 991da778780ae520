/**
 * The differential test of kfws's reader: every file of the corpus (./reader-corpus.ts) is read by kfws (the whole
 * reading path every command takes: parseManifests, all objects selected) and by the reference, a Go program of
 * ours that runs k8s.io/cli-runtime's resource builder as `kubectl apply -f FILE` does (test/reader-reference/,
 * built natively from Go modules by `scripts/build-reader.mjs --reference`, cached like the control plane).
 *
 * For each file kfws either refuses it (a finding) or reads exactly the objects kubectl reads, in the same order,
 * where kubectl reads the file without error. Reading anything else — other objects, or objects from a file kubectl
 * refuses — fails the test: that is how a pull request would get past the gate.
 */

import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseManifests } from '../../lib/cli/manifests';
import { CORPUS } from './reader-corpus';

const ROOT = path.join(__dirname, '..', '..');

interface Reference {
  readonly file: string;
  readonly objects: Record<string, unknown>[];
  readonly errors: string[];
}

/** JSON with sorted keys: kubectl's objects are Go maps, whose order means nothing. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

type Outcome = 'same' | 'refused, kubectl too' | 'refused, kubectl reads it' | 'DIFFERENT';

let references: Reference[] = [];
let dir = '';

beforeAll(() => {
  // A cold build of the reference takes minutes (k8s.io/cli-runtime and its dependencies); then it is cached.
  const binary = execFileSync('node', [path.join(ROOT, 'scripts', 'build-reader.mjs'), '--reference'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfws-reader-'));
  const files = CORPUS.map((entry, i) => {
    const file = path.join(dir, `${String(i).padStart(3, '0')}.yaml`);
    fs.writeFileSync(file, entry.content);
    return file;
  });
  const out = execFileSync(binary, files, { encoding: 'utf8', maxBuffer: 256 << 20 });
  references = out.trim().split('\n').map((line) => JSON.parse(line) as Reference);
}, 20 * 60 * 1000);

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('kfws reads every file of the corpus as kubectl does, or refuses it', () => {
  expect(references).toHaveLength(CORPUS.length);
  const outcomes = CORPUS.map((entry, i) => {
    const reference = references[i];
    const set = parseManifests([{ display: entry.name, annotationPath: entry.name, source: typeof entry.content === 'string' ? Buffer.from(entry.content) : entry.content }], {
      select: () => true,
    });
    const kubectlRefuses = reference.errors.length > 0;
    let outcome: Outcome;
    if (set.findings.length > 0) {
      outcome = kubectlRefuses ? 'refused, kubectl too' : 'refused, kubectl reads it';
    } else {
      const same = !kubectlRefuses && canonical(set.objects.map((o) => o.value)) === canonical(reference.objects);
      outcome = same ? 'same' : 'DIFFERENT';
    }
    return { entry, outcome, kfws: set.objects.map((o) => o.value), findings: set.findings.map((f) => f.message), reference };
  });

  // the per-class table
  const columns: Outcome[] = ['same', 'refused, kubectl too', 'refused, kubectl reads it', 'DIFFERENT'];
  const classes = [...new Set(CORPUS.map((e) => e.cls))];
  const rows = classes.map((cls) => [cls, ...columns.map((c) => String(outcomes.filter((o) => o.entry.cls === cls && o.outcome === c).length))]);
  rows.push(['total', ...columns.map((c) => String(outcomes.filter((o) => o.outcome === c).length))]);
  const header = ['class', ...columns];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const format = (r: string[]): string => r.map((cell, i) => cell.padEnd(widths[i])).join('  ');
  process.stdout.write(`\nkfws reader vs kubectl (cli-runtime v0.36.3), ${CORPUS.length} files\n${[header, ...rows].map(format).join('\n')}\n`);
  const stricter = outcomes.filter((o) => o.outcome === 'refused, kubectl reads it');
  process.stdout.write(`refused by kfws only:\n${stricter.map((o) => `  ${o.entry.cls}/${o.entry.name}: ${o.findings[0]}`).join('\n')}\n`);

  const different = outcomes.filter((o) => o.outcome === 'DIFFERENT').map((o) => ({ file: `${o.entry.cls}/${o.entry.name}`, kfws: o.kfws, kubectl: o.reference }));
  expect(different).toEqual([]);
  // standard YAML and JSON is read, not refused
  const benignRefused = outcomes.filter((o) => o.entry.benign && o.outcome !== 'same').map((o) => ({ file: `${o.entry.cls}/${o.entry.name}`, outcome: o.outcome, findings: o.findings }));
  expect(benignRefused).toEqual([]);
});
