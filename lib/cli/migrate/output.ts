/**
 * The files `kfws migrate` writes: the YAML exactly as the generated cdk8s app (./typescript.ts) synthesizes it, and
 * the report. The YAML layout is cdk8s's own: one file per chart, the charts numbered because the Workspaces' chart
 * depends on the kinds' chart, every object through cdk8s's serializer with sorted keys.
 */

import { Yaml } from 'cdk8s';
import { MigrationPlan, NotebookReport, SourceRef } from './plan';
import { plain } from './json';

/** Chart ids of the generated app; the YAML file names follow from them. */
export const KINDS_CHART_ID = 'workspacekinds';
export const WORKSPACES_CHART_ID = 'workspaces';
const OUTPUT_FILE_EXTENSION = '.k8s.yaml';

/** File name → content of `--format yaml`. */
export function yamlFiles(plan: MigrationPlan): Record<string, string> {
  return {
    [`0000-${KINDS_CHART_ID}${OUTPUT_FILE_EXTENSION}`]: Yaml.stringify(...plan.kinds.map(plain)),
    [`0001-${WORKSPACES_CHART_ID}${OUTPUT_FILE_EXTENSION}`]: Yaml.stringify(...plan.workspaces.map(plain)),
  };
}

export function sourceText(source: SourceRef): string {
  return `${source.file}:${source.document}${source.item ? ` ${source.item}` : ''}`;
}

function notebookTitle(r: NotebookReport): string {
  const ns = r.notebook.namespace ? `${r.notebook.namespace}/` : '';
  return `Notebook ${ns}${r.notebook.name} (${r.apiVersion}, ${sourceText(r.source)})`;
}

/** The report: per Notebook what was carried, what changed by design and what could not be carried. */
export function formatMigrationReport(plan: MigrationPlan, extra: readonly string[] = []): string {
  const lines: string[] = [];
  for (const r of plan.notebooks) {
    lines.push(`${notebookTitle(r)} → Workspace ${r.notebook.namespace ? `${r.notebook.namespace}/` : ''}${r.notebook.name}, WorkspaceKind ${r.kind}, imageConfig ${r.imageConfig}, podConfig ${r.podConfig}`);
    for (const c of r.notCarried) lines.push(`  NOT CARRIED: ${c}`);
    for (const c of r.changed) lines.push(`  changed: ${c}`);
    for (const c of r.carried) lines.push(`  carried: ${c}`);
  }
  for (const e of plan.errors) lines.push(`error: ${sourceText(e.source)}: ${e.message}`);
  lines.push(...extra);
  const incomplete = plan.notebooks.filter((r) => r.notCarried.length > 0).length;
  lines.push(
    `${plan.notebooks.length} Notebook${plan.notebooks.length === 1 ? '' : 's'} migrated into ${plan.workspaces.length} Workspace${plan.workspaces.length === 1 ? '' : 's'} of ` +
      `${plan.kinds.length} WorkspaceKind${plan.kinds.length === 1 ? '' : 's'}; ${incomplete} with facts not carried; ${plan.errors.length} not migrated`,
  );
  return `${lines.join('\n')}\n`;
}
