/**
 * Finding and reading the manifest files under the PATHs of the command line: the file set each applier reads
 * (`--applier`), and what none of them may be trusted to read alike refused. The content of a pull request decides
 * what is in those folders, so nothing in them may make kfws read elsewhere, hang, or read other files than the
 * applier does:
 *
 *  - kubectl (`apply -R -f DIR`, k8s.io/cli-runtime's file visitor): every `.json`, `.yaml` and `.yml` file, in every
 *    folder, dot folders and node_modules included; symbolic links to folders are not followed (Go's filepath.Walk);
 *  - Argo CD (a directory-type application): the same extensions, only the top folder unless `directory.recurse`
 *    (`--recurse`), filtered by `directory.include`/`exclude` (`--include`, `--exclude`, globs on the path below
 *    PATH); it evaluates `.jsonnet` files (refused here) and renders a folder with a kustomization or a Chart.yaml
 *    with kustomize or Helm instead (refused);
 *  - Flux (kustomize-controller): `kustomize build` of the folder, which for a folder without a kustomization is
 *    one it generates listing every `.yaml` and `.yml` file below it (no `.json`);
 *  - by default, all three: the folders recursively with the three extensions, and every difference between them
 *    that kfws cannot settle refused; `.json` files, which Flux does not read, are read with a warning.
 *
 * In every mode: a folder with a kustomization (`kustomization.yaml`, `.yml`, `Kustomization`) is refused with the
 * command that reviews what kustomize builds from it; a git submodule (a folder with its own `.git`) is refused;
 * a symbolic link whose target leaves the PATH given is refused (Argo CD and Flux refuse them too); only regular
 * files are read (devices, FIFOs and sockets refused without being opened for reading, with `O_NONBLOCK`); each
 * file is read up to `--max-file-size`, and the files of a PATH together up to `--max-total-size`, checked before
 * anything is read. A PATH named on the command line is trusted, whatever it is a link to; `-` is standard input.
 */

import * as fs from 'fs';
import * as path from 'path';
import type { SourceText } from './manifests';
import { Applier, Finding, FindingCategory, Severity } from './types';

/** Extensions of the files read from folders (kubectl's and Argo CD's; Flux reads the first two only). */
export const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

/** The names kustomize recognizes as a kustomization (sigs.k8s.io/kustomize konfig). */
export const KUSTOMIZATION_FILE_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** Default of `--max-file-size`: 16 MiB. */
export const DEFAULT_MAX_FILE_SIZE = 16 * 1024 * 1024;

/**
 * Default of `--max-total-size`: 128 MiB, the files of one PATH set together (the input, the base, `--kinds`, each):
 * about 170,000 Workspaces with their PVCs (bench/validate.ts writes 100,000 in about 75 MB).
 */
export const DEFAULT_MAX_TOTAL_SIZE = 128 * 1024 * 1024;

/** The PATH that names standard input. */
export const STDIN_PATH = '-';

/** How standard input is shown in messages. */
export const STDIN_DISPLAY = '<stdin>';

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

function within(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
}

/** Which applier's file set to read, and how to refuse what cannot be reviewed. */
export interface FileSetOptions {
  /** The applier whose reading to mirror; all three (and their differences refused) when absent. */
  readonly applier?: Applier;
  /** Argo CD's `directory.recurse`: read sub-folders too. Default false (Argo CD's default). */
  readonly recurse?: boolean;
  /** Argo CD's `directory.include`: a glob on the path below PATH; only matching files are read. */
  readonly include?: string;
  /** Argo CD's `directory.exclude`: a glob on the path below PATH; matching files are not read (wins over include). */
  readonly exclude?: string;
  /** The most bytes the files of one read may have together. Default {@link DEFAULT_MAX_TOTAL_SIZE}. */
  readonly maxTotalSize?: number;
  /**
   * The command line that reviews what kustomize builds from folder `dir` (`kustomize build dir | kfws validate -`),
   * named when such a folder is refused.
   */
  readonly kustomizeCommand?: (dir: string) => string;
}

/** The file set rules of {@link FileSetOptions}, shared by the working tree walk and the git revision listing. */
export class FileSetRules {
  private readonly include?: RegExp;
  private readonly exclude?: RegExp;

  constructor(private readonly opts: FileSetOptions) {
    this.include = opts.include ? globPattern(opts.include) : undefined;
    this.exclude = opts.exclude ? globPattern(opts.exclude) : undefined;
  }

  get applier(): Applier | undefined {
    return this.opts.applier;
  }

  /** Whether sub-folders of a PATH are read (all but Argo CD without `--recurse`). */
  get recursive(): boolean {
    return this.opts.applier !== Applier.ARGOCD || this.opts.recurse === true;
  }

  /** Why a folder with these entry names cannot be reviewed as files, or undefined. `top`: the PATH itself. */
  folderRefusal(names: readonly string[], display: string, top: boolean): string | undefined {
    const kustomization = KUSTOMIZATION_FILE_NAMES.find((n) => names.includes(n));
    if (kustomization !== undefined) {
      const command = this.opts.kustomizeCommand?.(display) ?? `kustomize build ${display} | kfws validate -`;
      return (
        `a kustomize folder (${kustomization}): Argo CD and Flux apply what kustomize builds from it (patches, ` +
        `generators, name prefixes), kubectl -R would read ${kustomization} as a manifest; review the build instead: ${command}`
      );
    }
    if (top && this.opts.applier !== Applier.KUBECTL && this.opts.applier !== Applier.FLUX && names.includes('Chart.yaml')) {
      return 'a Helm chart (Chart.yaml): Argo CD applies what Helm renders from it; review the output instead: helm template ... | kfws validate -';
    }
    return undefined;
  }

  /**
   * What to do with a file of a folder walk, at `rel` (posix, below the PATH): read it, skip it, refuse it (a
   * reason), or read it with a warning (`warn`).
   */
  file(rel: string): { read: boolean; refuse?: string; warn?: string } {
    const name = rel.slice(rel.lastIndexOf('/') + 1);
    const applier = this.opts.applier;
    if (applier === Applier.ARGOCD) {
      if (this.exclude?.test(rel)) return { read: false };
      if (this.include && !this.include.test(rel)) return { read: false };
    }
    if (name.endsWith('.jsonnet') && (applier === undefined || applier === Applier.ARGOCD)) {
      return { read: false, refuse: 'a Jsonnet file: Argo CD evaluates it into manifests, kfws cannot; refused (render it and review the output)' };
    }
    if (name.endsWith('.yaml') || name.endsWith('.yml')) return { read: true };
    if (!name.endsWith('.json') || applier === Applier.FLUX) return { read: false };
    if (applier === undefined) {
      return { read: true, warn: 'a .json manifest: kubectl and Argo CD apply it, Flux does not read .json files (with Flux, use --applier flux)' };
    }
    return { read: true };
  }
}

/**
 * A glob of Argo CD's `directory.include`/`exclude` (gobwas/glob without separators: `*` also matches `/`; `?`,
 * `[a-z]`, `[!a-z]`, `{a,b}`), as a regular expression on the whole path.
 */
export function globPattern(glob: string): RegExp {
  let out = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '\\' && i + 1 < glob.length) out += escapeRegExp(glob[++i]);
    else if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '{') {
      braces++;
      out += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      out += ')';
    } else if (c === ',' && braces > 0) out += '|';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close === -1) out += '\\[';
      else {
        let body = glob.slice(i + 1, close);
        const negate = body.startsWith('!');
        if (negate) body = body.slice(1);
        out += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, (m) => `\\${m}`)}]`;
        i = close;
      }
    } else out += escapeRegExp(c);
  }
  return new RegExp(`^${out}${')'.repeat(braces)}$`, 's');
}

function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, (m) => `\\${m}`);
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
  /** Its size when listed, in bytes. */
  readonly size: number;
}

/** `dir/name`, where `dir` is a displayed folder; `.` stays visible (`./name`). */
function joinDisplay(dir: string, name: string): string {
  return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}

/** A PATH of the command line as shown in messages: as given, normalized. */
function displayArgument(p: string): string {
  return toPosix(path.normalize(p));
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The manifest files under `paths` (files as given; folders as the applier of `opts` reads them), each once,
 * sorted by path; what cannot or may not be read becomes an UNREADABLE finding, what one applier reads and another
 * does not a warning.
 */
export function listManifestFiles(paths: readonly string[], cwd: string, opts: FileSetOptions = {}): { files: ListedFile[]; findings: Finding[] } {
  const rules = new FileSetRules(opts);
  const files = new Map<string, ListedFile>();
  const findings: Finding[] = [];
  const refuse = (display: string, reason: string): void => {
    findings.push(unreadable(display, reason));
  };

  const walk = (dir: string, shown: string, rel: string, realRoot: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      refuse(shown, errorReason(err));
      return;
    }
    entries.sort((a, b) => byName(a.name, b.name));
    const names = entries.map((e) => e.name);
    if (rel !== '' && names.includes('.git')) {
      refuse(shown, 'a git submodule or another repository (it has its own .git): Argo CD checks submodules out, Flux does not by default, so what is applied from it is not this change; refused');
      return;
    }
    const folderReason = rules.folderRefusal(names, shown, rel === '');
    if (folderReason !== undefined) {
      refuse(shown, folderReason);
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      const display = joinDisplay(shown, entry.name);
      const below = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        // The repository's own metadata at the top of a PATH is no content of the change.
        if (rel === '' && entry.name === '.git') continue;
        if (rules.recursive) walk(full, display, below, realRoot);
      } else if (entry.isSymbolicLink()) {
        link(full, display, below, realRoot);
      } else {
        const rule = rules.file(below);
        if (rule.refuse !== undefined) refuse(display, rule.refuse);
        if (!rule.read) continue;
        if (!entry.isFile()) {
          refuse(display, 'not a regular file (a device, FIFO or socket): refused');
          continue;
        }
        if (rule.warn !== undefined) findings.push(applierWarning(display, rule.warn));
        add(full, full, display);
      }
    }
  };

  /** kubectl, Argo CD and Flux walk folders with Go's filepath.Walk: a link is read as the file it points to, never walked. */
  const link = (full: string, display: string, rel: string, realRoot: string): void => {
    const rule = rules.file(rel);
    let target: string;
    let stat: fs.Stats;
    try {
      target = fs.realpathSync(full);
      stat = fs.statSync(target);
    } catch (err) {
      if (rule.read) refuse(display, `symbolic link: ${errorReason(err)}`);
      return;
    }
    if (!within(realRoot, target)) {
      refuse(display, `symbolic link to ${stat.isDirectory() ? 'a folder' : 'a file'} outside the PATH given: refused (Argo CD and Flux refuse such links too)`);
      return;
    }
    if (stat.isDirectory()) {
      // Not walked by any applier; named like a manifest, kubectl fails on it.
      if (rule.read) refuse(display, 'symbolic link to a folder, named like a manifest: kubectl cannot read it as a file; refused');
      return;
    }
    if (rule.refuse !== undefined) refuse(display, rule.refuse);
    if (!rule.read) return;
    if (!stat.isFile()) {
      refuse(display, `symbolic link to ${typeName(stat)}: refused`);
      return;
    }
    if (rule.warn !== undefined) findings.push(applierWarning(display, rule.warn));
    add(full, target, display);
  };

  const add = (full: string, real: string, display: string): void => {
    if (files.has(full)) return;
    let size = 0;
    try {
      size = fs.statSync(real).size;
    } catch {
      // reported when it is read
    }
    files.set(full, { full, real, display, size });
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
      walk(full, display, '', real);
    } else if (stat.isFile()) {
      add(full, real, display);
    } else {
      findings.push(unreadable(p, `${typeName(stat)}: refused`));
    }
  }
  const sorted = [...files.values()].sort((a, b) => byName(a.full, b.full));
  return { files: sorted, findings };
}

/** A file that one applier reads and another does not: reported, not refused (see {@link FileSetRules.file}). */
export function applierWarning(display: string, reason: string): Finding {
  return { severity: Severity.WARNING, category: FindingCategory.INPUT, file: display, message: `${display}: ${reason}` };
}

/** The refusal of a read whose files together exceed `--max-total-size`: nothing of it is read. */
export function totalSizeFinding(what: string, bytes: number, files: number, limit: number): Finding {
  return {
    severity: Severity.ERROR,
    category: FindingCategory.UNREADABLE,
    file: what,
    message:
      `cannot read ${what}: ${bytes} bytes in ${files} file${files === 1 ? '' : 's'}, more than the limit of ${limit} ` +
      `(--max-total-size); nothing was checked. Raise the limit with --max-total-size SIZE (e.g. --max-total-size ${nextSize(bytes)}) ` +
      'if this input is what you meant to review',
  };
}

/** A round size above `bytes`, in MiB. */
function nextSize(bytes: number): string {
  return `${Math.ceil(bytes / (64 * 1024 * 1024)) * 64}MiB`;
}

export interface ReadSourcesOptions extends FileSetOptions {
  readonly cwd: string;
  readonly annotationRoot?: string;
  readonly maxFileSize?: number;
  /** Standard input, for the PATH `-`: its bytes, at most `limit` + 1 of them (so that more is noticed). */
  readonly stdin?: (limit: number) => Buffer;
}

/**
 * The bytes of every manifest file under `paths` (see {@link listManifestFiles}), or findings: the sizes listed are
 * summed first, so that an input over `--max-total-size` is refused before a byte of it is read.
 */
export function readSources(paths: readonly string[], opts: ReadSourcesOptions): { sources: SourceText[]; findings: Finding[] } {
  const maxFileSize = opts.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
  const maxTotalSize = opts.maxTotalSize ?? DEFAULT_MAX_TOTAL_SIZE;
  const onDisk = paths.filter((p) => p !== STDIN_PATH);
  const { files, findings } = listManifestFiles(onDisk, opts.cwd, opts);
  const total = files.reduce((n, f) => n + f.size, 0);
  if (total > maxTotalSize) {
    return { sources: [], findings: [...findings, totalSizeFinding(onDisk.join(', '), total, files.length, maxTotalSize)] };
  }
  const sources: SourceText[] = [];
  let read = total;
  if (paths.includes(STDIN_PATH)) {
    const limit = Math.min(maxFileSize, maxTotalSize - total);
    const bytes = opts.stdin ? opts.stdin(limit) : Buffer.alloc(0);
    if (bytes.length > limit) {
      const which = limit === maxFileSize ? `--max-file-size ${maxFileSize}` : `--max-total-size ${maxTotalSize}`;
      findings.push(unreadable(STDIN_DISPLAY, `more than the limit of ${limit} bytes (${which}); nothing of it was checked`));
    } else {
      sources.push({ display: STDIN_DISPLAY, annotationPath: '', source: bytes });
      read += bytes.length;
    }
  }
  for (const file of files) {
    const bytes = readRegularFile(file.real, Math.min(maxFileSize, maxTotalSize - read + file.size));
    if (typeof bytes === 'string') {
      findings.push(unreadable(file.display, bytes));
      continue;
    }
    // A file that grew after listing counts with its real size.
    read += bytes.length - file.size;
    sources.push({ display: file.display, annotationPath: toPosix(path.relative(opts.annotationRoot ?? opts.cwd, file.full)), source: bytes, location: file.full });
  }
  return { sources, findings };
}

/** Standard input of this process, at most `limit` + 1 bytes of it. */
export function readProcessStdin(limit: number): Buffer {
  const chunks: Buffer[] = [];
  let length = 0;
  const chunk = Buffer.alloc(1 << 16);
  while (length <= limit) {
    let n: number;
    try {
      n = fs.readSync(0, chunk, 0, chunk.length, null);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        // A non-blocking standard input with nothing yet: wait a little rather than spin.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        continue;
      }
      if (code === 'EOF') break;
      throw err;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(chunk.subarray(0, n)));
    length += n;
  }
  return Buffer.concat(chunks);
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
