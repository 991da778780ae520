/** The three output formats of `kfws validate` and `kfws diff`. */

import { formatValue } from '../core/validation';
import { describeObject, Effect, exitCodeOf, Finding, Impact, OutputFormat, Report, Severity } from './types';

export interface FormatOptions {
  /** The path GitHub should annotate for a displayed file name (defaults to the name itself). */
  readonly annotationPath?: (file: string) => string;
}

export function formatReport(report: Report, format: OutputFormat, opts: FormatOptions = {}): string {
  switch (format) {
    case OutputFormat.JSON:
      return `${JSON.stringify(jsonReport(report), null, 2)}\n`;
    case OutputFormat.GITHUB:
      return githubReport(report, opts.annotationPath ?? ((f) => f));
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

/** `file:line: severity: Object (document N): message`, the form compilers use, so editors can jump to it. */
export function findingText(f: Finding): string {
  const about = f.object ? ` ${describeObject(f.object)} (document ${f.document}):` : '';
  return `${where(f)}: ${f.severity}:${about} ${f.message}`;
}

function impactText(i: Impact): string {
  return `${where(i)}: ${describeObject(i.workspace)}: ${i.message}`;
}

function textReport(report: Report): string {
  const lines = report.findings.map(findingText);
  if (report.impacts.length > 0) {
    if (lines.length > 0) lines.push('');
    lines.push('What this change does to Workspaces:', ...report.impacts.map((i) => `  ${impactText(i)}`));
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
      line: f.line,
      object: f.object,
      field: f.violation?.field,
      type: f.violation?.type,
      value: f.violation?.value,
      // The value as the API server prints it, for values JSON cannot carry (NaN, Infinity).
      valueText: f.violation && f.violation.value !== undefined ? formatValue(f.violation.value) : undefined,
      expected: f.violation?.detail,
      message: f.message,
    })),
    impacts: report.impacts,
  };
}

// GitHub workflow commands: https://docs.github.com/actions/reference/workflow-commands-for-github-actions
function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(s: string): string {
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
    lines.push(annotation(f.severity, { file: f.file && annotationPath(f.file), line: f.line, title }, f.message));
  }
  for (const i of report.impacts) {
    const level = i.effect === Effect.ERROR_STATE ? Severity.WARNING : Severity.NOTICE;
    const title = `kfws diff: ${describeObject(i.workspace)}`;
    lines.push(annotation(level, { file: annotationPath(i.file), line: i.line, title }, i.message));
  }
  lines.push(summaryLine(report));
  return `${lines.join('\n')}\n`;
}
