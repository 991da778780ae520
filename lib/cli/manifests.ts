/**
 * Reading manifests: YAML and JSON files and folders from disk or sources from elsewhere (a git revision), read by
 * kubectl's own decoder (./reader.ts: documents, List flattening), with the Workspaces and WorkspaceKinds picked out.
 * Problems with the input itself (unreadable or refused file, input kubectl would refuse, a kind kubectl maps to
 * Workspace but the API server refuses) become findings; nothing here throws on bad input. Files are found and read
 * by ./files.ts.
 */

import { API_GROUP, WORKSPACE_KIND, WORKSPACEKIND_KIND } from '../core/api';
import { isPlainObject } from '../core/json';
import { DEFAULT_MAX_FILE_SIZE, readSources, ReadSourcesOptions } from './files';
import { fieldLine } from './locate';
import { LineIndex, PositionNode, positionTree } from './positions';
import { ReadDocument, readManifestBytes } from './reader';
import { Finding, FindingCategory, ObjectRef, Severity } from './types';

export { MANIFEST_EXTENSIONS, toPosix } from './files';

/** One input file. Node positions, needed only for line numbers, are read on first use. */
export class SourceFile {
  private lines?: LineIndex;
  private readonly trees = new Map<number, PositionNode | undefined>();

  constructor(
    /** The name shown in messages. */
    readonly display: string,
    /** The path used in GitHub annotations: relative to the workspace root, `/`-separated. */
    readonly annotationPath: string,
    /** The text of the file, as kubectl decoded it. */
    readonly source: string,
    /** Where each document the reader read starts and ends. */
    private readonly documents: readonly ReadDocument[] = [],
    /** For a file on disk, its absolute path. */
    readonly location?: string,
  ) {}

  /** 1-based line of `field` (a core field path) in document `document` (1-based); the document's line without it. */
  line(document: number, field?: string): number {
    const doc = this.documents[document - 1];
    if (!doc) return 1;
    this.lines ??= new LineIndex(this.source);
    const lines = this.lines;
    const start = lines.start(doc.startLine, this.source.length);
    if (!this.trees.has(document)) {
      this.trees.set(document, positionTree(this.source.slice(start, lines.start(doc.endLine + 1, this.source.length))));
    }
    const root = this.trees.get(document);
    if (!root) return doc.startLine;
    return fieldLine(root, { line: (offset) => lines.line(start + offset) }, field);
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
  /** Unreadable files, input kubectl refuses, objects kfws refuses. */
  readonly findings: readonly Finding[];
}

export interface SourceText {
  readonly display: string;
  readonly annotationPath: string;
  /** The file's bytes, or its text (read as UTF-8 bytes). */
  readonly source: Uint8Array | string;
  /** For a file on disk, its absolute path: the same file reached under two PATHs is one file. */
  readonly location?: string;
}

export interface ReadOptions extends ReadSourcesOptions {
  /** Paths are resolved against, and shown relative to, this folder. */
  readonly cwd: string;
  /** Folder that GitHub annotation paths are relative to (the checkout); defaults to `cwd`. */
  readonly annotationRoot?: string;
  /** Largest file read, in bytes; the JSON of its documents may take four times as much. Default {@link DEFAULT_MAX_FILE_SIZE}. */
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
  /** Largest file read, in bytes; the JSON of its documents may take four times as much. Default {@link DEFAULT_MAX_FILE_SIZE}. */
  readonly maxFileSize?: number;
  /** Which objects to pick out; Workspaces and WorkspaceKinds by default. */
  readonly select?: (value: Record<string, unknown>) => boolean;
}

/**
 * How far the JSON of a file's documents may exceed the file size limit: the JSON of plain YAML stays well within it,
 * so only aliases (or pathological input, such as a file of `<`, which Go's JSON escapes in 6 bytes) reach it.
 */
const EXPANSION_FACTOR = 4;

/** The text of a file for messages and line lookups, as kubectl decodes UTF-8 (a byte order mark dropped). */
const UTF8 = new TextDecoder('utf-8');

/** Reads sources with kubectl's reader (./reader.ts) and picks out the Workspaces and WorkspaceKinds. */
export function parseManifests(sources: readonly SourceText[], opts: ParseOptions = {}): ManifestSet {
  const maxFileSize = opts.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
  const select = opts.select ?? isWorkspaceObject;
  const files: SourceFile[] = [];
  const objects: ManifestObject[] = [];
  const findings: Finding[] = [];
  for (const text of sources) {
    const bytes = typeof text.source === 'string' ? Buffer.from(text.source, 'utf8') : text.source;
    const syntax = (file: SourceFile, message: string, line?: number, document?: number): void => {
      findings.push({ severity: Severity.ERROR, category: FindingCategory.SYNTAX, file: file.display, document, line, message });
    };
    if (bytes.length > maxFileSize) {
      const file = new SourceFile(text.display, text.annotationPath, '', [], text.location);
      files.push(file);
      syntax(file, `not valid YAML: ${bytes.length} bytes, more than the limit of ${maxFileSize} (--max-file-size)`);
      continue;
    }
    const reading = readManifestBytes(bytes, { maxOutput: EXPANSION_FACTOR * maxFileSize });
    const file = new SourceFile(text.display, text.annotationPath, reading.text ?? UTF8.decode(bytes), reading.documents, text.location);
    files.push(file);
    for (const refusal of reading.refusals) {
      if ((refusal.stage === 'object' || refusal.stage === 'limit') && refusal.document !== undefined) {
        const what = refusal.item === undefined ? `document ${refusal.document}` : `${refusal.item} of document ${refusal.document}`;
        const message = refusal.stage === 'object' ? `${what} is not an object kubectl can read: ${refusal.message}` : `${what} is refused: ${refusal.message}`;
        syntax(file, message, file.line(refusal.document, refusal.item), refusal.document);
      } else {
        syntax(file, `not valid YAML: ${refusal.message}`, refusal.line ?? 1, refusal.document);
      }
    }
    for (const read of reading.objects) {
      const value = read.object;
      const misspelled = misspelledKind(value);
      if (misspelled !== undefined) {
        syntax(
          file,
          `kind "${String(value.kind)}" is not "${misspelled}": kubectl maps it to ${misspelled}s case-insensitively, and the API server refuses it; write \`kind: ${misspelled}\``,
          file.line(read.document, read.item === undefined ? 'kind' : `${read.item}.kind`),
          read.document,
        );
        continue;
      }
      if (!select(value)) continue;
      const ref = objectRef(value);
      objects.push({ file, document: read.document, item: read.item, value, ref, identity: identityOf(ref) });
    }
  }
  return { files, objects, findings };
}

/** `Workspace` or `WorkspaceKind` when `v`'s kind is one of them in another case (in our group), else undefined. */
function misspelledKind(v: Record<string, unknown>): string | undefined {
  if (typeof v.kind !== 'string' || v.kind === WORKSPACE_KIND || v.kind === WORKSPACEKIND_KIND || !inOurGroup(v)) return undefined;
  const lower = v.kind.toLowerCase();
  return [WORKSPACE_KIND, WORKSPACEKIND_KIND].find((k) => k.toLowerCase() === lower);
}

function inOurGroup(v: Record<string, unknown>): boolean {
  return v.apiVersion === undefined || (typeof v.apiVersion === 'string' && v.apiVersion.split('/')[0] === API_GROUP);
}

/** 1-based line of `field` (a core field path of the object) in `obj`'s file; the object's line without it. */
export function objectLine(obj: ManifestObject, field?: string): number {
  if (obj.item === undefined) return obj.file.line(obj.document, field);
  return obj.file.line(obj.document, field === undefined ? obj.item : `${obj.item}.${field}`);
}

/** A Workspace or WorkspaceKind of our API group; a wrong version is left for the core to report. */
export function isWorkspaceObject(v: Record<string, unknown>): boolean {
  return (v.kind === WORKSPACE_KIND || v.kind === WORKSPACEKIND_KIND) && inOurGroup(v);
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
