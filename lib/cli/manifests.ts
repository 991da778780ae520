/**
 * Reading manifests: YAML files and folders from disk or sources from elsewhere (a git revision), split into
 * documents, with the Workspaces and WorkspaceKinds picked out. Problems with the input itself (unreadable file,
 * YAML syntax error, a document that is not an object) become findings; nothing here throws on bad input.
 */

import * as fs from 'fs';
import * as path from 'path';
import { Document, LineCounter, parseAllDocuments } from 'yaml';
import { API_GROUP, WORKSPACE_KIND, WORKSPACEKIND_KIND } from '../core/api';
import { isPlainObject } from '../core/json';
import { parseSimpleYaml } from './fast-yaml';
import { documentLine, fieldLine } from './locate';
import { Finding, FindingCategory, ObjectRef, Severity } from './types';

/** Extensions of the files read from folders; files named explicitly are read whatever their name. */
export const MANIFEST_EXTENSIONS = ['.yaml', '.yml'];

/** One input file. The YAML syntax tree, needed only for line numbers, is built on first use. */
export class SourceFile {
  private ast?: { readonly documents: Document[]; readonly lineCounter: LineCounter };

  constructor(
    /** The name shown in messages. */
    readonly display: string,
    /** The path used in GitHub annotations: relative to the workspace root, `/`-separated. */
    readonly annotationPath: string,
    readonly source: string,
  ) {}

  /** 1-based line of `field` (a core field path) in document `document` (1-based); the document's line without it. */
  line(document: number, field?: string): number {
    const { documents, lineCounter } = this.syntax();
    const doc = documents[document - 1];
    if (!doc) return 1;
    return field === undefined ? documentLine(doc, lineCounter) : fieldLine(doc, lineCounter, field);
  }

  syntax(): { readonly documents: Document[]; readonly lineCounter: LineCounter } {
    if (!this.ast) {
      const lineCounter = new LineCounter();
      this.ast = { documents: parseAllDocuments(this.source, { lineCounter }) as Document[], lineCounter };
    }
    return this.ast;
  }
}

/** A Workspace or WorkspaceKind read from a document. */
export interface ManifestObject {
  readonly file: SourceFile;
  /** 1-based index of the document in its file. */
  readonly document: number;
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
  readonly source: string;
}

export interface ReadOptions {
  /** Paths are resolved against, and shown relative to, this folder. */
  readonly cwd: string;
  /** Folder that GitHub annotation paths are relative to (the checkout); defaults to `cwd`. */
  readonly annotationRoot?: string;
}

export function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

function isManifestName(name: string): boolean {
  return MANIFEST_EXTENSIONS.some((ext) => name.endsWith(ext));
}

function unreadable(display: string, err: unknown): Finding {
  const reason = (err as NodeJS.ErrnoException)?.code === 'ENOENT' ? 'no such file or folder' : String((err as Error)?.message ?? err);
  return { severity: Severity.ERROR, category: FindingCategory.UNREADABLE, file: display, message: `cannot read ${display}: ${reason}` };
}

/**
 * The manifest files under `paths` (files as given; folders recursively, YAML files only, hidden folders and
 * node_modules skipped), each once, sorted by path.
 */
function listManifestFiles(paths: readonly string[], cwd: string): { files: string[]; findings: Finding[] } {
  const files = new Set<string>();
  const findings: Finding[] = [];
  const walk = (dir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      findings.push(unreadable(displayPath(dir, cwd), err));
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.') && entry.name !== 'node_modules') walk(full);
      } else if (isManifestName(entry.name) && (entry.isFile() || entry.isSymbolicLink())) {
        files.add(full);
      }
    }
  };
  for (const p of paths) {
    const full = path.resolve(cwd, p);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(full);
    } catch (err) {
      findings.push(unreadable(p, err));
      continue;
    }
    if (stat.isDirectory()) {
      walk(full);
    } else {
      files.add(full);
    }
  }
  return { files: [...files].sort(), findings };
}

function displayPath(full: string, cwd: string): string {
  return toPosix(path.relative(cwd, full)) || '.';
}

/** Reads the files and folders `paths` (see {@link listManifestFiles}). */
export function readManifests(paths: readonly string[], opts: ReadOptions): ManifestSet {
  const { files, findings } = listManifestFiles(paths, opts.cwd);
  const sources: SourceText[] = [];
  for (const file of files) {
    const display = displayPath(file, opts.cwd);
    try {
      const source = fs.readFileSync(file, 'utf8');
      sources.push({ display, annotationPath: toPosix(path.relative(opts.annotationRoot ?? opts.cwd, file)), source });
    } catch (err) {
      findings.push(unreadable(display, err));
    }
  }
  const set = parseManifests(sources);
  return { ...set, findings: [...findings, ...set.findings] };
}

/** Splits sources into documents and picks out the Workspaces and WorkspaceKinds. */
export function parseManifests(sources: readonly SourceText[]): ManifestSet {
  const files: SourceFile[] = [];
  const objects: ManifestObject[] = [];
  const findings: Finding[] = [];
  for (const text of sources) {
    const file = new SourceFile(text.display, text.annotationPath, text.source);
    files.push(file);
    const values = parseSimpleYaml(text.source) ?? documentValues(file, findings);
    values.forEach((value, i) => {
      const document = i + 1;
      if (value === undefined || value === null) return;
      if (!isPlainObject(value)) {
        const found = Array.isArray(value) ? 'a list' : `a ${typeof value}`;
        findings.push({
          severity: Severity.ERROR,
          category: FindingCategory.SYNTAX,
          file: file.display,
          document,
          line: file.line(document),
          message: `document ${document} is not a Kubernetes object: expected a YAML mapping, found ${found}`,
        });
        return;
      }
      if (!isWorkspaceObject(value)) return;
      const ref = objectRef(value);
      objects.push({ file, document, value, ref, identity: identityOf(ref) });
    });
  }
  return { files, objects, findings };
}

/** Documents through the `yaml` package; a document with syntax errors yields a finding and `undefined`. */
function documentValues(file: SourceFile, findings: Finding[]): unknown[] {
  const { documents, lineCounter } = file.syntax();
  return documents.map((doc, i) => {
    const error = doc.errors[0];
    if (!error) {
      try {
        return doc.toJS();
      } catch (err) {
        findings.push(syntaxError(file, i + 1, documentLine(doc, lineCounter), String((err as Error).message)));
        return undefined;
      }
    }
    const line = error.linePos?.[0].line ?? documentLine(doc, lineCounter);
    // The first line of `yaml`'s message, without its own "at line L, column C:" (the finding has the line).
    findings.push(syntaxError(file, i + 1, line, error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')));
    return undefined;
  });
}

function syntaxError(file: SourceFile, document: number, line: number, detail: string): Finding {
  return {
    severity: Severity.ERROR,
    category: FindingCategory.SYNTAX,
    file: file.display,
    document,
    line,
    message: `not valid YAML: ${detail}`,
  };
}

/** A Workspace or WorkspaceKind of our API group; a wrong version is left for the core to report. */
function isWorkspaceObject(v: Record<string, unknown>): boolean {
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
