/** Command line of `kfws`: argument parsing, reading the input, running a command, printing, exit status. */

import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { isWorkspacesCrd } from '../core/crd-revision';
import { apiRevisionOfCrd } from '../core/crds';
import { API_REVISION_VALUES, ApiRevision, DEFAULT_API_REVISION, parseApiRevision } from '../core/revision';
import { diffManifests, validateManifests } from './check';
import { GitError, readRevision, repositoryRoot, resolveCommit, submodulesOf } from './git';
import { DEFAULT_MAX_FILE_SIZE, DEFAULT_MAX_TOTAL_SIZE, parseSize, readProcessStdin, STDIN_DISPLAY, STDIN_PATH, toPosix, unreadable } from './files';
import { namespaceCollisions, withDefaultNamespace } from './namespaces';
import { isWorkspaceObject, ManifestObject, ManifestSet, objectLine, parseManifests, readManifests, ReadOptions } from './manifests';
import { runMigrate } from './migrate/command';
import { formatRendered, renderWorkspaces } from './render';
import { escapeLine, findingText, formatReport } from './report';
import { Applier, Command, ExitCode, exitCodeOf, Finding, FindingCategory, OutputFormat, Report, Severity } from './types';

export const USAGE = `Usage: kfws <command> [options]

Checks Kubeflow Notebooks Workspaces and WorkspaceKinds (kubeflow.org/v1beta1) in YAML and JSON manifests the way
the API server and the admission webhooks will when kubectl, Argo CD or Flux applies them.

Commands:
  validate PATH...               every Workspace and WorkspaceKind in the files and folders, as a create
  diff --base REV PATH...        the change from a git revision (or --base-dir DIR) as an update: immutable
                                 fields, options in use, defaults and redirect targets, removed WorkspaceKinds;
                                 and what the change does to Workspaces (restarts, redirects, pause)
  render PATH...                 the StatefulSet and Service the reconciler creates for each Workspace
  migrate PATH...                Kubeflow v1 Notebooks into Workspaces and WorkspaceKinds (kfws migrate --help)

A PATH of - is standard input (e.g. kustomize build DIR | kfws diff --base-dir BASE.yaml -).

Options:
  --applier kubectl|argocd|flux  read folders as this applier does (default: as all three, refusing what
                            they would read differently; see below)
  --recurse                 --applier argocd: the Application has directory.recurse: true
  --include GLOB            --applier argocd: its directory.include (a glob on the path below PATH)
  --exclude GLOB            --applier argocd: its directory.exclude
  --namespace NS            the namespace the applier gives objects without one (kubectl -n, Argo CD
                            destination.namespace, Flux targetNamespace); without it, a Workspace without a
                            namespace that has the name of one with a namespace is refused
  --kinds PATH              more WorkspaceKinds to check Workspaces against (file or folder; repeatable); a
                            WorkspaceKind of the input with the name of one of these and another spec is refused
  --base REV                diff: a git revision of the repository of the current folder (never a folder)
  --base-dir DIR            diff: a folder (or file) holding the base manifests instead (e.g. synthesized or
                            built with kustomize from the base)
  --max-file-size SIZE      largest file read, e.g. 16MiB (the default), 512Ki, 1000000; also the most a
                            file's YAML aliases may expand to
  --max-total-size SIZE     most bytes read from the PATHs together (and from the base, and from --kinds):
                            128MiB by default; more is refused before anything is read
  --api-revision REV        the upstream API revision the cluster runs: fd7a3d8e (the default) or
                            v2.0.0-beta.0; without it, the revision of the Workspace/WorkspaceKind CRDs
                            found among the PATHs, if any (a CRD of another revision than REV is an error)
  --workspace [NS/]NAME     render: only this Workspace
  --format text|json|github|markdown
                            output format (github: workflow annotations; markdown: a pull-request comment;
                            neither for render)
  -h, --help                show this help
  --version                 show the version

Reading folders. kubectl apply -R reads every *.yaml, *.yml and *.json file below a folder, dot folders and
node_modules included; Argo CD the same extensions, only the top folder unless directory.recurse; Flux every
*.yaml and *.yml (no .json). By default kfws reads folders recursively with the three extensions and warns about
.json files (Flux skips them). In every mode it refuses, naming the path: a folder with a kustomization (with
the command that reviews its kustomize build), a git submodule, a symbolic link leaving the PATH, a .jsonnet file
(Argo CD), a file that is not a regular file. Symbolic links to folders are not followed (no applier follows
them). The base revision of a diff is read by the same rules, its links and submodules included. List kinds are
expanded; objects of other kinds are skipped.

Exit status: 0 no errors, 1 errors found, 2 unreadable or refused input or wrong usage, 3 internal error.
`;

/** Where the CLI reads and writes; the real process by default, something else in tests. */
export interface CliIo {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Standard input, for the PATH `-`: at most `limit` + 1 bytes of it. */
  readonly stdin?: (limit: number) => Buffer;
}

function processIo(): CliIo {
  return {
    cwd: process.cwd(),
    env: process.env,
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    stdin: readProcessStdin,
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
  readonly maxTotalSize: number;
  readonly applier?: Applier;
  readonly recurse: boolean;
  readonly include?: string;
  readonly exclude?: string;
  readonly namespace?: string;
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
  const size = (flag: 'max-file-size' | 'max-total-size', fallback: number): number => {
    const text = values[flag];
    if (text === undefined) return fallback;
    const bytes = parseSize(text);
    if (bytes === undefined) throw new UsageError(`--${flag} must be a size in bytes such as 16MiB, 512Ki or 1000000, not ${JSON.stringify(text)}`);
    return bytes;
  };
  const applier = values.applier;
  if (applier !== undefined && !Object.values<string>(Applier).includes(applier)) {
    throw new UsageError(`--applier must be one of ${Object.values(Applier).join(', ')}, not ${JSON.stringify(applier)}`);
  }
  const argocdOnly = (['recurse', 'include', 'exclude'] as const).filter((k) => values[k] !== undefined);
  if (argocdOnly.length > 0 && applier !== Applier.ARGOCD) {
    throw new UsageError(`--${argocdOnly[0]} is a setting of Argo CD directory applications: give --applier argocd with it`);
  }
  const namespace = values.namespace;
  if (namespace !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace)) {
    throw new UsageError(`--namespace must be a namespace name (a lowercase RFC 1123 label), not ${JSON.stringify(namespace)}`);
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
    maxFileSize: size('max-file-size', DEFAULT_MAX_FILE_SIZE),
    maxTotalSize: size('max-total-size', DEFAULT_MAX_TOTAL_SIZE),
    applier: applier as Applier | undefined,
    recurse: values.recurse ?? false,
    include: values.include,
    exclude: values.exclude,
    namespace,
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
      'max-total-size': { type: 'string' },
      applier: { type: 'string' },
      recurse: { type: 'boolean' },
      include: { type: 'string' },
      exclude: { type: 'string' },
      namespace: { type: 'string' },
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
  if (args.paths.filter((p) => p === STDIN_PATH).length > 1) throw new UsageError(`${args.command}: standard input (-) can be read once`);
  if (args.kinds.includes(STDIN_PATH)) throw new UsageError('--kinds: standard input (-) is for the manifests under review; give the WorkspaceKinds as a file');
}

function forbid(args: Arguments, option: 'base' | 'baseDir' | 'workspace'): void {
  const flag = { base: '--base', baseDir: '--base-dir', workspace: '--workspace' }[option];
  if (args[option] !== undefined) throw new UsageError(`${flag} is not an option of ${args.command}`);
}

/** `text` as one shell word. */
function shellWord(text: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The options of this run that a review of kustomize's output repeats. */
function carriedOptions(args: Arguments): string {
  const out: string[] = [];
  for (const k of args.kinds) out.push('--kinds', shellWord(k));
  if (args.namespace !== undefined) out.push('--namespace', args.namespace);
  if (args.format !== OutputFormat.TEXT) out.push('--format', args.format);
  return out.map((w) => ` ${w}`).join('');
}

/**
 * The command line that reviews what kustomize builds from folder `dir` (as displayed): for a diff from a git
 * revision, both revisions are built (the base in a temporary work tree).
 */
function kustomizeCommand(args: Arguments, io: CliIo, root: string | undefined): (dir: string) => string {
  return (dir) => {
    const options = carriedOptions(args);
    if (args.command !== Command.DIFF) return `kustomize build ${shellWord(dir)} | kfws ${args.command}${options} -`;
    if (args.base === undefined || root === undefined) {
      return `kustomize build BASE_DIR > /tmp/kfws-base.yaml && kustomize build ${shellWord(dir)} | kfws diff --base-dir /tmp/kfws-base.yaml${options} -`;
    }
    const prefix = `${args.base}:`;
    const inRepo = dir.startsWith(prefix) ? dir.slice(prefix.length) : toPosix(path.relative(root, path.resolve(io.cwd, dir)));
    const here = toPosix(path.relative(io.cwd, path.join(root, inRepo))) || '.';
    return (
      `git worktree add --detach /tmp/kfws-base ${shellWord(args.base)} && kustomize build ${shellWord(`/tmp/kfws-base/${inRepo}`)} > /tmp/kfws-base.yaml ` +
      `&& kustomize build ${shellWord(here)} | kfws diff --base-dir /tmp/kfws-base.yaml${options} -`
    );
  };
}

function readOptions(args: Arguments, io: CliIo, root?: string): ReadOptions {
  return {
    cwd: io.cwd,
    // In GitHub Actions, annotations name files relative to the checkout; the API's CRDs tell the revision.
    annotationRoot: io.env.GITHUB_WORKSPACE || io.cwd,
    maxFileSize: args.maxFileSize,
    maxTotalSize: args.maxTotalSize,
    applier: args.applier,
    recurse: args.recurse,
    include: args.include,
    exclude: args.exclude,
    kustomizeCommand: kustomizeCommand(args, io, root),
    stdin: io.stdin,
    select: selectWithCrds,
  };
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

/** `--kinds` input without CRDs: only the reviewed PATHs tell the revision. */
function withoutCrds(set: ManifestSet | undefined): ManifestSet | undefined {
  return set && { ...set, objects: set.objects.filter((o) => !isWorkspacesCrd(o.value)) };
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

/** The sets with `--namespace` given to their namespace-less Workspaces. */
function namespaced<T extends ManifestSet | undefined>(args: Arguments, set: T): T {
  return (args.namespace !== undefined && set !== undefined ? withDefaultNamespace(set, args.namespace) : set) as T;
}

/** `set` with `findings` added. */
function adding(set: ManifestSet, findings: readonly Finding[]): ManifestSet {
  return findings.length === 0 ? set : { ...set, findings: [...set.findings, ...findings] };
}

/** No manifest at all under the PATHs (or only empty ones): a wrong PATH, not a clean result. */
function nothingToRead(paths: readonly string[], ...sets: ManifestSet[]): Finding[] {
  const empty = sets.every((set) => set.files.every((f) => f.source.trim() === '') && set.findings.length === 0);
  if (!empty) return [];
  const where = paths.map((p) => (p === STDIN_PATH ? STDIN_DISPLAY : p)).join(', ');
  return [{
    severity: Severity.ERROR,
    category: FindingCategory.UNREADABLE,
    message: `no manifests in ${where}: no *.yaml, *.yml or *.json file with content${sets[0].files.length > 0 ? '' : ' was found'}; check the PATH (and --applier: Argo CD reads the top folder only without --recurse)`,
  }];
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
  const { set: read, revision } = chooseRevision(readManifests(args.paths, opts), args.apiRevision, DEFAULT_API_REVISION);
  const reference = namespaced(args, withoutCrds(readReference(args, read, opts)));
  let input = namespaced(args, read);
  input = adding(input, [...nothingToRead(args.paths, input), ...(args.namespace === undefined ? namespaceCollisions(input) : [])]);
  return print(validateManifests(input, reference, revision), args, [input, ...(reference ? [reference] : [])], io);
}

function diffCommand(args: Arguments, io: CliIo): ExitCode {
  requirePaths(args);
  forbid(args, 'workspace');
  if (args.base !== undefined && args.baseDir !== undefined) throw new UsageError('diff: give either --base REV or --base-dir DIR, not both');
  if (args.base !== undefined && args.paths.includes(STDIN_PATH)) {
    throw new UsageError(
      'diff: standard input has no git revision to compare with: build the base the same way and give it with ' +
        '--base-dir (e.g. git worktree add --detach /tmp/kfws-base REV && kustomize build /tmp/kfws-base/DIR > /tmp/kfws-base.yaml, ' +
        'then kustomize build DIR | kfws diff --base-dir /tmp/kfws-base.yaml -)',
    );
  }
  const root = args.base !== undefined ? repositoryRoot(io.cwd) : undefined;
  const opts = readOptions(args, io, root);
  const base =
    args.baseDir !== undefined
      ? { set: readManifests([args.baseDir], opts), missing: [] as string[] }
      : args.base !== undefined
        ? readBase(args.base, args.paths, io, opts)
        : undefined;
  if (!base) throw new UsageError('diff: --base REV (a git revision) or --base-dir DIR is required');
  const pathFindings: Finding[] = [];
  // A PATH gone from the working tree that the base had: not "everything deleted" but a PATH that is not there.
  for (const p of args.paths) {
    if (p === STDIN_PATH || fs.existsSync(path.resolve(io.cwd, p)) || base.missing.includes(p) || args.base === undefined) continue;
    pathFindings.push({
      severity: Severity.ERROR,
      category: FindingCategory.UNREADABLE,
      file: p,
      message:
        `cannot read ${p}: no such file or folder in the working tree, though ${args.base} has it. If the change deletes it on ` +
        `purpose, review the folder that holds it (kfws diff --base ${args.base} ${toPosix(path.dirname(p))}), so that its deletions are judged`,
    });
  }
  for (const p of base.missing) {
    if (!fs.existsSync(path.resolve(io.cwd, p))) continue;
    pathFindings.push({
      severity: Severity.WARNING,
      category: FindingCategory.INPUT,
      file: p,
      message: `${p} does not exist at ${args.base}: everything under it is judged as new (created), nothing as an update`,
    });
  }
  const reported = new Set(pathFindings.filter((f) => f.category === FindingCategory.UNREADABLE).map((f) => f.file));
  const present = args.paths.filter((p) => !reported.has(p));
  const { set: read, revision } = chooseRevision(readManifests(present, opts), args.apiRevision, DEFAULT_API_REVISION);
  // The base's own CRDs, if any, tell its revision: a change may move the platform from one revision to the other.
  const { set: baseRead, revision: baseRevision } = chooseRevision(base.set, undefined, revision);
  const reference = namespaced(args, withoutCrds(readReference(args, read, opts)));
  const baseSet = namespaced(args, baseRead);
  let next = namespaced(args, read);
  const empty = present.length > 0 ? nothingToRead(args.paths, next, baseSet) : [];
  next = adding(next, [...pathFindings, ...empty, ...(args.namespace === undefined ? namespaceCollisions(next, baseSet) : [])]);
  const report = diffManifests(baseSet, next, reference, { base: baseRevision, next: revision });
  return print(report, args, [baseSet, next, ...(reference ? [reference] : [])], io);
}

interface Base {
  readonly set: ManifestSet;
  /** PATHs that the base revision does not have. */
  readonly missing: string[];
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
  const { sources, refused, missing } = readRevision(root, commit, rev, paths, io.cwd, maxFileSize, opts);
  const set = parseManifests(sources, { maxFileSize, select: selectWithCrds });
  // The head's submodules, as the index records them (an uninitialized one is an empty folder on disk).
  const submodules = submodulesOf(root, paths, io.cwd).map((p) => unreadable(p, 'a git submodule: Argo CD checks submodules out, Flux does not by default, so what is applied from it is not in this repository; refused'));
  return { set: { ...set, findings: [...refused.map((r) => unreadable(r.display, r.reason)), ...submodules, ...set.findings] }, missing };
}

function renderCommand(args: Arguments, io: CliIo): ExitCode {
  requirePaths(args);
  forbid(args, 'base');
  forbid(args, 'baseDir');
  if (args.format === OutputFormat.GITHUB || args.format === OutputFormat.MARKDOWN) throw new UsageError(`render: --format ${args.format} is not supported`);
  const opts = readOptions(args, io);
  const { set: read, revision } = chooseRevision(readManifests(args.paths, opts), args.apiRevision, DEFAULT_API_REVISION);
  const reference = namespaced(args, withoutCrds(readReference(args, read, opts)));
  const input = namespaced(args, read);
  const result = renderWorkspaces(input, reference, args.workspace, revision);
  const findings: Finding[] = [...result.findings, ...(args.namespace === undefined ? namespaceCollisions(input) : [])];
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
