/**
 * Finding and reading the manifest files under the PATHs of the command line. The content of a pull request decides
 * what is in those folders, so nothing in them may make kfws read elsewhere or hang:
 *
 *  - only regular files are read; devices, FIFOs and sockets are refused (without being opened for reading, and
 *    with `O_NONBLOCK`, so that a FIFO swapped in cannot block);
 *  - a symbolic link found in a folder is followed only when its target stays inside that PATH (after resolving
 *    every link); a PATH named on the command line is trusted, whatever it is a link to;
 *  - each file is read up to a size limit, checked on the open file, so that nothing grows past it.
 */

import * as fs from 'fs';
import * as path from 'path';
import { Finding, FindingCategory, Severity } from './types';

/** Extensions of the files read from folders; files named explicitly are read whatever their name. */
export const MANIFEST_EXTENSIONS = ['.yaml', '.yml'];

/** Default of `--max-file-size`: 16 MiB. */
export const DEFAULT_MAX_FILE_SIZE = 16 * 1024 * 1024;

export function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

export function unreadable(display: string, reason: string): Finding {
  return { severity: Severity.ERROR, category: FindingCategory.UNREADABLE, file: display, message: `cannot read ${display}: ${reason}` };
}

function errorReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'ELOOP') return 'too many levels of symbolic links';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return String((err as Error)?.message ?? err);
}

function typeName(stat: fs.Stats): string {
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

function isManifestName(name: string): boolean {
  return MANIFEST_EXTENSIONS.some((ext) => name.endsWith(ext));
}

function within(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
}

/** A file to read: where it was found (for messages) and the real file behind it. */
export interface ListedFile {
  /** The file's path, absolute. */
  readonly full: string;
  /** The real file behind it (symbolic links resolved). */
  readonly real: string;
  /**
   * The name shown in messages: the PATH as given on the command line, then the path below it — so that no output
   * line can begin with a name taken from the input (`kfws validate .` shows `./a.yaml`).
   */
  readonly display: string;
}

/** `dir/name`, where `dir` is a displayed folder; `.` stays visible (`./name`). */
function joinDisplay(dir: string, name: string): string {
  return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}

/** A PATH of the command line as shown in messages: as given, normalized. */
function displayArgument(p: string): string {
  return toPosix(path.normalize(p));
}

/**
 * The manifest files under `paths` (files as given; folders recursively, YAML files only, hidden folders and
 * node_modules skipped), each once, sorted by path; what cannot or may not be read becomes an UNREADABLE finding.
 */
export function listManifestFiles(paths: readonly string[], cwd: string): { files: ListedFile[]; findings: Finding[] } {
  const files = new Map<string, ListedFile>();
  const findings: Finding[] = [];
  const refuse = (display: string, reason: string): void => {
    findings.push(unreadable(display, reason));
  };

  const walk = (dir: string, shown: string, realDir: string, root: string, visited: Set<string>): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      refuse(shown, errorReason(err));
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      const display = joinDisplay(shown, entry.name);
      const realPath = path.join(realDir, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.') && entry.name !== 'node_modules' && !visited.has(realPath)) {
          visited.add(realPath);
          walk(full, display, realPath, root, visited);
        }
      } else if (entry.isFile()) {
        if (isManifestName(entry.name)) files.set(full, { full, real: realPath, display });
      } else if (entry.isSymbolicLink()) {
        followLink(full, display, realPath, entry.name, root, visited);
      } else if (isManifestName(entry.name)) {
        refuse(display, 'not a regular file (a device, FIFO or socket): refused');
      }
    }
  };

  const followLink = (full: string, display: string, linkPath: string, name: string, root: string, visited: Set<string>): void => {
    let target: string;
    let stat: fs.Stats;
    try {
      target = fs.realpathSync(linkPath);
      stat = fs.statSync(target);
    } catch (err) {
      if (isManifestName(name)) refuse(display, `symbolic link: ${errorReason(err)}`);
      return;
    }
    if (stat.isDirectory()) {
      if (name.startsWith('.') || name === 'node_modules' || visited.has(target)) return;
      if (!within(root, target)) {
        refuse(display, 'symbolic link to a folder outside the PATH given: refused');
        return;
      }
      visited.add(target);
      walk(full, display, target, root, visited);
      return;
    }
    if (!isManifestName(name)) return;
    if (!within(root, target)) {
      refuse(display, 'symbolic link to a file outside the PATH given: refused');
    } else if (!stat.isFile()) {
      refuse(display, `symbolic link to ${typeName(stat)}: refused`);
    } else {
      files.set(full, { full, real: target, display });
    }
  };

  for (const p of paths) {
    const full = path.resolve(cwd, p);
    let real: string;
    let stat: fs.Stats;
    try {
      real = fs.realpathSync(full);
      stat = fs.statSync(real);
    } catch (err) {
      findings.push(unreadable(p, errorReason(err)));
      continue;
    }
    const display = displayArgument(p);
    if (stat.isDirectory()) {
      walk(full, display, real, real, new Set([real]));
    } else if (stat.isFile()) {
      files.set(full, { full, real, display });
    } else {
      findings.push(unreadable(p, `${typeName(stat)}: refused`));
    }
  }
  const sorted = [...files.values()].sort((a, b) => (a.full < b.full ? -1 : a.full > b.full ? 1 : 0));
  return { files: sorted, findings };
}

const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0) | (fs.constants.O_NOFOLLOW ?? 0);

/**
 * The bytes of the regular file `real`, at most `maxSize` of them; a string says why it was refused. The checks
 * are made on the open file, so a file replaced after listing cannot slip through.
 */
export function readRegularFile(real: string, maxSize: number): Buffer | string {
  let fd: number;
  try {
    fd = fs.openSync(real, OPEN_FLAGS);
  } catch (err) {
    return errorReason(err);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) return `${typeName(stat)}: refused`;
    if (stat.size > maxSize) return `${stat.size} bytes, more than the limit of ${maxSize} (--max-file-size)`;
    // One byte more than the limit, to notice a file that grew after fstat.
    const buffer = Buffer.alloc(Math.min(maxSize + 1, stat.size + 1));
    let length = 0;
    while (length < buffer.length) {
      const n = fs.readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length > maxSize) return `more than the limit of ${maxSize} bytes (--max-file-size)`;
    if (length > stat.size) return 'changed while being read';
    return buffer.subarray(0, length);
  } catch (err) {
    return errorReason(err);
  } finally {
    fs.closeSync(fd);
  }
}

/** `16MiB`, `512Ki`, `1048576`: the value of `--max-file-size`, in bytes; undefined when it is not one. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+)\s*(|k|Ki|KiB|M|Mi|MiB|G|Gi|GiB|kB|MB|GB)$/.exec(text.trim());
  if (!m) return undefined;
  const units: Record<string, number> = {
    '': 1, k: 1e3, kB: 1e3, M: 1e6, MB: 1e6, G: 1e9, GB: 1e9,
    Ki: 1024, KiB: 1024, Mi: 1024 ** 2, MiB: 1024 ** 2, Gi: 1024 ** 3, GiB: 1024 ** 3,
  };
  const bytes = Number(m[1]) * units[m[2]];
  return Number.isSafeInteger(bytes) && bytes > 0 && bytes <= 2 ** 31 - 1 ? bytes : undefined;
}
