/**
 * Every citation of upstream behaviour in lib/, test/, docs/ and README.md resolves to docs/upstream-behavior.md
 * (its "How to cite this document" states the forms): `§x.y` sections, `quirk n` numbers and scenario ids such as
 * `§6.3 W1–W11` exist there; code that cites names the document; Markdown citations are links to the right anchor;
 * nothing cites the appendices or the "spec" of the design notes, which are not in the repository. The document's
 * own links resolve too. Citations of the v2.0.0-beta.0 design note (`beta §4.9`) need docs/upstream-v2-beta.md.
 */
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
const DOC = 'docs/upstream-behavior.md';
const DOC_TEXT = fs.readFileSync(path.join(ROOT, DOC), 'utf8');
const ANCHORS = new Set([...DOC_TEXT.matchAll(/<a id="([^"]+)"><\/a>/g)].map((m) => m[1]));

/** This file: its samples of wrong citations are meant to be wrong. */
const SELF = 'test/package/citations.test.ts';
const SCANNED_EXTENSIONS = /\.(ts|js|mjs|cjs|md|sh)$/;
const SKIPPED_DIRS = new Set(['node_modules', 'build', 'dist', 'cdk.out']);

function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const file = path.join(dir, e.name);
    if (e.isDirectory()) return SKIPPED_DIRS.has(e.name) ? [] : walk(file);
    return SCANNED_EXTENSIONS.test(e.name) ? [file] : [];
  });
}

/** Repository-relative paths of the files whose citations must resolve. */
function citingFiles(): string[] {
  return [...walk(path.join(ROOT, 'lib')), ...walk(path.join(ROOT, 'test')), ...walk(path.join(ROOT, 'docs')), path.join(ROOT, 'README.md')]
    .map((f) => path.relative(ROOT, f).split(path.sep).join('/'))
    .filter((f) => f !== DOC && f !== SELF);
}

/** The text of section `s6.x` of the document: from its anchor to the next heading. */
function sectionText(anchor: string): string {
  const start = DOC_TEXT.indexOf(`<a id="${anchor}"></a>`);
  if (start < 0) return '';
  const next = DOC_TEXT.indexOf('\n#', start + 1);
  return DOC_TEXT.slice(start, next < 0 ? undefined : next);
}

/** The v2.0.0-beta.0 design note, cited as `beta §4.9` or `upstream-v2-beta §4.9`: only once it is in the repository. */
const BETA_DOC = 'docs/upstream-v2-beta.md';
const BETA_ANCHORS: ReadonlySet<string> | undefined = fs.existsSync(path.join(ROOT, BETA_DOC))
  ? new Set([...fs.readFileSync(path.join(ROOT, BETA_DOC), 'utf8').matchAll(/<a id="([^"]+)"><\/a>/g)].map((m) => m[1]))
  : undefined;

interface Reference {
  readonly index: number;
  readonly end: number;
  readonly text: string;
  /** `4.9.3` of `§4.9.3`. */
  readonly number: string;
  /**
   * Cites the v2.0.0-beta.0 note: `beta §4.9`, `upstream-v2-beta §4.9`, `v2.0.0-beta.0 §4.9`, listed after one
   * (`beta §2.3, §4.8`), or bare in a file about the beta.
   */
  readonly beta: boolean;
}

/** A file about the beta (it names the beta note before ours) cites the beta note with a bare `§`. */
function citesBetaByDefault(text: string): boolean {
  return /upstream-v2-beta|upstream-behavior|\bspec §/.exec(text)?.[0] === 'upstream-v2-beta';
}

/** The § references of a line, each attributed to the document it cites. */
function references(line: string, betaByDefault = false): Reference[] {
  const out: Reference[] = [];
  let prev: Reference | undefined;
  for (const m of line.matchAll(/§\d+(?:\.\d+)*/g)) {
    const index = m.index ?? 0;
    const before = line.slice(0, index);
    let beta = betaByDefault;
    if (/(?:\b[bB]eta|upstream-v2-beta(?:\.md)?|v2\.0\.0-beta\.0)\s*$/.test(before)) beta = true;
    else if (/(?:upstream-behavior(?:\.md)?|\bspec)\s*$/.test(before)) beta = false;
    else if (prev && !line.slice(prev.end, index).includes(')')) beta = prev.beta;
    prev = { index, end: index + m[0].length, text: m[0], number: m[0].slice(1), beta };
    out.push(prev);
  }
  return out;
}

/** Scenario ids cited after `§6.x`, e.g. `§6.3 W1–W11, §6.4 K1`: each must be listed in that section. */
function scenarioProblems(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/§(6\.\d)\]?(?:\([^)]*\))?\s+((?:[A-Z]\d+(?:[–-][A-Z]\d+)?(?:,\s*)?)+)/g)) {
    const section = sectionText(`s${m[1]}`);
    for (const id of m[2].match(/[A-Z]\d+/g) ?? []) {
      if (!new RegExp(`\\b${id}\\b`).test(section)) out.push(`scenario ${id} is not in §${m[1]}`);
    }
  }
  return out;
}

/**
 * What is wrong with the citations of file `rel` (repository-relative) holding `text`: those of ours, or (`beta`)
 * those of the v2.0.0-beta.0 design note.
 */
function citationProblems(rel: string, text: string, beta = false): string[] {
  const markdown = rel.endsWith('.md');
  const docLink = path.posix.relative(path.posix.dirname(rel), DOC);
  const problems: string[] = [];
  const betaProblems: string[] = [];
  const lines = text.split('\n');
  let cites = false;
  const betaByDefault = citesBetaByDefault(text);
  lines.forEach((line, i) => {
    const at = (what: string): void => {
      problems.push(`${rel}:${i + 1}: ${what}`);
    };
    const atBeta = (what: string): void => {
      betaProblems.push(`${rel}:${i + 1}: ${what}`);
    };
    if (/[bB]eta Appendix [A-Z]\b/.test(line)) atBeta(`cites an appendix of the v2.0.0-beta.0 design note (no ${BETA_DOC})`);
    if (/(?<![bB]eta )\bAppendix [A-Z]\b/.test(line)) at('cites an appendix of a design note outside the repository; cite a quirk or the golden output');
    if (/(?<![\w/.-])(?:upstream-behavior|spec) §/.test(line)) at(`cites the design note outside the repository; cite ${DOC}`);
    for (const r of references(line, betaByDefault)) {
      if (r.beta) {
        if (BETA_ANCHORS === undefined) atBeta(`${r.text} cites the v2.0.0-beta.0 design note, which is not in the repository (no ${BETA_DOC})`);
        else if (!BETA_ANCHORS.has(`s${r.number}`)) atBeta(`${r.text} is not a section of ${BETA_DOC}`);
        continue;
      }
      cites = true;
      if (!ANCHORS.has(`s${r.number}`)) at(`${r.text} is not a section of ${DOC}`);
    }
    if (!references(line, betaByDefault).some((r) => r.beta)) for (const p of scenarioProblems(line)) at(p);
    if (markdown) {
      const links = [...line.matchAll(/\[([^\]]*)\]\(([^)#\s]*)(?:#([^)\s]*))?\)/g)];
      for (const l of links) {
        if (l[2] !== docLink) continue;
        if (l[3] !== undefined && !ANCHORS.has(l[3])) at(`link to ${DOC}#${l[3]}: no such anchor`);
        const cited = /^§(\d+(?:\.\d+)?)$/.exec(l[1]);
        if (cited && l[3] !== `s${cited[1]}`) at(`[${l[1]}] links to #${l[3]}`);
      }
      // a § or a quirk number outside a link to the document
      const bare = line.replace(/\[[^\]]*\]\([^)]*\)/g, '').replace(/`[^`]*`/g, '');
      if (references(bare, betaByDefault).some((r) => !r.beta)) at(`a § citation that is not a link to ${docLink}`);
      if (/(?<![bB]eta )\bquirks? \d/.test(bare)) at(`a quirk citation that is not a link to ${docLink}#quirk-<n>`);
      for (const m of line.matchAll(/\[§[^\]]*\]\(([^)#]*)/g)) {
        if (m[1] !== docLink) at(`a § link to ${m[1]}, not ${docLink}`);
      }
    } else {
      for (const m of line.matchAll(/(?<![bB]eta )\bquirks? (\d+(?:, \d+)*)/g)) {
        cites = true;
        for (const n of m[1].split(', ')) if (!ANCHORS.has(`quirk-${n}`)) at(`quirk ${n} is not in ${DOC}`);
      }
    }
  });
  if (!markdown && cites && !text.includes(DOC)) problems.push(`${rel}: cites sections or quirks without naming ${DOC}`);
  return beta ? betaProblems : problems;
}

/** GitHub's anchor of a Markdown heading. */
function headingSlug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
}

describe(`${DOC}`, () => {
  test('keeps the numbering that citations use', () => {
    const expected = [
      ...['1', '2', '3', '4', '6'].map((n) => `s${n}`),
      ...Array.from({ length: 10 }, (_, i) => `s1.${i + 1}`),
      ...Array.from({ length: 5 }, (_, i) => `s2.${i + 1}`),
      ...Array.from({ length: 4 }, (_, i) => `s3.${i + 1}`),
      ...Array.from({ length: 9 }, (_, i) => `s4.${i + 1}`),
      ...Array.from({ length: 6 }, (_, i) => `s6.${i + 1}`),
      ...Array.from({ length: 14 }, (_, i) => `quirk-${i + 1}`),
      'quirks',
      'golden-output',
    ];
    expect(expected.filter((a) => !ANCHORS.has(a))).toEqual([]);
  });

  test('its links resolve: anchors of its own, files of the repository (on GitHub for sources), headings of other docs', () => {
    const problems: string[] = [];
    for (const m of DOC_TEXT.matchAll(/\]\(([^)\s]*)\)/g)) {
      const [target, anchor] = m[1].split('#');
      if (target === '') {
        if (!ANCHORS.has(anchor)) problems.push(`#${anchor}`);
        continue;
      }
      // Sources are linked on GitHub (the package ships docs/ without them); those links must name files that exist.
      const repositoryFile = /^https:\/\/github\.com\/cdk8s-kubeflow-workspaces\/cdk8s-kubeflow-workspaces\/(?:blob|tree)\/main\/(.*)$/.exec(target)?.[1];
      if (repositoryFile === undefined && /^[a-z]+:/.test(target)) continue;
      const file = repositoryFile === undefined ? path.join(ROOT, 'docs', target) : path.join(ROOT, repositoryFile);
      if (!fs.existsSync(file)) {
        problems.push(`${target}: no such file`);
      } else if (anchor !== undefined) {
        const headings = [...fs.readFileSync(file, 'utf8').matchAll(/^#+ (.*)$/gm)].map((h) => headingSlug(h[1]));
        if (!headings.includes(anchor)) problems.push(`${target}#${anchor}: no such heading`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('citations of upstream behaviour', () => {
  test('every citation in lib/, test/, docs/ and README.md resolves to the document', () => {
    const problems = citingFiles().flatMap((rel) => citationProblems(rel, fs.readFileSync(path.join(ROOT, rel), 'utf8')));
    expect(problems).toEqual([]);
  });

  test('nothing cites the v2.0.0-beta.0 design note unless it is in the repository', () => {
    const problems = citingFiles().flatMap((rel) => citationProblems(rel, fs.readFileSync(path.join(ROOT, rel), 'utf8'), true));
    expect(problems).toEqual([]);
  });

  test('the check finds what it is meant to', () => {
    const code = (text: string): string[] => citationProblems('lib/core/example.ts', text);
    const doc = (text: string): string[] => citationProblems('docs/example.md', text);
    const named = `// ${DOC} §1.2\n`;
    expect(code(`${named}// §2.3 and quirk 13`)).toEqual([]);
    expect(code(`${named}// §9.9`)).toEqual(['lib/core/example.ts:2: §9.9 is not a section of docs/upstream-behavior.md']);
    expect(code(`${named}// quirks 4, 99`)).toEqual(['lib/core/example.ts:2: quirk 99 is not in docs/upstream-behavior.md']);
    expect(code(`${named}// see Appendix A #13`)).toHaveLength(1);
    expect(code(`${named}// (spec §4.7)`)).toHaveLength(1);
    expect(code(`${named}// (upstream-behavior §4.7)`)).toHaveLength(1);
    expect(code(`${named}// §6.3 W1–W12`)).toEqual(['lib/core/example.ts:2: scenario W12 is not in §6.3']);
    expect(code('// §1.2')).toEqual([`lib/core/example.ts: cites sections or quirks without naming ${DOC}`]);
    expect(doc('as [§1.2](upstream-behavior.md#s1.2) and [quirk 3](upstream-behavior.md#quirk-3)')).toEqual([]);
    expect(doc('as §1.2 says')).toHaveLength(1);
    expect(doc('see quirk 3')).toHaveLength(1);
    expect(doc('[§1.2](upstream-behavior.md#s2.1)')).toHaveLength(1);
    expect(doc('[§1.2](../upstream-behavior.md#s1.2)')).toHaveLength(1);
    expect(doc('[the list](upstream-behavior.md#quirk-99)')).toHaveLength(1);
    expect(citationProblems('README.md', '[§6.3](docs/upstream-behavior.md#s6.3) W1–W11')).toEqual([]);
    const attributed = references('(beta §2.3, §4.8.3) and (§2.1); upstream-v2-beta §4.9, Beta §4.9.2');
    expect(attributed.map((r) => [r.text, r.beta])).toEqual([
      ['§2.3', true],
      ['§4.8.3', true],
      ['§2.1', false],
      ['§4.9', true],
      ['§4.9.2', true],
    ]);
    expect(references('(§5.4) and (upstream-behavior §4.7)', true).map((r) => r.beta)).toEqual([true, false]);
    expect(citesBetaByDefault('/** Rules of v2.0.0-beta.0 (upstream-v2-beta.md §5.3) */\n// §5.6')).toBe(true);
    expect(citesBetaByDefault(`// (spec §4.6)\n// beta §5.3`)).toBe(false);
    if (BETA_ANCHORS === undefined) {
      expect(code(`${named}// (beta §4.9)`)).toEqual([]);
      expect(citationProblems('lib/core/example.ts', `${named}// (beta §4.9), beta Appendix A #19`, true)).toEqual([
        `lib/core/example.ts:2: cites an appendix of the v2.0.0-beta.0 design note (no ${BETA_DOC})`,
        `lib/core/example.ts:2: §4.9 cites the v2.0.0-beta.0 design note, which is not in the repository (no ${BETA_DOC})`,
      ]);
    }
  });
});
