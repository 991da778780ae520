/** Vocabulary shared by the commands, the output formats and the cdk8s plugin. */

import type { Violation } from '../core/validation';

/** Process exit status of `kfws`. */
export enum ExitCode {
  /** Everything checked, nothing wrong. */
  OK = 0,
  /** At least one error: an object the API server or a webhook would refuse, a YAML syntax error, ... */
  FAILED = 1,
  /** Nothing or not everything could be checked: unreadable input, unknown revision, wrong usage. */
  UNREADABLE = 2,
  /** A bug in kfws itself. */
  INTERNAL = 3,
}

export enum OutputFormat {
  TEXT = 'text',
  JSON = 'json',
  /** GitHub Actions workflow commands (`::error file=...,line=...::`), shown as annotations on pull requests. */
  GITHUB = 'github',
  /** A pull-request comment: what the change does to Workspaces, in tables, and what to do. */
  MARKDOWN = 'markdown',
}

/** The tool that applies the manifests, whose reading of folders kfws mirrors (`--applier`). */
export enum Applier {
  /** `kubectl apply -R -f PATH`. */
  KUBECTL = 'kubectl',
  /** An Argo CD directory-type application (`--recurse`, `--include`, `--exclude` for its `directory` settings). */
  ARGOCD = 'argocd',
  /** A Flux Kustomization (kustomize-controller) on a folder without a kustomization of its own. */
  FLUX = 'flux',
}

export enum Severity {
  ERROR = 'error',
  WARNING = 'warning',
  NOTICE = 'notice',
}

/** What went wrong, and therefore which exit status it leads to. */
export enum FindingCategory {
  /** A file or folder could not be read. */
  UNREADABLE = 'unreadable',
  /** A file is not YAML, or a document is not a Kubernetes object. */
  SYNTAX = 'syntax',
  /** A Workspace or WorkspaceKind breaks a rule of the API server or the admission webhooks. */
  RULE = 'rule',
  /** Two documents define the same object. */
  DUPLICATE = 'duplicate',
  /**
   * Something about the input a reviewer should know, which does not change the exit status (a warning): a file one
   * applier reads and another does not, a PATH that the base revision does not have.
   */
  INPUT = 'input',
}

/** A Workspace or WorkspaceKind, as named in messages. */
export interface ObjectRef {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

/** Where a document is: the file as shown to the user and the document's 1-based position in it. */
export interface DocumentRef {
  readonly file: string;
  readonly document: number;
}

export interface Finding extends Partial<DocumentRef> {
  /** For an object that is an item of a `List` document: its path there (`items[3]`). */
  readonly item?: string;
  readonly severity: Severity;
  readonly category: FindingCategory;
  /** 1-based line of the offending node (or of the document when the node does not exist). */
  readonly line?: number;
  readonly object?: ObjectRef;
  /** The rule's violation, as the API server would word it; absent for problems with the file itself. */
  readonly violation?: Violation;
  /** One-line message (for rule findings, `formatViolation(violation)`). */
  readonly message: string;
  /** What to do about it, when kfws knows: e.g. the Workspaces that use a changed option, and the fix. */
  readonly hint?: string;
}

/** What a change does to a Workspace that exists, or will exist, in the cluster (`kfws diff`). */
export enum Effect {
  CREATED = 'created',
  DELETED = 'deleted',
  /** Created under a new name with the spec of one that is deleted: the Workspace is replaced, its volumes stay. */
  RENAMED = 'renamed',
  PAUSED = 'paused',
  UNPAUSED = 'unpaused',
  /** The Pod template changes, so the StatefulSet replaces the running Pod right away. */
  RESTARTED = 'restarted',
  /** An option now redirects; the switch waits until the Workspace is paused. */
  PENDING_RESTART = 'pending-restart',
  /** An option now redirects and the Workspace is paused: the reconciler rewrites its spec to the target. */
  REDIRECTED = 'redirected',
  /** The reconciler cannot build the Workspace's objects; it will be in state Error. */
  ERROR_STATE = 'error-state',
}

export interface Impact extends DocumentRef {
  readonly item?: string;
  readonly line: number;
  readonly workspace: ObjectRef;
  readonly effect: Effect;
  readonly message: string;
}

export enum Command {
  VALIDATE = 'validate',
  DIFF = 'diff',
  RENDER = 'render',
}

/** Everything a `validate` or `diff` run found. */
export interface Report {
  readonly command: Command;
  readonly findings: readonly Finding[];
  readonly impacts: readonly Impact[];
  readonly checked: { readonly files: number; readonly workspaces: number; readonly workspaceKinds: number };
  /** `kfws diff`: the options of WorkspaceKinds that the change adds, removes or changes. */
  readonly optionChanges?: readonly OptionChange[];
}

/** What a change does to one option of a WorkspaceKind. */
export enum OptionChangeType {
  ADDED = 'added',
  REMOVED = 'removed',
  /** Its spec (image, resources, ...) changes. */
  CHANGED = 'changed',
  /** Its redirect is added, removed or changed. */
  REDIRECTED = 'redirected',
  /** Its spawner information (display name, hidden, deprecated, ...) changes. */
  RELABELED = 'relabeled',
}

export interface OptionChange {
  /** The WorkspaceKind. */
  readonly kind: string;
  /** `imageConfig` or `podConfig`. */
  readonly type: string;
  readonly id: string;
  readonly change: OptionChangeType;
  /** How many Workspaces of the change select the option. */
  readonly workspaces: number;
  /** How many Workspaces of the base revision selected it. */
  readonly workspacesBefore: number;
  readonly file: string;
  readonly line: number;
}

export function exitCodeOf(findings: readonly Finding[]): ExitCode {
  if (findings.some((f) => f.category === FindingCategory.UNREADABLE)) return ExitCode.UNREADABLE;
  return findings.some((f) => f.severity === Severity.ERROR) ? ExitCode.FAILED : ExitCode.OK;
}

export function describeObject(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name || '<unnamed>'}`;
}

/** Code-unit order, independent of the locale: output must not depend on the machine. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
