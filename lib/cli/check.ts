/**
 * The checks of `kfws validate` and `kfws diff`, on manifests already read. Every rule is the shared core's
 * (lib/core/validation): this module only decides which objects to hand to which core function — create rules for
 * new objects, update rules against the base revision, the delete rule for removed WorkspaceKinds — and turns the
 * violations into findings with file, document and line.
 */

import { isPlainObject } from '../core/json';
import { OptionType } from '../core/options';
import { WORKSPACE_KIND, WORKSPACEKIND_KIND, WorkspaceKindObject, WorkspaceObject } from '../core/api';
import { ApiRevision, DEFAULT_API_REVISION } from '../core/revision';
import {
  countOptionUsage,
  formatViolation,
  OptionUsage,
  usageLookup,
  validateWorkspace,
  validateWorkspaceKind,
  validateWorkspaceKindDelete,
  validateWorkspaceKindRendering,
  validateWorkspaceKindUpdate,
  validateWorkspaceRendering,
  validateWorkspaceUpdate,
  Violation,
  ViolationType,
  warnWorkspaceKindCreate,
  warnWorkspaceKindUpdate,
} from '../core/validation';
import { workspaceImpacts } from './impact';
import { kindRemovalHint, optionHint } from './advice';
import { identityOf, ManifestObject, ManifestSet, objectLine } from './manifests';
import { kindSchemaViolations } from './plan';
import { Command, compare, Finding, FindingCategory, Report, Severity } from './types';

function specKind(obj: ManifestObject): string | undefined {
  const spec = obj.value.spec as Record<string, unknown> | undefined;
  return typeof spec?.kind === 'string' ? spec.kind : undefined;
}

function isKind(obj: ManifestObject): boolean {
  return obj.ref.kind === WORKSPACEKIND_KIND;
}

function isWorkspace(obj: ManifestObject): boolean {
  return obj.ref.kind === WORKSPACE_KIND;
}

/** WorkspaceKinds by name; later sets win, so the manifests under review override `--kinds`. */
export function kindIndex(...sets: (ManifestSet | undefined)[]): Map<string, WorkspaceKindObject> {
  const kinds = new Map<string, WorkspaceKindObject>();
  for (const set of sets) {
    for (const obj of set?.objects ?? []) {
      if (isKind(obj)) kinds.set(obj.ref.name, obj.value as unknown as WorkspaceKindObject);
    }
  }
  return kinds;
}

export function ruleFindings(
  obj: ManifestObject,
  violations: readonly Violation[],
  category = FindingCategory.RULE,
  hint?: (v: Violation) => string | undefined,
): Finding[] {
  return violations.map((found) => {
    const violation = { ...found, field: namedEntries(obj.value, found.field) };
    return {
      severity: Severity.ERROR,
      category,
      file: obj.file.display,
      document: obj.document,
      item: obj.item,
      line: objectLine(obj, violation.field),
      object: obj.ref,
      violation,
      message: formatViolation(violation),
      hint: hint?.(found),
    };
  });
}

/** The webhook's admission warnings for `obj`: reported, never refusing (kubectl prints them as `Warning: ...`). */
function warningFindings(obj: ManifestObject, warnings: readonly string[]): Finding[] {
  return warnings.map((warning) => ({
    severity: Severity.WARNING,
    category: FindingCategory.RULE,
    file: obj.file.display,
    document: obj.document,
    item: obj.item,
    line: objectLine(obj),
    object: obj.ref,
    message: `admission warning: ${warning}`,
  }));
}

/** List fields whose items are named: the core's schema paths index them (`env[2]`), reviewers know the name. */
const NAMED_LISTS = new Set(['env', 'extraEnv']);

/** `field` with each `env[i]` / `extraEnv[i]` replaced by `env[NAME]`, the item's `name` in `value`. */
export function namedEntries(value: unknown, field: string): string {
  if (!/(?:^|\.)(?:env|extraEnv)\[\d+\]/.test(field)) return field;
  let node: unknown = value;
  let out = '';
  // Keys of the paths that reach env lists are plain identifiers, so splitting at `.` and `[` is exact there.
  for (const part of field.match(/[^.[\]]+|\[[^\]]*\]/g) ?? []) {
    if (part.startsWith('[')) {
      const index = Number(part.slice(1, -1));
      const item = Array.isArray(node) && Number.isInteger(index) ? node[index] : undefined;
      const listName = /([^.[\]]+)$/.exec(out)?.[1] ?? '';
      const name = isPlainObject(item) ? item.name : undefined;
      out += NAMED_LISTS.has(listName) && typeof name === 'string' && name !== '' ? `[${name}]` : part;
      node = item;
    } else {
      out += out === '' ? part : `.${part}`;
      node = isPlainObject(node) && Object.prototype.hasOwnProperty.call(node, part) ? node[part] : undefined;
    }
  }
  return out;
}

/** Applying two documents with one identity silently keeps only the last: report each later one. */
function duplicateFindings(objects: readonly ManifestObject[]): Finding[] {
  const first = new Map<string, ManifestObject>();
  const out: Finding[] = [];
  for (const obj of objects) {
    if (obj.ref.name === '') continue; // the core reports the missing name
    const seen = first.get(obj.identity);
    if (!seen) {
      first.set(obj.identity, obj);
      continue;
    }
    const violation: Violation = {
      field: 'metadata.name',
      type: ViolationType.DUPLICATE,
      value: obj.ref.name,
      detail: `${obj.ref.kind} also defined in ${seen.file.display} (document ${seen.document})`,
    };
    out.push(...ruleFindings(obj, [violation], FindingCategory.DUPLICATE));
  }
  return out;
}

function counts(set: ManifestSet): Report['checked'] {
  return {
    files: set.files.length,
    workspaces: set.objects.filter(isWorkspace).length,
    workspaceKinds: set.objects.filter(isKind).length,
  };
}

/**
 * `kfws validate`: every object of `input` as a create — WorkspaceKinds on their own, Workspaces against the
 * WorkspaceKinds of `input` or else of `reference` (`--kinds`).
 */
export function validateManifests(input: ManifestSet, reference?: ManifestSet, revision: ApiRevision = DEFAULT_API_REVISION): Report {
  const kinds = kindIndex(reference, input);
  const findings: Finding[] = [...input.findings, ...(reference?.findings ?? []), ...duplicateFindings(input.objects)];
  for (const obj of input.objects) {
    const kind = kinds.get(specKind(obj) ?? '');
    // Render-time rules too; a kind of the input reports its own problems once, at the kind.
    const violations = isKind(obj)
      ? [...validateWorkspaceKind(obj.value, revision), ...validateWorkspaceKindRendering(obj.value)]
      : [...validateWorkspace(obj.value, { kind, requireKind: true, revision }),
        ...validateWorkspaceRendering(obj.value, kind, { includeKind: !input.objects.some((o) => o.value === (kind as unknown)) })];
    findings.push(...ruleFindings(obj, violations));
    if (isKind(obj)) findings.push(...warningFindings(obj, warnWorkspaceKindCreate(obj.value, revision)));
  }
  return { command: Command.VALIDATE, findings: sortFindings(findings), impacts: [], checked: counts(input) };
}

/**
 * `kfws diff`: `next` as an update of `base`. Objects are matched by (kind, namespace, name): new ones get the create
 * rules, changed or unchanged ones the update rules (CEL immutability and the webhooks' update checks), WorkspaceKinds
 * that disappear the delete rule. "In use" counts the Workspaces of both revisions.
 */
export function diffManifests(base: ManifestSet, next: ManifestSet, reference?: ManifestSet, revisions: DiffRevisions = {}): Report {
  const nextRevision = revisions.next ?? DEFAULT_API_REVISION;
  const baseRevision = revisions.base ?? nextRevision;
  const baseKinds = kindIndex(reference, base);
  const nextKinds = kindIndex(reference, next);
  const baseById = firstByIdentity(base.objects);
  const nextById = firstByIdentity(next.objects);
  const baseWorkspaces = base.objects.filter(isWorkspace).map((o) => o.value as unknown as WorkspaceObject);
  const nextWorkspaces = next.objects.filter(isWorkspace).map((o) => o.value as unknown as WorkspaceObject);

  const usage = (kindName: string): OptionUsage => {
    const before = usageLookup(countOptionUsage(kindName, baseWorkspaces));
    const after = usageLookup(countOptionUsage(kindName, nextWorkspaces));
    return (type: OptionType, id: string) => before(type, id) + after(type, id);
  };

  // Problems of the base revision were there before this change: they are not the reviewer's to fix.
  const findings: Finding[] = [...next.findings, ...(reference?.findings ?? []), ...duplicateFindings(next.objects)];
  for (const f of base.findings) {
    findings.push(f.category === FindingCategory.UNREADABLE ? f : { ...f, severity: Severity.WARNING, message: `base revision: ${f.message}` });
  }

  /** Objects the API server would refuse: the reconciler never sees them, and its planner cannot read them. */
  const refused = new Set<unknown>();
  for (const obj of next.objects) {
    const old = baseById.get(obj.identity);
    let violations: Violation[];
    let hint: ((v: Violation) => string | undefined) | undefined;
    if (isKind(obj)) {
      violations = old
        ? validateWorkspaceKindUpdate(old.value, obj.value, usage(obj.ref.name), nextRevision)
        : validateWorkspaceKind(obj.value, nextRevision);
      if (old) hint = (v) => optionHint(v, old.value, obj.value, [...base.objects, ...next.objects]);
    } else {
      const kind = nextKinds.get(specKind(obj) ?? '');
      violations = old
        ? validateWorkspaceUpdate(old.value, obj.value, kind, nextRevision)
        : validateWorkspace(obj.value, { kind, requireKind: true, revision: nextRevision });
    }
    findings.push(...ruleFindings(obj, violations, FindingCategory.RULE, hint));
    if (isKind(obj)) {
      findings.push(...warningFindings(obj, old ? warnWorkspaceKindUpdate(old.value, obj.value, nextRevision) : warnWorkspaceKindCreate(obj.value, nextRevision)));
    }
    if (violations.length > 0) refused.add(obj.value);
  }
  // The base revision and `--kinds` are not checked above (their problems are not the change's), but the planner
  // reads them too: objects that do not even match their CRD schema are not planned.
  for (const obj of base.objects) {
    if (!matchesSchema(obj, baseRevision)) refused.add(obj.value);
  }
  for (const obj of reference?.objects.filter(isKind) ?? []) {
    if (!matchesSchema(obj, nextRevision)) refused.add(obj.value);
  }

  for (const old of baseById.values()) {
    if (!isKind(old) || nextById.has(old.identity)) continue;
    const hint = kindRemovalHint(old, [...base.objects, ...next.objects], next.objects);
    findings.push(...ruleFindings(old, validateWorkspaceKindDelete(withUsage(old, base, next), nextRevision), FindingCategory.RULE, () => hint));
  }

  return {
    command: Command.DIFF,
    findings: sortFindings(findings),
    impacts: workspaceImpacts(base, next, baseKinds, nextKinds, refused, { base: baseRevision, next: nextRevision }),
    checked: counts(next),
  };
}

/**
 * Whether the planner can read `obj`: a Workspace's type meta, metadata and CRD schema (`validateWorkspace` without
 * its kind), a WorkspaceKind's metadata and CRD schema ({@link kindSchemaViolations}).
 */
function matchesSchema(obj: ManifestObject, revision: ApiRevision): boolean {
  return (isKind(obj) ? kindSchemaViolations(obj.value, revision) : validateWorkspace(obj.value, { revision })).length === 0;
}

/** The API revision of each side of a diff: the base's CRDs may be of another revision than the change's. */
export interface DiffRevisions {
  /** Of the base manifests; defaults to `next`. */
  readonly base?: ApiRevision;
  /** Of the manifests under review, which the update, create and delete rules are those of. Default fd7a3d8e. */
  readonly next?: ApiRevision;
}

/**
 * The removed WorkspaceKind with `status.workspaces` set to the number of Workspaces (of either revision) that use
 * it — what the delete webhook reads from the live object, counted from the manifests instead.
 */
function withUsage(kind: ManifestObject, base: ManifestSet, next: ManifestSet): WorkspaceKindObject {
  const users = new Set<string>();
  for (const obj of [...base.objects, ...next.objects]) {
    if (isWorkspace(obj) && specKind(obj) === kind.ref.name) users.add(identityOf(obj.ref));
  }
  const value = kind.value as unknown as WorkspaceKindObject;
  return { ...value, status: { workspaces: users.size, podTemplateOptions: { imageConfig: [], podConfig: [] } } };
}

function firstByIdentity(objects: readonly ManifestObject[]): Map<string, ManifestObject> {
  const out = new Map<string, ManifestObject>();
  for (const obj of objects) {
    if (!out.has(obj.identity)) out.set(obj.identity, obj);
  }
  return out;
}

/** By file, then document; findings about a file as a whole first; the core's order within a document. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => compare(a.f.file ?? '', b.f.file ?? '') || (a.f.document ?? 0) - (b.f.document ?? 0) || a.i - b.i)
    .map(({ f }) => f);
}
