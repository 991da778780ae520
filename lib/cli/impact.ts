/**
 * What a change does to Workspaces, for reviewers: the reconciler's own plan (lib/core/workspace-plan.ts, via
 * ./plan.ts, which `kfws render` uses too) is computed for every Workspace with the base revision's and with the new
 * revision's WorkspaceKind, and the two outcomes are compared. Nothing here is a rule: it is read-only information
 * next to the findings.
 */

import { ApiRevision, DEFAULT_API_REVISION } from '../core/revision';
import { WORKSPACE_KIND, WorkspaceKindObject, WorkspaceObject } from '../core/api';
import { RenderedStatefulSet } from '../core/render';
import { isPlainObject } from '../core/json';
import { deepEqual } from '../core/validation/equality';
import { ManifestObject, ManifestSet, objectLine } from './manifests';
import { previewReconcile, ReconcilePreview } from './plan';
import { compare, Effect, Impact } from './types';

/** How many changed fields of a Pod template are named before "and N more". */
const MAX_NAMED_CHANGES = 4;

/**
 * The reconciler's outcome for a Workspace; none for a Workspace that the API server would refuse, or whose
 * WorkspaceKind it would refuse (`refused`: the values of such objects, from the core validator): the change cannot
 * be applied as it is, its problems are findings, and the planner trusts the schema. Any error is a bug.
 */
function outcome(
  obj: ManifestObject,
  kinds: ReadonlyMap<string, WorkspaceKindObject>,
  refused: ReadonlySet<unknown>,
  revision: ApiRevision,
): ReconcilePreview | undefined {
  if (refused.has(obj.value)) return undefined;
  const ws = obj.value as unknown as WorkspaceObject;
  const kind = ws.spec && kinds.get(ws.spec.kind);
  if (!ws.spec || (kind && refused.has(kind))) return undefined;
  return previewReconcile(ws, kind, revision);
}

/** The `name` of every item, when all items of both lists have distinct names (env, ports, volumes, ...). */
function namesOf(a: unknown[], b: unknown[]): Map<string, [unknown, unknown]> | undefined {
  const byName = new Map<string, [unknown, unknown]>();
  for (const [list, side] of [[a, 0], [b, 1]] as const) {
    const seen = new Set<string>();
    for (const item of list) {
      const name = isPlainObject(item) ? item.name : undefined;
      if (typeof name !== 'string' || seen.has(name)) return undefined;
      seen.add(name);
      const pair = byName.get(name) ?? [undefined, undefined];
      pair[side] = item;
      byName.set(name, pair);
    }
  }
  return byName;
}

/**
 * Appends the paths (`a.b[0].c`) at which two JSON values differ; items of lists whose items all have a name
 * (`env`, `volumeMounts`, ...) are named by it (`env[NB_PREFIX].value`), not by their position.
 */
function changedPaths(a: unknown, b: unknown, at: string, out: string[]): void {
  if (deepEqual(a, b)) return;
  if (Array.isArray(a) && Array.isArray(b)) {
    const named = namesOf(a, b);
    if (named) {
      for (const [name, [x, y]] of named) changedPaths(x, y, `${at}[${name}]`, out);
      return;
    }
    for (let i = 0; i < Math.max(a.length, b.length); i++) changedPaths(a[i], b[i], `${at}[${i}]`, out);
    return;
  }
  if (!isPlainObject(a) || !isPlainObject(b)) {
    out.push(at);
    return;
  }
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  for (const k of keys) {
    const own = (o: Record<string, unknown>) => (Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined);
    changedPaths(own(a), own(b), at ? `${at}.${k}` : k, out);
  }
}

function describeChanges(before: RenderedStatefulSet, after: RenderedStatefulSet): string {
  const paths: string[] = [];
  changedPaths(before.spec.template, after.spec.template, '', paths);
  const named = paths.slice(0, MAX_NAMED_CHANGES).join(', ');
  return paths.length > MAX_NAMED_CHANGES ? `${named} and ${paths.length - MAX_NAMED_CHANGES} more` : named;
}

function redirectEffect(o: ReconcilePreview): { effect: Effect; message: string } {
  const what = o.redirects.join(', ');
  if (o.followsRedirect) return { effect: Effect.REDIRECTED, message: `paused: the reconciler switches it to the redirect target (${what})` };
  const when = o.deferUpdates ? 'held back by deferUpdates' : 'applied when the Workspace is paused';
  return { effect: Effect.PENDING_RESTART, message: `pending restart: ${what}; ${when}` };
}

function compareOutcomes(before: ReconcilePreview | undefined, after: ReconcilePreview): { effect: Effect; message: string }[] {
  const out: { effect: Effect; message: string }[] = [];
  if (after.error !== undefined) {
    if (before?.error !== after.error) out.push({ effect: Effect.ERROR_STATE, message: `goes to state Error: ${after.error}` });
    return out;
  }
  if (before && before.paused !== after.paused) {
    out.push(
      after.paused
        ? { effect: Effect.PAUSED, message: 'paused: its Pod is stopped' }
        : { effect: Effect.UNPAUSED, message: 'unpaused: its Pod is started' },
    );
  } else if (before?.statefulSet && after.statefulSet && !after.paused) {
    const changes = describeChanges(before.statefulSet, after.statefulSet);
    if (changes) out.push({ effect: Effect.RESTARTED, message: `its Pod is replaced: the Pod template changes (${changes})` });
  }
  const redirectsChanged = before === undefined || before.redirects.join() !== after.redirects.join() || before.followsRedirect !== after.followsRedirect;
  if (after.redirects.length > 0 && redirectsChanged) out.push(redirectEffect(after));
  return out;
}

/**
 * Workspaces of `next` that replace one of `base` under another name: the old one is gone, the new one is new, and
 * both have the same namespace and spec. By identity of the new one; each old one pairs once.
 */
function renames(baseWorkspaces: ReadonlyMap<string, ManifestObject>, next: readonly ManifestObject[]): Map<string, ManifestObject> {
  const nextIds = new Set(next.map((o) => o.identity));
  // Keyed by namespace and spec, so that pairing stays linear in the number of Workspaces.
  const key = (o: ManifestObject) => `${o.ref.namespace ?? ''}\0${canonicalJson(o.value.spec)}`;
  const gone = new Map<string, ManifestObject[]>();
  for (const old of baseWorkspaces.values()) {
    if (nextIds.has(old.identity)) continue;
    const k = key(old);
    gone.set(k, [...(gone.get(k) ?? []), old]);
  }
  const out = new Map<string, ManifestObject>();
  if (gone.size === 0) return out;
  for (const obj of next) {
    if (obj.ref.kind !== WORKSPACE_KIND || baseWorkspaces.has(obj.identity) || out.has(obj.identity)) continue;
    const old = gone.get(key(obj))?.shift();
    if (old) out.set(obj.identity, old);
  }
  return out;
}

/** JSON with object keys sorted: equal for deep-equal values whatever their key order. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isPlainObject(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** Effects of going from `base` to `next` on every Workspace of either revision, sorted by file and document. */
export function workspaceImpacts(
  base: ManifestSet,
  next: ManifestSet,
  baseKinds: ReadonlyMap<string, WorkspaceKindObject>,
  nextKinds: ReadonlyMap<string, WorkspaceKindObject>,
  refused: ReadonlySet<unknown>,
  revisions: { readonly base: ApiRevision; readonly next: ApiRevision } = { base: DEFAULT_API_REVISION, next: DEFAULT_API_REVISION },
): Impact[] {
  const impacts: Impact[] = [];
  const add = (obj: ManifestObject, effect: Effect, message: string): void => {
    impacts.push({
      file: obj.file.display,
      document: obj.document,
      item: obj.item,
      line: objectLine(obj),
      workspace: obj.ref,
      effect,
      message,
    });
  };
  const baseWorkspaces = new Map<string, ManifestObject>();
  for (const obj of base.objects) {
    if (obj.ref.kind === WORKSPACE_KIND && !baseWorkspaces.has(obj.identity)) baseWorkspaces.set(obj.identity, obj);
  }
  const renamedFrom = renames(baseWorkspaces, next.objects);
  const renamed = new Set([...renamedFrom.values()].map((o) => o.identity));
  const seen = new Set<string>();
  for (const obj of next.objects) {
    if (obj.ref.kind !== WORKSPACE_KIND || seen.has(obj.identity)) continue;
    seen.add(obj.identity);
    const after = outcome(obj, nextKinds, refused, revisions.next);
    if (!after) continue;
    const old = baseWorkspaces.get(obj.identity);
    const previous = renamedFrom.get(obj.identity);
    if (previous) {
      const started = after.paused ? 'paused' : 'its Pod is started';
      add(
        obj,
        Effect.RENAMED,
        `renamed from ${previous.ref.name}: a Workspace cannot be renamed in place, so ${previous.ref.name} is deleted with its ` +
          `StatefulSet, Service and Pod, and ${obj.ref.name} is created (${started}); the volumes stay`,
      );
    } else if (!old) {
      add(obj, Effect.CREATED, after.paused ? 'created, paused' : 'created: its Pod is started');
    }
    // A renamed Workspace is compared with the one it replaces (its Pod is new anyway: no "replaced" for it).
    const before = old ?? previous;
    for (const { effect, message } of compareOutcomes(before && outcome(before, baseKinds, refused, revisions.base), after)) {
      if (!(previous && effect === Effect.RESTARTED)) add(obj, effect, message);
    }
  }
  for (const [identity, old] of baseWorkspaces) {
    if (!seen.has(identity) && !renamed.has(identity)) add(old, Effect.DELETED, 'deleted, with its StatefulSet, Service and Pod; its volumes stay');
  }
  return impacts.sort((a, b) => compare(a.file, b.file) || a.document - b.document);
}
