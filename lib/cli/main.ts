/** Command line of `kfws`: argument parsing, reading the input, running a command, printing, exit status. */

import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { isWorkspacesCrd } from '../core/crd-revision';
import { apiRevisionOfCrd } from '../core/crds';
import { API_REVISION_VALUES, ApiRevision, DEFAULT_API_REVISION, parseApiRevision } from '../core/revision';
import { diffManifests, validateManifests } from './check';
import { GitError, readRevision, repositoryRoot, resolveCommit } from './git';
import { DEFAULT_MAX_FILE_SIZE, parseSize, toPosix, unreadable } from './files';
import { isWorkspaceObject, ManifestObject, ManifestSet, objectLine, parseManifests, readManifests, ReadOptions } from './manifests';
import { runMigrate } from './migrate/command';
import { formatRendered, renderWorkspaces } from './render';
import { escapeLine, findingText, formatReport } from './report';
import { Command, ExitCode, exitCodeOf, Finding, FindingCategory, OutputFormat, Report, Severity } from './types';

export const USAGE = `Usage: kfws <command> [options]

Checks Kubeflow Notebooks Workspaces and WorkspaceKinds (kubeflow.org/v1beta1) in YAML manifests the way the
API server and the admission webhooks will when Argo CD or Flux applies them.

Commands:
  validate PATH...               every Workspace and WorkspaceKind in the files and folders, as a create
  diff --base REV PATH...        the change from a git revision (or --base-dir DIR) as an update: immutable
                                 fields, options in use, defaults and redirect targets, removed WorkspaceKinds;
                                 and what the change does to Workspaces (restarts, redirects, pause)
  render PATH...                 the StatefulSet and Service the reconciler creates for each Workspace
  migrate PATH...                Kubeflow v1 Notebooks into Workspaces and WorkspaceKinds (kfws migrate --help)

Options:
  --kinds PATH              more WorkspaceKinds to check Workspaces against (file or folder; repeatable)
  --base REV                diff: a git revision of the repository of the current folder (never a folder)
  --base-dir DIR            diff: a folder holding the base manifests instead (e.g. synthesized from the base)
  --max-file-size SIZE      largest file read, e.g. 16MiB (the default), 512Ki, 1000000; also the most a
                            file's YAML aliases may expand to
  --api-revision REV        the upstream API revision the cluster runs: fd7a3d8e (the default) or
                            v2.0.0-beta.0; without it, the revision of the Workspace/WorkspaceKind CRDs
                            found among the PATHs, if any (a CRD of another revision than REV is an error)
  --workspace [NS/]NAME     render: only this Workspace
  --format text|json|github output format (github: workflow annotations; not for render)
  -h, --help                show this help
  --version                 show the version

Folders are read recursively (*.yaml, *.yml; hidden folders and node_modules skipped; symbolic links only
when they stay inside the PATH given); only regular files are read; List kinds are expanded; objects of other
kinds are skipped. Exit status: 0 no errors, 1 errors found, 2 unreadable input or wrong usage, 3 internal error.
`;

/** Where the CLI reads and writes; the real process by default, something else in tests. */
export interface CliIo {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

function processIo(): CliIo {
  return {
    cwd: process.cwd(),
    env: process.env,
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
  };
}

/** Wrong command line: usage is printed with the message. */
class UsageError extends Error {}

interface Arguments {
  readonly command?: string;
  readonly paths: string[];
  readonly kinds: string[];
  readonly base?: string;
  readonly baseDir?: string;
  readonly maxFileSize: number;
  readonly workspace?: string;
  /** `--api-revision`, when given. */
  readonly apiRevision?: ApiRevision;
  readonly format: OutputFormat;
  readonly help: boolean;
  readonly version: boolean;
}

function parseArguments(argv: readonly string[]): Arguments {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const format = values.format ?? OutputFormat.TEXT;
  if (!Object.values<string>(OutputFormat).includes(format)) {
    throw new UsageError(`--format must be one of ${Object.values(OutputFormat).join(', ')}, not ${JSON.stringify(format)}`);
  }
  let maxFileSize = DEFAULT_MAX_FILE_SIZE;
  if (values['max-file-size'] !== undefined) {
    const size = parseSize(values['max-file-size']);
    if (size === undefined) {
      throw new UsageError(`--max-file-size must be a size in bytes such as 16MiB, 512Ki or 1000000, not ${JSON.stringify(values['max-file-size'])}`);
    }
    maxFileSize = size;
  }
  const apiRevision = values['api-revision'] === undefined ? undefined : parseApiRevision(values['api-revision']);
  if (values['api-revision'] !== undefined && apiRevision === undefined) {
    throw new UsageError(`--api-revision must be one of ${API_REVISION_VALUES}, not ${JSON.stringify(values['api-revision'])}`);
  }
  return {
    apiRevision,
    command: positionals[0],
    paths: positionals.slice(1),
    kinds: values.kinds ?? [],
    base: values.base,
    baseDir: values['base-dir'],
    maxFileSize,
    workspace: values.workspace,
    format: format as OutputFormat,
    help: values.help ?? false,
    version: values.version ?? false,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      kinds: { type: 'string', multiple: true },
      base: { type: 'string' },
      'base-dir': { type: 'string' },
      'max-file-size': { type: 'string' },
      workspace: { type: 'string' },
      'api-revision': { type: 'string' },
      format: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean' },
    },
  });
}

function packageVersion(): string {
  // lib/cli when run from the sources, build/lib/cli when built.
  for (const rel of ['../../package.json', '../../../package.json']) {
    const file = path.join(__dirname, rel);
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return 'unknown';
}

/** Runs `kfws` with `argv` (without the program name) and returns the exit status. */
export function run(argv: readonly string[], io: CliIo = processIo()): ExitCode {
  try {
    // migrate has options of its own (lib/cli/migrate/command.ts).
    if (argv[0] === 'migrate') return runMigrate(argv.slice(1), io);
    const args = parseArguments(argv);
    if (args.version) {
      io.stdout(`${packageVersion()}\n`);
      return ExitCode.OK;
    }
    if (args.help) {
      io.stdout(USAGE);
      return ExitCode.OK;
    }
    switch (args.command) {
      case Command.VALIDATE:
        return validateCommand(args, io);
      case Command.DIFF:
        return diffCommand(args, io);
      case Command.RENDER:
        return renderCommand(args, io);
      case undefined:
        throw new UsageError('a command is required');
      default:
        throw new UsageError(`unknown command ${JSON.stringify(args.command)}`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`kfws: ${escapeLine(err.message)}\n\n${USAGE}`);
      return ExitCode.UNREADABLE;
    }
    if (err instanceof GitError) {
      io.stderr(`kfws: ${escapeLine(err.message)}\n`);
      return ExitCode.UNREADABLE;
    }
    const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
    io.stderr(`kfws: internal error: ${detail.split('\n').map(escapeLine).join('\n  ')}\n`);
    return ExitCode.INTERNAL;
  }
}

function requirePaths(args: Arguments): void {
  if (args.paths.length === 0) throw new UsageError(`${args.command}: at least one PATH is required`);
}

function forbid(args: Arguments, option: 'base' | 'baseDir' | 'workspace'): void {
  const flag = { base: '--base', baseDir: '--base-dir', workspace: '--workspace' }[option];
  if (args[option] !== undefined) throw new UsageError(`${flag} is not an option of ${args.command}`);
}

function readOptions(args: Arguments, io: CliIo): ReadOptions {
  // In GitHub Actions, annotations name files relative to the checkout; the API's CRDs tell the revision.
  return { cwd: io.cwd, annotationRoot: io.env.GITHUB_WORKSPACE || io.cwd, maxFileSize: args.maxFileSize, select: selectWithCrds };
}

function selectWithCrds(value: Record<string, unknown>): boolean {
  return isWorkspaceObject(value) || isWorkspacesCrd(value);
}

/** The revision the manifests are checked at, and the findings of CRDs that contradict it. */
interface RevisionChoice {
  readonly set: ManifestSet;
  readonly revision: ApiRevision;
}

/**
 * Splits the API's CRDs off `set` and decides the revision: `--api-revision` when given (a CRD of another revision is
 * an error naming its file), else the revision of the CRDs found (CRDs of both revisions are an error), else `fallback`.
 */
function chooseRevision(set: ManifestSet, flag: ApiRevision | undefined, fallback: ApiRevision): RevisionChoice {
  const crds = set.objects.filter((o) => isWorkspacesCrd(o.value));
  const objects = set.objects.filter((o) => !isWorkspacesCrd(o.value));
  const found = crds.map((obj) => ({ obj, revision: apiRevisionOfCrd(obj.value) })).filter((c): c is { obj: ManifestObject; revision: ApiRevision } => c.revision !== undefined);
  const findings: Finding[] = [];
  const where = (obj: ManifestObject) => ({ file: obj.file.display, document: obj.document, item: obj.item, line: objectLine(obj) });
  let revision = flag;
  if (flag !== undefined) {
    for (const { obj, revision: r } of found) {
      if (r === flag) continue;
      findings.push({
        severity: Severity.ERROR,
        category: FindingCategory.UNREADABLE,
        ...where(obj),
        message: `--api-revision ${flag}, but the CustomResourceDefinition ${obj.ref.name} in this file is of ${r}; ` +
          `drop --api-revision to use the CRDs' revision, or review against the CRDs of ${flag}`,
      });
    }
  } else {
    const revisions = [...new Set(found.map((c) => c.revision))];
    revision = revisions.length === 1 ? revisions[0] : fallback;
    if (revisions.length > 1) {
      for (const { obj, revision: r } of found) {
        findings.push({
          severity: Severity.ERROR,
          category: FindingCategory.UNREADABLE,
          ...where(obj),
          message: `the CustomResourceDefinitions found are of two API revisions (${revisions.join(', ')}): ${obj.ref.name} here is of ${r}; ` +
            `keep the CRDs of one revision, or choose one with --api-revision`,
        });
      }
    }
  }
  return { set: { ...set, objects, findings: [...set.findings, ...findings] }, revision: revision ?? fallback };
}

/** `--kinds` input, without the files that are also under review (those count as input, once). */
function readReference(args: Arguments, input: ManifestSet, opts: ReadOptions): ManifestSet | undefined {
  if (args.kinds.length === 0) return undefined;
  const reference = readManifests(args.kinds, opts);
  // The same file may be reached under two spellings (`. --kinds kinds`): compare where the files are.
  const reviewed = new Set(input.files.map((f) => f.location ?? f.display));
  const dropped = new Set(reference.files.filter((f) => reviewed.has(f.location ?? f.display)).map((f) => f.display));
  return {
    files: reference.files.filter((f) => !dropped.has(f.display)),
    objects: reference.objects.filter((o) => !dropped.has(o.file.display)),
    findings: reference.findings.filter((f) => f.file === undefined || !dropped.has(f.file)),
  };
}

/** `--kinds` input without CRDs: only the reviewed PATHs tell the revision. */
function withoutCrds(set: ManifestSet | undefined): ManifestSet | undefined {
  return set && { ...set, objects: set.objects.filter((o) => !isWorkspacesCrd(o.value)) };
}

function print(report: Report, args: Arguments, sets: readonly ManifestSet[], io: CliIo): ExitCode {
  const annotationPaths = new Map<string, string>();
  for (const set of sets) for (const f of set.files) annotationPaths.set(f.display, f.annotationPath);
  io.stdout(formatReport(report, args.format, { annotationPath: (file) => annotationPaths.get(file) ?? file }));
  return exitCodeOf(report.findings);
}

function validateCommand(args: Arguments, io: CliIo): ExitCode {
  requirePaths(args);
  forbid(args, 'base');
  forbid(args, 'baseDir');
  forbid(args, 'workspace');
  const opts = readOptions(args, io);
  const { set: input, revision } = chooseRevision(readManifests(args.paths, opts), args.apiRevision, DEFAULT_API_REVISION);
  const reference = withoutCrds(readReference(args, input, opts));
  return print(validateManifests(input, reference, revision), args, [input, ...(reference ? [reference] : [])], io);
}

function diffCommand(args: Arguments, io: CliIo): ExitCode {
  requirePaths(args);
  forbid(args, 'workspace');
  if (args.base !== undefined && args.baseDir !== undefined) throw new UsageError('diff: give either --base REV or --base-dir DIR, not both');
  const opts = readOptions(args, io);
  const base =
    args.baseDir !== undefined
      ? { set: readManifests([args.baseDir], opts) }
      : args.base !== undefined
        ? readBase(args.base, args.paths, io, opts)
        : undefined;
  if (!base) throw new UsageError('diff: --base REV (a git revision) or --base-dir DIR is required');
  // A PATH that is gone from the working tree but was in the base was deleted by the change: nothing to read.
  const present = args.paths.filter((p) => fs.existsSync(path.resolve(io.cwd, p)) || !existedInBase(p, base, io.cwd));
  const { set: next, revision } = chooseRevision(readManifests(present, opts), args.apiRevision, DEFAULT_API_REVISION);
  // The base's own CRDs, if any, tell its revision: a change may move the platform from one revision to the other.
  const { set: baseSet, revision: baseRevision } = chooseRevision(base.set, undefined, revision);
  const reference = withoutCrds(readReference(args, next, opts));
  const report = diffManifests(baseSet, next, reference, { base: baseRevision, next: revision });
  return print(report, args, [baseSet, next, ...(reference ? [reference] : [])], io);
}

interface Base {
  readonly set: ManifestSet;
  /** For a git base: the repository root, which base annotation paths are relative to. */
  readonly root?: string;
}

/**
 * The manifests of git revision `rev`. Always a revision, never a path: a folder of that name in the working tree,
 * which the change under review controls, must not become its own base.
 */
function readBase(rev: string, paths: readonly string[], io: CliIo, opts: ReadOptions): Base {
  const root = repositoryRoot(io.cwd);
  if (root === undefined) throw new GitError(`--base ${JSON.stringify(rev)}: ${io.cwd} is not in a git repository (for a folder, use --base-dir)`);
  const commit = resolveCommit(root, rev);
  const maxFileSize = opts.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
  const { sources, refused } = readRevision(root, commit, rev, paths, io.cwd, maxFileSize);
  const set = parseManifests(sources, { maxFileSize, select: selectWithCrds });
  return { set: { ...set, findings: [...refused.map((r) => unreadable(r.display, r.reason)), ...set.findings] }, root };
}

function existedInBase(p: string, base: Base, cwd: string): boolean {
  if (base.root === undefined) return false;
  const rel = toPosix(path.relative(base.root, path.resolve(cwd, p)));
  return base.set.files.some((f) => f.annotationPath === rel || f.annotationPath.startsWith(`${rel}/`));
}

function renderCommand(args: Arguments, io: CliIo): ExitCode {
  requirePaths(args);
  forbid(args, 'base');
  forbid(args, 'baseDir');
  if (args.format === OutputFormat.GITHUB) throw new UsageError('render: --format github is not supported');
  const opts = readOptions(args, io);
  const { set: input, revision } = chooseRevision(readManifests(args.paths, opts), args.apiRevision, DEFAULT_API_REVISION);
  const reference = withoutCrds(readReference(args, input, opts));
  const result = renderWorkspaces(input, reference, args.workspace, revision);
  const findings: Finding[] = [...result.findings];
  if (result.matched === 0) {
    const which = args.workspace === undefined ? 'no Workspace' : `no Workspace ${args.workspace}`;
    findings.push({ severity: Severity.ERROR, category: FindingCategory.UNREADABLE, message: `${which} in ${args.paths.join(', ')}` });
  }
  if (args.format === OutputFormat.JSON) {
    io.stdout(formatRendered({ ...result, findings }, args.format));
  } else {
    io.stdout(formatRendered(result, args.format));
    // The manifests go to stdout, so that they can be piped; problems to stderr.
    for (const f of findings) io.stderr(`${findingText(f)}\n`);
  }
  return exitCodeOf(findings);
}
