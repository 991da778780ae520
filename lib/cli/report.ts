/**
 * The three output formats of `kfws validate` and `kfws diff`. Names, file names and values come from the pull
 * request: in text and JSON every character that could end a line (or hide text: C0/C1 controls, U+2028/9, bidi
 * controls) is escaped, and every line begins with text of kfws' own (a PATH as given, `  `, `kfws`, a JSON key), so
 * that no input can start a CI workflow command (`::error`, `##vso[`) or forge a line. The GitHub format escapes
 * its workflow commands as GitHub specifies.
 */

import { WORKSPACE_KIND } from '../core/api';
import { formatValue } from '../core/validation';
import { compare, describeObject, Effect, exitCodeOf, Finding, Impact, OptionChangeType, OutputFormat, Report, Severity } from './types';

export interface FormatOptions {
  /** The path GitHub should annotate for a displayed file name (defaults to the name itself). */
  readonly annotationPath?: (file: string) => string;
}

/** Characters that end a line somewhere (LF, CR, NEL, U+2028/9, VT, FF), other controls, and bidi overrides. */
const UNSAFE_CHARACTERS = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

function escapeCharacter(c: string): string {
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` on one line: line breaks, other control characters and bidi controls written as `\n`, `\x1b`, `\u2028`. */
export function escapeLine(text: string): string {
  return text.replace(UNSAFE_CHARACTERS, escapeCharacter);
}

/** What JSON.stringify leaves raw of {@link UNSAFE_CHARACTERS}: DEL, C1 controls (NEL), U+2028/9, bidi controls. */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** Pretty-printed JSON in which every string stays on its line and shows no hidden text. */
export function safeJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2).replace(UNSAFE_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}

export function formatReport(report: Report, format: OutputFormat, opts: FormatOptions = {}): string {
  switch (format) {
    case OutputFormat.JSON:
      return safeJson(jsonReport(report));
    case OutputFormat.GITHUB:
      return githubReport(report, opts.annotationPath ?? ((f) => f));
    case OutputFormat.MARKDOWN:
      return markdownReport(report);
    case OutputFormat.TEXT:
      return textReport(report);
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function summaryLine(report: Report): string {
  const errors = report.findings.filter((f) => f.severity === Severity.ERROR).length;
  const warnings = report.findings.filter((f) => f.severity === Severity.WARNING).length;
  const counted = [errors > 0 ? plural(errors, 'error') : '', warnings > 0 ? plural(warnings, 'warning') : ''];
  const problems = errors + warnings === 0 ? 'no problems' : counted.filter((c) => c).join(', ');
  const { files, workspaces, workspaceKinds } = report.checked;
  return `kfws ${report.command}: ${problems} in ${plural(files, 'file')} (${plural(workspaces, 'Workspace')}, ${plural(workspaceKinds, 'WorkspaceKind')})`;
}

function where(item: { file?: string; line?: number }): string {
  return item.line ? `${item.file}:${item.line}` : (item.file ?? 'kfws');
}

function documentText(item: { document?: number; item?: string }): string {
  return item.item === undefined ? `document ${item.document}` : `document ${item.document}, ${item.item}`;
}

/**
 * `file:line: severity: Object (document N): message`, the form compilers use, so editors can jump to it; then,
 * indented, what to do about it. Escaped (see {@link escapeLine}).
 */
export function findingText(f: Finding): string {
  const about = f.object ? ` ${describeObject(f.object)} (${documentText(f)}):` : '';
  const first = escapeLine(`${where(f)}: ${f.severity}:${about} ${f.message}`);
  return f.hint === undefined ? first : `${first}\n    ${escapeLine(f.hint)}`;
}

function impactText(i: Impact): string {
  const item = i.item === undefined ? '' : ` (${i.item})`;
  return escapeLine(`${where(i)}: ${describeObject(i.workspace)}${item}: ${i.message}`);
}

interface Tally {
  errors: number;
  warnings: number;
  effects: number;
}

/** Findings and effects per file and per namespace (WorkspaceKinds are cluster-scoped), sorted by name. */
export function tallies(report: Report): { files: [string, Tally][]; namespaces: [string, Tally][] } {
  const files = new Map<string, Tally>();
  const namespaces = new Map<string, Tally>();
  const bump = (map: Map<string, Tally>, key: string, field: keyof Tally): void => {
    const t = map.get(key) ?? { errors: 0, warnings: 0, effects: 0 };
    t[field] += 1;
    map.set(key, t);
  };
  for (const f of report.findings) {
    const field = f.severity === Severity.ERROR ? 'errors' : f.severity === Severity.WARNING ? 'warnings' : undefined;
    if (!field) continue;
    bump(files, f.file ?? 'kfws', field);
    if (f.object) bump(namespaces, namespaceOf(f.object), field);
  }
  for (const i of report.impacts) {
    bump(files, i.file, 'effects');
    bump(namespaces, namespaceOf(i.workspace), 'effects');
  }
  const sorted = (m: Map<string, Tally>) => [...m.entries()].sort((a, b) => compare(a[0], b[0]));
  return { files: sorted(files), namespaces: sorted(namespaces) };
}

function namespaceOf(ref: { kind: string; namespace?: string }): string {
  return ref.kind === 'WorkspaceKind' ? '(cluster-scoped)' : (ref.namespace ?? '(no namespace)');
}

function tallyText(t: Tally): string {
  const parts = [t.errors ? plural(t.errors, 'error') : '', t.warnings ? plural(t.warnings, 'warning') : '', t.effects ? plural(t.effects, 'effect') : ''];
  return parts.filter((p) => p).join(', ');
}

function textReport(report: Report): string {
  const lines = report.findings.map(findingText);
  if (report.impacts.length > 0) {
    if (lines.length > 0) lines.push('');
    lines.push('What this change does to Workspaces:', ...report.impacts.map((i) => `  ${impactText(i)}`));
  }
  const { files, namespaces } = tallies(report);
  if (files.length > 0) {
    if (lines.length > 0) lines.push('');
    lines.push('Per file:', ...files.map(([name, t]) => `  ${escapeLine(`${name}: ${tallyText(t)}`)}`));
    if (namespaces.length > 0) lines.push('Per namespace:', ...namespaces.map(([name, t]) => `  ${escapeLine(`${name}: ${tallyText(t)}`)}`));
  }
  if (lines.length > 0) lines.push('');
  lines.push(summaryLine(report));
  return `${lines.join('\n')}\n`;
}

function jsonReport(report: Report): unknown {
  return {
    command: report.command,
    exitCode: exitCodeOf(report.findings),
    checked: report.checked,
    findings: report.findings.map((f) => ({
      severity: f.severity,
      category: f.category,
      file: f.file,
      document: f.document,
      item: f.item,
      line: f.line,
      object: f.object,
      field: f.violation?.field,
      type: f.violation?.type,
      value: f.violation?.value,
      // The value as the API server prints it, for values JSON cannot carry (NaN, Infinity).
      valueText: f.violation && f.violation.value !== undefined ? formatValue(f.violation.value) : undefined,
      expected: f.violation?.detail,
      message: f.message,
      hint: f.hint,
    })),
    impacts: report.impacts,
    ...(report.optionChanges ? { optionChanges: report.optionChanges } : {}),
    counts: countsJson(report),
  };
}

function countsJson(report: Report): unknown {
  const { files, namespaces } = tallies(report);
  return {
    files: files.map(([file, t]) => ({ file, ...t })),
    namespaces: namespaces.map(([namespace, t]) => ({ namespace, ...t })),
  };
}

// GitHub workflow commands: https://docs.github.com/actions/reference/workflow-commands-for-github-actions
// Escaped as @actions/core escapes them (`%`, CR, LF in data; `:` and `,` too in properties); the other control
// characters, line breaks and bidi controls, which GitHub would show raw (or reorder text with), are written
// visibly (`\u202e`) first.

/** {@link UNSAFE_CHARACTERS} but CR and LF, which the workflow command escapes encode. */
const UNSAFE_IN_COMMAND = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

export function escapeData(s: string): string {
  return s.replace(UNSAFE_IN_COMMAND, escapeCharacter).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function annotation(level: Severity, props: Record<string, string | number | undefined>, message: string): string {
  const list = Object.entries(props)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
    .join(',');
  return `::${level} ${list}::${escapeData(message)}`;
}

function githubReport(report: Report, annotationPath: (file: string) => string): string {
  const lines: string[] = [];
  for (const f of report.findings) {
    const title = f.object ? `kfws: ${describeObject(f.object)}` : 'kfws';
    const message = f.hint === undefined ? f.message : `${f.message}\n${f.hint}`;
    lines.push(annotation(f.severity, { file: f.file && annotationPath(f.file), line: f.line, title }, message));
  }
  for (const i of report.impacts) {
    const level = i.effect === Effect.ERROR_STATE ? Severity.WARNING : Severity.NOTICE;
    const title = `kfws diff: ${describeObject(i.workspace)}`;
    lines.push(annotation(level, { file: annotationPath(i.file), line: i.line, title }, i.message));
  }
  lines.push(summaryLine(report));
  return `${lines.join('\n')}\n`;
}

// --format markdown: a pull-request comment. Every text from the input goes through `cell`: one line, no HTML, no
// Markdown syntax, no @mention or #reference that would notify someone or link elsewhere.

/** `text` as literal Markdown table-cell content. */
export function markdownText(text: string): string {
  return escapeLine(text).replace(/[&<>@#\\`*_[\]|~]/g, (c) => MARKDOWN_ESCAPES[c] ?? `\\${c}`);
}

/** Characters written as HTML entities: markup, @mentions and #references (which would notify or link). */
const MARKDOWN_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '@': '&#64;', '#': '&#35;' };

const RESTART_EFFECTS = new Set([Effect.RESTARTED, Effect.RENAMED]);

/** How the Workspaces of a diff are counted in the comment's first table. */
const EFFECT_ROWS: { effects: Effect[]; label: string }[] = [
  { effects: [Effect.RESTARTED], label: 'restart now (the Pod is replaced)' },
  { effects: [Effect.PENDING_RESTART], label: 'restart when next paused (redirect pending)' },
  { effects: [Effect.REDIRECTED], label: 'switched to a redirect target (paused)' },
  { effects: [Effect.PAUSED], label: 'pause (the Pod is stopped)' },
  { effects: [Effect.UNPAUSED], label: 'unpause (the Pod is started)' },
  { effects: [Effect.ERROR_STATE], label: 'break: the reconciler puts them in state Error' },
  { effects: [Effect.RENAMED], label: 'are renamed (deleted and created; volumes stay)' },
  { effects: [Effect.CREATED], label: 'are created' },
  { effects: [Effect.DELETED], label: 'are deleted (volumes stay)' },
];

const OPTION_CHANGE_TEXT: Record<OptionChangeType, string> = {
  [OptionChangeType.ADDED]: 'added',
  [OptionChangeType.REMOVED]: 'removed',
  [OptionChangeType.CHANGED]: 'spec changed',
  [OptionChangeType.REDIRECTED]: 'redirect changed',
  [OptionChangeType.RELABELED]: 'spawner information changed',
};

function markdownReport(report: Report): string {
  const errors = report.findings.filter((f) => f.severity === Severity.ERROR);
  const warnings = report.findings.filter((f) => f.severity === Severity.WARNING);
  const refusedWorkspaces = new Set(errors.filter((f) => f.object?.kind === WORKSPACE_KIND).map((f) => describeObject(f.object!)));
  const verdict = errors.length > 0 ? 'cannot be merged as it is' : warnings.length > 0 ? 'passes, with warnings' : 'passes';
  const out: string[] = [`### kfws ${report.command}: this change ${verdict}`, '', markdownText(summaryLine(report)), ''];

  if (report.command === 'diff') {
    out.push('| Workspaces that … | Count |', '|---|--:|');
    for (const row of EFFECT_ROWS) {
      const n = new Set(report.impacts.filter((i) => row.effects.includes(i.effect)).map((i) => describeObject(i.workspace))).size;
      if (n > 0 || row.effects.some((e) => RESTART_EFFECTS.has(e) || e === Effect.PAUSED || e === Effect.ERROR_STATE)) out.push(`| ${row.label} | ${n} |`);
    }
    out.push(`| break: refused by the API server (see the errors) | ${refusedWorkspaces.size} |`, '');
  }

  const changes = report.optionChanges ?? [];
  if (changes.length > 0) {
    out.push('#### WorkspaceKind options changed', '', '| WorkspaceKind | Option | Change | Workspaces on it before | after | Where |', '|---|---|---|--:|--:|---|');
    for (const c of changes) {
      out.push(
        `| ${markdownText(c.kind)} | ${markdownText(`${c.type} ${c.id}`)} | ${OPTION_CHANGE_TEXT[c.change]} | ${c.workspacesBefore} | ${c.workspaces} | ${markdownText(`${c.file}:${c.line}`)} |`,
      );
    }
    out.push('');
  }

  if (errors.length + warnings.length > 0) {
    out.push('#### Problems', '', '| | Where | Object | Problem | What to do |', '|---|---|---|---|---|');
    for (const f of [...errors, ...warnings]) {
      const object = f.object ? markdownText(describeObject(f.object)) : '';
      out.push(`| ${f.severity} | ${markdownText(where(f))} | ${object} | ${markdownText(f.message)} | ${markdownText(f.hint ?? '')} |`);
    }
    out.push('');
  }

  const shown = report.impacts.filter((i) => i.effect !== Effect.CREATED && i.effect !== Effect.DELETED);
  if (shown.length > 0) {
    out.push('#### Workspaces affected', '', '| Workspace | Effect | Detail | Where |', '|---|---|---|---|');
    for (const i of shown.slice(0, MAX_MARKDOWN_ROWS)) {
      out.push(`| ${markdownText(describeObject(i.workspace))} | ${i.effect} | ${markdownText(i.message)} | ${markdownText(where(i))} |`);
    }
    if (shown.length > MAX_MARKDOWN_ROWS) out.push(`| … and ${shown.length - MAX_MARKDOWN_ROWS} more | | | |`);
    out.push('');
  }

  out.push('#### What to do', '', ...whatToDo(report, errors.length, refusedWorkspaces.size));
  return `${out.join('\n')}\n`;
}

/** Rows of a table a comment shows at most (GitHub comments are limited to 65,536 characters). */
const MAX_MARKDOWN_ROWS = 200;

function whatToDo(report: Report, errors: number, refused: number): string[] {
  const out: string[] = [];
  if (report.findings.some((f) => f.category === 'unreadable')) {
    out.push('- Some input could not be read or was refused: nothing under it was checked. Fix or remove it (each problem says why), or review what the applier builds from it.');
  }
  if (errors > 0) out.push('- Fix every error above: the API server or the admission webhook would refuse these objects, so the sync would fail. Each row says what to do where kfws knows.');
  if (refused > 0) out.push('- An option in use cannot change or go: add a new option and redirect the old one to it; each Workspace moves when it is next paused.');
  if (report.impacts.some((i) => i.effect === Effect.RESTARTED)) out.push('- Workspaces that restart lose what runs in them: tell their users, or set `spec.paused` / `deferUpdates` first.');
  if (report.impacts.some((i) => i.effect === Effect.ERROR_STATE)) out.push('- Workspaces that go to state Error stop working until their WorkspaceKind options are fixed.');
  if (out.length === 0) out.push('- Nothing: the change can be merged as far as Workspaces and WorkspaceKinds go.');
  return out;
}
