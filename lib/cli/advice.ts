/**
 * What to do about a refused change, for reviewers: the core says that an option in use cannot change or
 * disappear; this names the Workspaces that use it and the change that gets the same result through the API server
 * (a new option, and a redirect from the old one to it, which the reconciler follows when each Workspace is paused).
 */

import { WORKSPACE_KIND, WORKSPACEKIND_KIND } from '../core/api';
import { isPlainObject } from '../core/json';
import { OptionType } from '../core/options';
import { Violation } from '../core/validation';
import { deepEqual } from '../core/validation/equality';
import type { ManifestObject } from './manifests';
import { compare, describeObject, ObjectRef } from './types';

/** How many Workspaces are named before "and N more". */
export const MAX_NAMED_WORKSPACES = 5;

function field(value: unknown, ...path: string[]): unknown {
  let node = value;
  for (const key of path) node = isPlainObject(node) && Object.prototype.hasOwnProperty.call(node, key) ? node[key] : undefined;
  return node;
}

/** The Workspaces of `objects` (once each) of kind `kindName`, and, with `option`, selecting that option. */
function users(kindName: string, objects: readonly ManifestObject[], option?: { type: OptionType; id: string }): ObjectRef[] {
  const found = new Map<string, ObjectRef>();
  for (const obj of objects) {
    if (obj.ref.kind !== WORKSPACE_KIND || field(obj.value, 'spec', 'kind') !== kindName) continue;
    if (option && field(obj.value, 'spec', 'podTemplate', 'options', option.type) !== option.id) continue;
    found.set(obj.identity, obj.ref);
  }
  return [...found.values()].sort((a, b) => compare(a.namespace ?? '', b.namespace ?? '') || compare(a.name, b.name));
}

/** `Workspace a/x, Workspace b/y and 3 more`. */
function listRefs(refs: readonly ObjectRef[]): string {
  const named = refs.slice(0, MAX_NAMED_WORKSPACES).map(describeObject).join(', ');
  return refs.length > MAX_NAMED_WORKSPACES ? `${named} and ${refs.length - MAX_NAMED_WORKSPACES} more` : named;
}

/**
 * For a WorkspaceKind that the change removes while Workspaces (of `objects`) use it: who, and what to do —
 * reported as a rename when a new WorkspaceKind of `next` has the same spec. Undefined when none uses it.
 */
export function kindRemovalHint(removed: ManifestObject, objects: readonly ManifestObject[], next: readonly ManifestObject[]): string | undefined {
  const refs = users(removed.ref.name, objects);
  if (refs.length === 0) return undefined;
  const name = removed.ref.name;
  const successor = next.find((o) => o.ref.kind === WORKSPACEKIND_KIND && o.ref.name !== name && deepEqual(field(o.value, 'spec'), field(removed.value, 'spec')));
  const recreate = `a Workspace's spec.kind cannot change, so keep "${name}" until they are deleted or recreated with`;
  if (successor) {
    return `WorkspaceKind "${name}" was renamed to "${successor.ref.name}", used by ${listRefs(refs)}: ${recreate} kind "${successor.ref.name}"`;
  }
  return `used by ${listRefs(refs)}: ${recreate} another kind`;
}

const IN_USE_FIELD = /^spec\.podTemplate\.options\.(imageConfig|podConfig)\.values\[(.*)\]$/;

function optionValues(kind: unknown, type: OptionType): Record<string, unknown>[] {
  const values = field(kind, 'spec', 'podTemplate', 'options', type, 'values');
  return Array.isArray(values) ? values.filter(isPlainObject) : [];
}

/**
 * For the core's "value X is in use and cannot be changed / removed" on a WorkspaceKind update: who uses X, and
 * how to make the change anyway. A removed option whose settings reappear under a new id is reported as a rename.
 */
export function optionHint(v: Violation, oldKind: unknown, newKind: unknown, objects: readonly ManifestObject[]): string | undefined {
  const match = IN_USE_FIELD.exec(v.field);
  const removed = v.detail.endsWith('cannot be removed');
  if (!match || typeof v.value !== 'string' || !(removed || v.detail.endsWith('cannot be changed'))) return undefined;
  const type = match[1] as OptionType;
  const id = v.value;
  const kindName = field(newKind, 'metadata', 'name');
  const using = users(typeof kindName === 'string' ? kindName : '', objects, { type, id });
  const who = using.length === 0 ? `Workspaces use ${type} "${id}"` : `used by ${listRefs(using)}`;
  if (!removed) {
    return (
      `${who}. To change it: add the new settings as a new ${type} option (e.g. "${id}-v2"), keep "${id}" as it was, ` +
      `and redirect it (redirect.to: ${id}-v2); each Workspace moves to the new option when it is next paused`
    );
  }
  const oldValue = optionValues(oldKind, type).find((o) => o.id === id);
  const oldIds = new Set(optionValues(oldKind, type).map((o) => o.id));
  const renamedTo = optionValues(newKind, type).find((o) => !oldIds.has(o.id) && oldValue !== undefined && deepEqual(o.spec, oldValue.spec));
  if (renamedTo && typeof renamedTo.id === 'string') {
    return (
      `${type} "${id}" was renamed to "${renamedTo.id}", ${who}. The API server sees a rename as a removal: keep "${id}" ` +
      `next to "${renamedTo.id}" and redirect it (redirect.to: ${renamedTo.id}); each Workspace moves when it is next paused, ` +
      `and "${id}" can go once none uses it`
    );
  }
  return (
    `${who}. To retire it: keep "${id}" and redirect it to the option that replaces it (redirect.to: <new id>); ` +
    `each Workspace moves when it is next paused, and "${id}" can go once none uses it`
  );
}
