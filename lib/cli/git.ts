/** Reading the manifests of a git revision, for `kfws diff --base REV`. */

import { spawnSync } from 'child_process';
import * as path from 'path';
import { MANIFEST_EXTENSIONS, toPosix } from './files';
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

/** The commit `rev` names (any form git understands: branch, tag, `HEAD~1`, `origin/main`, a hash). */
export function resolveCommit(root: string, rev: string): string {
  try {
    return git(root, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]).toString().trim();
  } catch (err) {
    if (err instanceof GitError) throw new GitError(`unknown revision ${JSON.stringify(rev)}`);
    throw err;
  }
}

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

/** Regular files in git (mode 100644 or 100755); links and submodules are not manifests of the revision. */
function isRegularBlob(e: TreeEntry): boolean {
  return e.type === 'blob' && (e.mode === '100644' || e.mode === '100755');
}

/**
 * The manifest files that the working-tree `paths` had in `commit`: for a folder, its YAML files, recursively;
 * for a file, the file itself. Paths that did not exist in `commit` contribute nothing (they are new). A file over
 * `maxFileSize` is refused with `refused`, unread.
 */
export function readRevision(
  root: string,
  commit: string,
  rev: string,
  paths: readonly string[],
  cwd: string,
  maxFileSize: number,
): { sources: SourceText[]; refused: { display: string; reason: string }[] } {
  const specs = paths.map((p) => {
    const rel = toPosix(path.relative(root, path.resolve(cwd, p)));
    if (rel.startsWith('..') || path.isAbsolute(rel)) throw new GitError(`${p} is outside the repository ${root}`);
    return rel;
  });
  // Paths are literal (no pathspec magic) and every record is NUL-terminated: no file name can split or forge one.
  const listed = parseTree(
    git(root, ['--literal-pathspecs', 'ls-tree', '-r', '-z', '-l', '--full-tree', '--end-of-options', commit, '--', ...specs.map((s) => s || '.')]),
  );
  const explicit = new Set(specs);
  const seen = new Set<string>();
  const entries = listed
    .filter((e) => isRegularBlob(e) && !seen.has(e.path) && seen.add(e.path))
    .filter((e) => explicit.has(e.path) || (MANIFEST_EXTENSIONS.some((ext) => e.path.endsWith(ext)) && !hiddenOrVendored(e.path, specs)))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const refused = entries
    .filter((e) => e.size > maxFileSize)
    .map((e) => ({ display: `${rev}:${e.path}`, reason: `${e.size} bytes, more than the limit of ${maxFileSize} (--max-file-size)` }));
  const wanted = entries.filter((e) => e.size <= maxFileSize);
  if (wanted.length === 0) return { sources: [], refused };
  const blobs = catBlobs(root, wanted);
  return { sources: wanted.map((e, i) => ({ display: `${rev}:${e.path}`, annotationPath: e.path, source: blobs[i] })), refused };
}

/** Folder walks skip hidden folders and node_modules (as for the working tree), below the folder given. */
function hiddenOrVendored(file: string, specs: readonly string[]): boolean {
  const spec = specs.filter((s) => s === '' || file.startsWith(`${s}/`)).sort((a, b) => b.length - a.length)[0] ?? '';
  const below = spec === '' ? file : file.slice(spec.length + 1);
  return below.split('/').slice(0, -1).some((dir) => dir.startsWith('.') || dir === 'node_modules');
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
