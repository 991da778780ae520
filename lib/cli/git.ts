/** Reading the manifests of a git revision, for `kfws diff --base REV`. */

import { spawnSync } from 'child_process';
import * as path from 'path';
import { DEFAULT_MAX_TOTAL_SIZE, FileSetOptions, FileSetRules, toPosix } from './files';
import type { SourceText } from './manifests';

/** A git command failed or the input does not name anything in the repository; the CLI exits with UNREADABLE. */
export class GitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitError';
  }
}

/** Runs git; `maxBuffer` bounds what it may print (git's own output for listings, sizes known in advance for blobs). */
function git(cwd: string, args: string[], input?: string, maxBuffer = 256 << 20): Buffer {
  const result = spawnSync('git', args, { cwd, input, maxBuffer });
  if (result.error) throw new GitError(`cannot run git: ${result.error.message}`);
  if (result.status !== 0) {
    throw new GitError(`git ${args[0]} failed: ${result.stderr.toString().trim() || `exit status ${result.status}`}`);
  }
  return result.stdout;
}

/** The top folder of the work tree containing `cwd`, or undefined outside a repository. */
export function repositoryRoot(cwd: string): string | undefined {
  try {
    return git(cwd, ['rev-parse', '--show-toplevel']).toString().trim();
  } catch (err) {
    if (err instanceof GitError) return undefined;
    throw err;
  }
}

/**
 * The commit `rev` names (any form git understands: branch, tag, `HEAD~1`, `origin/main`, a hash). An unknown one
 * is reported with the branches that do exist (`main` where `master` was given), and the hint a shallow CI
 * checkout needs.
 */
export function resolveCommit(root: string, rev: string): string {
  try {
    return git(root, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]).toString().trim();
  } catch (err) {
    if (!(err instanceof GitError)) throw err;
    let branches: string[] = [];
    try {
      branches = git(root, ['for-each-ref', '--format=%(refname:short)', 'refs/heads', 'refs/remotes'], undefined, 1 << 20)
        .toString()
        .split('\n')
        .filter((b) => b !== '' && !b.endsWith('/HEAD'));
    } catch {
      // no branch list: the message without it
    }
    const shown = branches.slice(0, MAX_LISTED_BRANCHES).map((b) => JSON.stringify(b)).join(', ');
    const more = branches.length > MAX_LISTED_BRANCHES ? ` and ${branches.length - MAX_LISTED_BRANCHES} more` : '';
    const known = branches.length === 0 ? 'the repository has no branches' : `branches: ${shown}${more}`;
    throw new GitError(
      `unknown revision ${JSON.stringify(rev)} (${known}); in a shallow CI checkout, fetch the base first ` +
        '(git fetch origin BRANCH, or actions/checkout with fetch-depth: 0)',
    );
  }
}

/** How many branches an unknown revision's message names. */
const MAX_LISTED_BRANCHES = 20;

/** A blob of the base revision, as `git ls-tree -l` lists it. */
interface TreeEntry {
  readonly mode: string;
  readonly type: string;
  readonly object: string;
  readonly size: number;
  readonly path: string;
}

/** `git ls-tree -z -l` output: `<mode> SP <type> SP <object> SP+ <size> TAB <path> NUL`, paths verbatim. */
function parseTree(out: Buffer): TreeEntry[] {
  const entries: TreeEntry[] = [];
  for (const record of out.toString('utf8').split('\0')) {
    if (record === '') continue;
    const tab = record.indexOf('\t');
    const [mode, type, object, size] = record.slice(0, tab).split(/ +/);
    entries.push({ mode, type, object, size: size === '-' ? -1 : Number(size), path: record.slice(tab + 1) });
  }
  return entries;
}

/** Regular files in git (mode 100644 or 100755). */
function isRegularBlob(e: TreeEntry): boolean {
  return e.type === 'blob' && (e.mode === '100644' || e.mode === '100755');
}

const SYMLINK_MODE = '120000';
const SUBMODULE_MODE = '160000';

/** What a revision's PATHs hold, as the working tree's would be read: the files, what is refused, PATHs it lacks. */
export interface Revision {
  readonly sources: SourceText[];
  readonly refused: { display: string; reason: string }[];
  /** PATHs (as given) that do not exist in the revision. */
  readonly missing: string[];
}

/**
 * The manifest files that the working-tree `paths` had in `commit`, chosen by the same rules as the working tree
 * (./files.ts, `opts`): for a folder, the files its applier reads; for a file, the file itself. A symbolic link is
 * read as the file it points to within the PATH, as on disk; one leaving the PATH, a submodule and a kustomize
 * folder are refused, so that the base is read like the head and unchanged content never looks new. A file over
 * `maxFileSize`, or files together over `opts.maxTotalSize`, are refused unread.
 */
export function readRevision(
  root: string,
  commit: string,
  rev: string,
  paths: readonly string[],
  cwd: string,
  maxFileSize: number,
  opts: FileSetOptions = {},
): Revision {
  const rules = new FileSetRules(opts);
  const specs = paths.map((p) => {
    const rel = toPosix(path.relative(root, path.resolve(cwd, p)));
    if (rel.startsWith('..') || path.isAbsolute(rel)) throw new GitError(`${p} is outside the repository ${root}`);
    return rel;
  });
  // Paths are literal (no pathspec magic) and every record is NUL-terminated: no file name can split or forge one.
  const listed = parseTree(
    git(root, ['--literal-pathspecs', 'ls-tree', '-r', '-z', '-l', '--full-tree', '--end-of-options', commit, '--', ...specs.map((s) => s || '.')]),
  );
  const byPath = new Map(listed.map((e) => [e.path, e]));
  const display = (p: string) => `${rev}:${p}`;
  const refused: { display: string; reason: string }[] = [];
  const missing = paths.filter((_, i) => !listed.some((e) => specs[i] === '' || e.path === specs[i] || e.path.startsWith(`${specs[i]}/`)));

  // Folders of each PATH that cannot be read as files: kustomize folders and submodules, with all below them.
  const blocked: string[] = [];
  const folders = new Map<string, string[]>();
  for (const e of listed) {
    const dir = e.path.includes('/') ? e.path.slice(0, e.path.lastIndexOf('/')) : '';
    const names = folders.get(dir);
    if (names) names.push(e.path.slice(dir.length ? dir.length + 1 : 0));
    else folders.set(dir, [e.path.slice(dir.length ? dir.length + 1 : 0)]);
  }
  const specOf = (file: string): string | undefined =>
    specs.filter((s) => s === '' || file === s || file.startsWith(`${s}/`)).sort((a, b) => b.length - a.length)[0];
  for (const [dir, names] of [...folders].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    const spec = specOf(dir);
    // Folders of a PATH that the applier reads: the PATH itself, and those below it when it recurses.
    if (spec === undefined || (dir !== spec && !rules.recursive)) continue;
    if (blocked.some((b) => dir === b || dir.startsWith(`${b}/`))) continue;
    const reason = rules.folderRefusal(names, display(dir || '.'), dir === spec);
    if (reason !== undefined) {
      blocked.push(dir);
      refused.push({ display: display(dir || '.'), reason });
    }
  }
  for (const e of listed) {
    if (e.mode === SUBMODULE_MODE) {
      refused.push({ display: display(e.path), reason: 'a git submodule: Argo CD checks submodules out, Flux does not by default, so what is applied from it is not in this repository; refused' });
      blocked.push(e.path);
    }
  }

  // Link targets, read in one batch (a link is a blob holding its target): a tree of many links costs one git process.
  const links = listed.filter((e) => e.mode === SYMLINK_MODE && e.size >= 0 && e.size <= MAX_LINK_SIZE);
  const linkTexts = new Map<string, string>();
  if (links.length > 0) catBlobs(root, links).forEach((b, i) => linkTexts.set(links[i].path, b.toString('utf8')));
  const treeFolders = new Set<string>();
  for (const e of listed) for (let i = e.path.indexOf('/'); i !== -1; i = e.path.indexOf('/', i + 1)) treeFolders.add(e.path.slice(0, i));

  const explicit = new Set(specs);
  const chosen: { entry: TreeEntry; shown: string }[] = [];
  for (const e of listed) {
    if (blocked.some((b) => b === '' || e.path === b || e.path.startsWith(`${b}/`))) continue;
    const spec = specOf(e.path) ?? '';
    const rel = explicit.has(e.path) ? '' : spec === '' ? e.path : e.path.slice(spec.length + 1);
    if (rel !== '' && !rules.recursive && rel.includes('/')) continue;
    const rule = rel === '' ? { read: true } : rules.file(rel);
    if (rule.refuse !== undefined) refused.push({ display: display(e.path), reason: rule.refuse });
    if (!rule.read) continue;
    if (e.mode === SYMLINK_MODE) {
      const target = linkTarget(e, byPath, linkTexts, treeFolders, spec);
      if (typeof target === 'string') refused.push({ display: display(e.path), reason: target });
      else chosen.push({ entry: target, shown: e.path });
      continue;
    }
    if (isRegularBlob(e)) chosen.push({ entry: e, shown: e.path });
  }
  chosen.sort((a, b) => (a.shown < b.shown ? -1 : a.shown > b.shown ? 1 : 0));
  const tooLarge = chosen.filter((c) => c.entry.size > maxFileSize);
  for (const c of tooLarge) refused.push({ display: display(c.shown), reason: `${c.entry.size} bytes, more than the limit of ${maxFileSize} (--max-file-size)` });
  const wanted = chosen.filter((c) => c.entry.size <= maxFileSize);
  const total = wanted.reduce((n, c) => n + c.entry.size, 0);
  const maxTotalSize = opts.maxTotalSize ?? DEFAULT_MAX_TOTAL_SIZE;
  if (total > maxTotalSize) {
    refused.push({
      display: display(paths.join(', ')),
      reason: `${total} bytes in ${wanted.length} files, more than the limit of ${maxTotalSize} (--max-total-size); raise the limit with --max-total-size SIZE`,
    });
    return { sources: [], refused, missing };
  }
  if (wanted.length === 0) return { sources: [], refused, missing };
  const blobs = catBlobs(root, wanted.map((c) => c.entry));
  return { sources: wanted.map((c, i) => ({ display: display(c.shown), annotationPath: c.shown, source: blobs[i] })), refused, missing };
}

/** How many links a link may lead through before it is refused (Linux's limit is 40). */
const MAX_LINK_HOPS = 40;

/** The longest link target read (Linux's PATH_MAX). */
const MAX_LINK_SIZE = 4096;

/**
 * The blob a symbolic link of the revision (named like a manifest) points to, as reading the checkout would find
 * it; a reason when it leaves the PATH `spec`, points to a folder, is broken or loops.
 */
function linkTarget(
  link: TreeEntry,
  byPath: ReadonlyMap<string, TreeEntry>,
  linkTexts: ReadonlyMap<string, string>,
  treeFolders: ReadonlySet<string>,
  spec: string,
): TreeEntry | string {
  let current = link;
  for (let hop = 0; hop < MAX_LINK_HOPS; hop++) {
    const text = linkTexts.get(current.path);
    if (text === undefined) return `symbolic link with a target longer than ${MAX_LINK_SIZE} bytes: refused`;
    if (text.startsWith('/')) return 'symbolic link to an absolute path, outside the PATH given: refused (Argo CD and Flux refuse such links too)';
    const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(current.path), text));
    const inside = spec === '' ? !resolved.startsWith('../') && resolved !== '..' : resolved === spec || resolved.startsWith(`${spec}/`);
    if (!inside) return 'symbolic link to a path outside the PATH given: refused (Argo CD and Flux refuse such links too)';
    const target = byPath.get(resolved);
    if (target === undefined) {
      // Only links named like manifests get here: on disk too, such a link to a folder is refused.
      return treeFolders.has(resolved) ? 'symbolic link to a folder, named like a manifest: kubectl cannot read it as a file; refused' : 'symbolic link: no such file or folder';
    }
    if (target.mode !== SYMLINK_MODE) return isRegularBlob(target) ? target : `symbolic link to a ${target.type}: refused`;
    current = target;
  }
  return 'too many levels of symbolic links';
}

/**
 * Contents of several blobs with one `git cat-file --batch` process. Its input is only the object ids that
 * `ls-tree` printed (hexadecimal), never a path, so nothing from the repository's content can be misread as a
 * request; the output buffer is sized from the sizes `ls-tree` reported.
 */
function catBlobs(root: string, entries: readonly TreeEntry[]): Buffer[] {
  const total = entries.reduce((n, e) => n + e.size + e.object.length + 32, 0);
  const out = git(root, ['cat-file', '--batch'], `${entries.map((e) => e.object).join('\n')}\n`, total + 4096);
  const contents: Buffer[] = [];
  let pos = 0;
  for (const entry of entries) {
    const eol = out.indexOf(0x0a, pos);
    const header = out.subarray(pos, eol).toString();
    const [object, type, sizeText] = header.split(' ');
    const size = Number(sizeText);
    if (object !== entry.object || type !== 'blob' || size !== entry.size) throw new GitError(`cannot read ${entry.path}: ${header}`);
    contents.push(out.subarray(eol + 1, eol + 1 + size));
    pos = eol + 1 + size + 1; // the content is followed by a newline
  }
  return contents;
}

/** The git submodules (gitlinks of the index) under the working-tree `paths`, as paths relative to `cwd`. */
export function submodulesOf(root: string, paths: readonly string[], cwd: string): string[] {
  const specs = paths.map((p) => toPosix(path.relative(root, path.resolve(cwd, p)))).filter((s) => !s.startsWith('..'));
  if (specs.length === 0) return [];
  const out = git(root, ['--literal-pathspecs', 'ls-files', '--stage', '-z', '--', ...specs.map((s) => s || '.')]).toString('utf8');
  return out
    .split('\0')
    .filter((r) => r.startsWith(`${SUBMODULE_MODE} `))
    .map((r) => toPosix(path.relative(cwd, path.join(root, r.slice(r.indexOf('\t') + 1)))));
}
