/**
 * Reading manifests: YAML files and folders from disk or sources from elsewhere (a git revision), split into
 * documents, `List` kinds expanded, with the Workspaces and WorkspaceKinds picked out. Problems with the input itself
 * (unreadable or refused file, YAML kubectl would not read, a document that is not an object) become findings;
 * nothing here throws on bad input. Files are found and read by ./files.ts, decoded and parsed by ./yaml.ts.
 */

import { API_GROUP, WORKSPACE_KIND, WORKSPACEKIND_KIND } from '../core/api';
import { isPlainObject } from '../core/json';
import { DEFAULT_MAX_FILE_SIZE, readSources, ReadSourcesOptions } from './files';
import { fieldLine } from './locate';
import { Finding, FindingCategory, ObjectRef, Severity } from './types';
import { decodeManifest, LineIndex, parseYaml, PositionNode, positionTrees, YamlReadError } from './yaml';

export { MANIFEST_EXTENSIONS, toPosix } from './files';

/** One input file. Node positions, needed only for line numbers, are read on first use. */
export class SourceFile {
  private positions?: { readonly roots: (PositionNode | undefined)[]; readonly lines: LineIndex };

  constructor(
    /** The name shown in messages. */
    readonly display: string,
    /** The path used in GitHub annotations: relative to the workspace root, `/`-separated. */
    readonly annotationPath: string,
    /** The decoded text ('' when the file could not be decoded). */
    readonly source: string,
    /** Offset of each document's first node in `source`. */
    private readonly documentOffsets: readonly number[] = [],
    /** For a file on disk, its absolute path. */
    readonly location?: string,
  ) {}

  /** 1-based line of `field` (a core field path) in document `document` (1-based); the document's line without it. */
  line(document: number, field?: string): number {
    const { roots, lines } = this.trees();
    if (field === undefined) return lines.line(Math.max(0, this.documentOffsets[document - 1] ?? 0));
    return fieldLine(roots[document - 1], lines, field);
  }

  /** 1-based line of a text offset. */
  lineOf(offset: number): number {
    return this.trees().lines.line(offset);
  }

  private trees(): { readonly roots: (PositionNode | undefined)[]; readonly lines: LineIndex } {
    if (!this.positions) {
      let roots: (PositionNode | undefined)[] = [];
      try {
        roots = positionTrees(this.source);
      } catch {
        // only files that parsed get here; a file that did not has no documents to look into
      }
      this.positions = { roots, lines: new LineIndex(this.source) };
    }
    return this.positions;
  }
}

/** A Workspace or WorkspaceKind read from a document. */
export interface ManifestObject {
  readonly file: SourceFile;
  /** 1-based index of the document in its file. */
  readonly document: number;
  /** For an item of a `List` document, its path in the document (`items[3]`); absent for a document itself. */
  readonly item?: string;
  readonly value: Record<string, unknown>;
  readonly ref: ObjectRef;
  /** (kind, namespace, name): how objects are matched between revisions. */
  readonly identity: string;
}

export interface ManifestSet {
  readonly files: readonly SourceFile[];
  /** In file order, then document order. */
  readonly objects: readonly ManifestObject[];
  /** Unreadable files, syntax errors, documents that are not objects. */
  readonly findings: readonly Finding[];
}

export interface SourceText {
  readonly display: string;
  readonly annotationPath: string;
  /** The file's bytes (decoded as go-yaml does), or text already decoded. */
  readonly source: Uint8Array | string;
  /** For a file on disk, its absolute path: the same file reached under two PATHs is one file. */
  readonly location?: string;
}

export interface ReadOptions extends ReadSourcesOptions {
  /** Paths are resolved against, and shown relative to, this folder. */
  readonly cwd: string;
  /** Folder that GitHub annotation paths are relative to (the checkout); defaults to `cwd`. */
  readonly annotationRoot?: string;
  /** Largest file read, in bytes; also the most a file's aliases may expand to. Default {@link DEFAULT_MAX_FILE_SIZE}. */
  readonly maxFileSize?: number;
  /** Which objects to pick out; Workspaces and WorkspaceKinds by default (`kfws migrate` picks Notebooks). */
  readonly select?: (value: Record<string, unknown>) => boolean;
}

/** Reads the files and folders `paths` (see ./files.ts: which files, which limits; `-` is standard input). */
export function readManifests(paths: readonly string[], opts: ReadOptions): ManifestSet {
  const maxFileSize = opts.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
  const { sources, findings } = readSources(paths, opts);
  const set = parseManifests(sources, { maxFileSize, select: opts.select });
  return { ...set, findings: [...findings, ...set.findings] };
}

export interface ParseOptions {
  /** The most characters the documents of one file may expand to through aliases. Default {@link DEFAULT_MAX_FILE_SIZE}. */
  readonly maxFileSize?: number;
  /** Which objects to pick out; Workspaces and WorkspaceKinds by default. */
  readonly select?: (value: Record<string, unknown>) => boolean;
}

/** How deep `List` documents may nest in each other (kubectl flattens them recursively). */
const MAX_LIST_NESTING = 8;

/** Splits sources into documents, expands `List` kinds, and picks out the Workspaces and WorkspaceKinds. */
export function parseManifests(sources: readonly SourceText[], opts: ParseOptions = {}): ManifestSet {
  const maxFileSize = opts.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
  const files: SourceFile[] = [];
  const objects: ManifestObject[] = [];
  const findings: Finding[] = [];
  for (const text of sources) {
    let decoded = '';
    let values: unknown[] = [];
    let offsets: number[] = [];
    try {
      decoded = typeof text.source === 'string' ? text.source : decodeManifest(text.source);
      if (decoded.length > maxFileSize) throw new YamlReadError(`${decoded.length} characters, more than the limit of ${maxFileSize} (--max-file-size)`);
      const parsed = parseYaml(decoded, { maxExpandedSize: maxFileSize });
      values = parsed.documents;
      offsets = parsed.documentOffsets;
    } catch (err) {
      if (!(err instanceof YamlReadError)) throw err;
      const file = new SourceFile(text.display, text.annotationPath, decoded, [], text.location);
      files.push(file);
      const line = err.line ?? (err.offset !== undefined ? file.lineOf(err.offset) : undefined);
      findings.push({ severity: Severity.ERROR, category: FindingCategory.SYNTAX, file: file.display, line, message: `not valid YAML: ${err.message}` });
      continue;
    }
    const file = new SourceFile(text.display, text.annotationPath, decoded, offsets, text.location);
    files.push(file);
    const select = opts.select ?? isWorkspaceObject;
    values.forEach((value, i) => collect(file, i + 1, undefined, value, 0, objects, findings, select));
  }
  return { files, objects, findings };
}

function isList(v: Record<string, unknown>): boolean {
  return typeof v.kind === 'string' && v.kind.endsWith('List') && Array.isArray(v.items);
}

/** Adds the Workspace or WorkspaceKind `value` (document `document`, or its item at `item`), or each item of a List. */
function collect(
  file: SourceFile,
  document: number,
  item: string | undefined,
  value: unknown,
  nesting: number,
  objects: ManifestObject[],
  findings: Finding[],
  select: (value: Record<string, unknown>) => boolean,
): void {
  if (value === undefined || (value === null && item === undefined)) return;
  // the line of the document, or of the List item, that cannot be read as an object
  const refuse = (message: string): void => {
    findings.push({ severity: Severity.ERROR, category: FindingCategory.SYNTAX, file: file.display, document, line: file.line(document, item), message });
  };
  if (!isPlainObject(value)) {
    const found = value === null ? 'null' : Array.isArray(value) ? 'a list' : `a ${typeof value}`;
    const what = item === undefined ? `document ${document}` : `${item} of document ${document}`;
    refuse(`${what} is not a Kubernetes object: expected a YAML mapping, found ${found}`);
    return;
  }
  if (isList(value)) {
    if (nesting >= MAX_LIST_NESTING) {
      refuse(`${item ?? `document ${document}`}: Lists nested more than ${MAX_LIST_NESTING} deep`);
      return;
    }
    (value.items as unknown[]).forEach((entry, i) => {
      collect(file, document, `${item === undefined ? '' : `${item}.`}items[${i}]`, entry, nesting + 1, objects, findings, select);
    });
    return;
  }
  if (!select(value)) return;
  const ref = objectRef(value);
  objects.push({ file, document, item, value, ref, identity: identityOf(ref) });
}

/** 1-based line of `field` (a core field path of the object) in `obj`'s file; the object's line without it. */
export function objectLine(obj: ManifestObject, field?: string): number {
  if (obj.item === undefined) return obj.file.line(obj.document, field);
  return obj.file.line(obj.document, field === undefined ? obj.item : `${obj.item}.${field}`);
}

/** A Workspace or WorkspaceKind of our API group; a wrong version is left for the core to report. */
export function isWorkspaceObject(v: Record<string, unknown>): boolean {
  if (v.kind !== WORKSPACE_KIND && v.kind !== WORKSPACEKIND_KIND) return false;
  return v.apiVersion === undefined || (typeof v.apiVersion === 'string' && v.apiVersion.split('/')[0] === API_GROUP);
}

function objectRef(v: Record<string, unknown>): ObjectRef {
  const meta = isPlainObject(v.metadata) ? v.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : '';
  const kind = v.kind as string;
  // WorkspaceKinds are cluster-scoped: a namespace on them does not change which object they are.
  if (kind === WORKSPACE_KIND && typeof meta.namespace === 'string' && meta.namespace !== '') {
    return { kind, namespace: meta.namespace, name };
  }
  return { kind, name };
}

export function identityOf(ref: ObjectRef): string {
  return `${ref.kind}|${ref.namespace ?? ''}|${ref.name}`;
}
