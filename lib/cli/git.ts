/** Reading the manifests of a git revision, for `kfws diff --base REV`. */

import { spawnSync } from 'child_process';
import * as path from 'path';
import { MANIFEST_EXTENSIONS, SourceText, toPosix } from './manifests';

/** A git command failed or the input does not name anything in the repository; the CLI exits with UNREADABLE. */
export class GitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitError';
  }
}

function git(cwd: string, args: string[], input?: string): Buffer {
  const result = spawnSync('git', args, { cwd, input, maxBuffer: 1 << 30 });
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

/**
 * The manifest files that the working-tree `paths` had in `commit`: for a folder, its YAML files, recursively;
 * for a file, the file itself. Paths that did not exist in `commit` contribute nothing (they are new).
 */
export function readRevision(root: string, commit: string, rev: string, paths: readonly string[], cwd: string): SourceText[] {
  const specs = paths.map((p) => {
    const rel = toPosix(path.relative(root, path.resolve(cwd, p)));
    if (rel.startsWith('..') || path.isAbsolute(rel)) throw new GitError(`${p} is outside the repository ${root}`);
    return rel;
  });
  const listed = git(root, ['ls-tree', '-r', '-z', '--full-tree', '--name-only', commit, '--', ...specs.map((s) => s || '.')])
    .toString()
    .split('\0')
    .filter((f) => f !== '');
  const explicit = new Set(specs);
  const files = [...new Set(listed)]
    .filter((f) => explicit.has(f) || (MANIFEST_EXTENSIONS.some((ext) => f.endsWith(ext)) && !hiddenOrVendored(f, specs)))
    .sort();
  if (files.length === 0) return [];
  const blobs = catFiles(root, files.map((f) => `${commit}:${f}`));
  return files.map((f, i) => ({ display: `${rev}:${f}`, annotationPath: f, source: blobs[i] }));
}

/** Folder walks skip hidden folders and node_modules (as for the working tree), below the folder given. */
function hiddenOrVendored(file: string, specs: readonly string[]): boolean {
  const spec = specs.filter((s) => s === '' || file.startsWith(`${s}/`)).sort((a, b) => b.length - a.length)[0] ?? '';
  const below = spec === '' ? file : file.slice(spec.length + 1);
  return below.split('/').slice(0, -1).some((dir) => dir.startsWith('.') || dir === 'node_modules');
}

/** Contents of several blobs with one `git cat-file --batch` process. */
function catFiles(root: string, objects: readonly string[]): string[] {
  const out = git(root, ['cat-file', '--batch'], `${objects.join('\n')}\n`);
  const contents: string[] = [];
  let pos = 0;
  for (const name of objects) {
    const eol = out.indexOf(0x0a, pos);
    const header = out.subarray(pos, eol).toString();
    const size = Number(header.split(' ')[2]);
    if (header.endsWith(' missing') || !Number.isInteger(size)) throw new GitError(`cannot read ${name}: ${header}`);
    contents.push(out.subarray(eol + 1, eol + 1 + size).toString('utf8'));
    pos = eol + 1 + size + 1; // the content is followed by a newline
  }
  return contents;
}
