/** `kfws migrate`: read Notebooks, plan the migration, check the result with the core, write it, report. */

import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { WorkspaceKindObject } from '../../core/api';
import { formatViolation, validateWorkspace, validateWorkspaceKind, validateWorkspaceKindRendering, validateWorkspaceRendering } from '../../core/validation';
import { DEFAULT_MAX_FILE_SIZE, parseSize } from '../files';
import { escapeLine, findingText } from '../report';
import { ExitCode } from '../types';
import { formatMigrationReport, sourceText, yamlFiles } from './output';
import { MigrationPlan, planMigration } from './plan';
import { readMigrationInput } from './read';
import { typescriptFiles } from './typescript';

/** The API revision migrate writes: upstream fd7a3d8e, the library's default. */
export const MIGRATE_API_REVISION = 'fd7a3d8e';

export enum MigrateFormat {
  YAML = 'yaml',
  TYPESCRIPT = 'typescript',
}

export const MIGRATE_USAGE = `Usage: kfws migrate [--api-revision R] [--out DIR] [--format yaml|typescript] PATH...

Turns Kubeflow v1 Notebooks (kubeflow.org/v1, v1beta1, v1alpha1) into Workspaces and the WorkspaceKinds they need,
using the PersistentVolumeClaims and PodDefaults beside them. The Workspaces' Pods run what the v1 controller ran.
Every Notebook is reported: what was carried, what changed by design of the v2 API, what could not be carried.

Options:
  --out DIR                 where to write (default: migrated); existing files of the same names are replaced
  --format yaml             0000-workspacekinds.k8s.yaml and 0001-workspaces.k8s.yaml (the default)
  --format typescript       a cdk8s app (main.ts, kinds.ts) on this library's constructs that synthesizes that YAML
  --api-revision R          the API revision to write: ${MIGRATE_API_REVISION} (the default; the only one supported)
  --max-file-size SIZE      largest file read (default 16MiB)

Exit status: 0 everything carried, 1 something not carried (named per Notebook), 2 unreadable input, a Notebook
that cannot be migrated, or wrong usage.
`;

interface MigrateIo {
  readonly cwd: string;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

class MigrateUsageError extends Error {}

interface MigrateArgs {
  readonly paths: string[];
  readonly out: string;
  readonly format: MigrateFormat;
  readonly maxFileSize: number;
  readonly help: boolean;
}

function parseMigrateArgs(argv: readonly string[]): MigrateArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        'api-revision': { type: 'string' },
        out: { type: 'string' },
        format: { type: 'string' },
        'max-file-size': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new MigrateUsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const revision = values['api-revision'] ?? MIGRATE_API_REVISION;
  if (revision !== MIGRATE_API_REVISION) {
    throw new MigrateUsageError(
      `--api-revision ${JSON.stringify(revision)} is not supported by migrate: it writes Workspaces and WorkspaceKinds of revision ${MIGRATE_API_REVISION} only ` +
        '(v2.0.0-beta.0 kinds differ: no serviceAccount.name, owned ServiceAccounts, volumes.secrets, activity probes)',
    );
  }
  const format = values.format ?? MigrateFormat.YAML;
  if (!Object.values<string>(MigrateFormat).includes(format)) {
    throw new MigrateUsageError(`--format must be yaml or typescript, not ${JSON.stringify(format)}`);
  }
  let maxFileSize = DEFAULT_MAX_FILE_SIZE;
  if (values['max-file-size'] !== undefined) {
    const size = parseSize(values['max-file-size']);
    if (size === undefined) throw new MigrateUsageError(`--max-file-size must be a size such as 16MiB, not ${JSON.stringify(values['max-file-size'])}`);
    maxFileSize = size;
  }
  if (values.out === '') throw new MigrateUsageError('--out must name a folder');
  return { paths: positionals, out: values.out ?? 'migrated', format: format as MigrateFormat, maxFileSize, help: values.help ?? false };
}

/** What the core says about the output: a bug of the mapping, or a Notebook value the v2 API refuses. */
function validatePlan(plan: MigrationPlan): string[] {
  const problems: string[] = [];
  const kinds = new Map<string, WorkspaceKindObject>();
  for (const kind of plan.kinds) {
    kinds.set(kind.metadata.name as string, kind);
    for (const v of [...validateWorkspaceKind(kind), ...validateWorkspaceKindRendering(kind)]) {
      problems.push(`WorkspaceKind ${kind.metadata.name}: ${formatViolation(v)}`);
    }
  }
  for (const ws of plan.workspaces) {
    const kind = kinds.get(ws.spec?.kind ?? '');
    const name = `${ws.metadata.namespace ? `${ws.metadata.namespace}/` : ''}${ws.metadata.name}`;
    for (const v of [...validateWorkspace(ws, { kind }), ...validateWorkspaceRendering(ws, kind, { includeKind: false })]) {
      problems.push(`Workspace ${name}: ${formatViolation(v)}`);
    }
  }
  return problems;
}

/** Runs `kfws migrate` with `argv` (the arguments after `migrate`). */
export function runMigrate(argv: readonly string[], io: MigrateIo): ExitCode {
  let args: MigrateArgs;
  try {
    args = parseMigrateArgs(argv);
  } catch (err) {
    if (!(err instanceof MigrateUsageError)) throw err;
    io.stderr(`kfws migrate: ${escapeLine(err.message)}\n\n${MIGRATE_USAGE}`);
    return ExitCode.UNREADABLE;
  }
  if (args.help) {
    io.stdout(MIGRATE_USAGE);
    return ExitCode.OK;
  }
  if (args.paths.length === 0) {
    io.stderr(`kfws migrate: at least one PATH is required\n\n${MIGRATE_USAGE}`);
    return ExitCode.UNREADABLE;
  }
  const read = readMigrationInput(args.paths, io.cwd, args.maxFileSize);
  const plan = planMigration(read.input);
  const extra: string[] = [
    ...read.findings.map((f) => `error: ${findingText(f)}`),
    ...read.unknownVersions.map((u) => `error: ${sourceText(u.object.source)}: Notebook of apiVersion ${u.apiVersion}; expected kubeflow.org/v1, v1beta1 or v1alpha1`),
  ];
  if (read.input.notebooks.length === 0 && read.unknownVersions.length === 0 && read.findings.length === 0) {
    extra.push(`error: no Notebook in ${args.paths.join(', ')}`);
  }
  const invalid = validatePlan(plan);
  extra.push(...invalid.map((p) => `INVALID OUTPUT: ${p}`));

  const files = args.format === MigrateFormat.YAML ? yamlFiles(plan) : typescriptFiles(plan);
  const outDir = path.resolve(io.cwd, args.out);
  fs.mkdirSync(outDir, { recursive: true });
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(outDir, name), content);

  io.stdout(formatMigrationReport(plan, extra));
  io.stdout(`wrote ${Object.keys(files).join(', ')} to ${args.out}\n`);
  if (plan.errors.length > 0 || extra.some((e) => e.startsWith('error:'))) return ExitCode.UNREADABLE;
  if (invalid.length > 0 || plan.notebooks.some((r) => r.notCarried.length > 0)) return ExitCode.FAILED;
  return ExitCode.OK;
}
