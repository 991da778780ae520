/**
 * Public validation entry points: what a kube-apiserver with the project's CRDs installed, plus the upstream
 * admission webhooks (docs/upstream-behavior.md §4.6, §4.7), would decide for a create, update or delete.
 *
 * Every function is pure and synchronous and never throws on bad input: anything that is not the expected shape
 * yields violations. Violations come in the order the API server would produce them: type meta, metadata, schema
 * (unknown fields, values, lists, CEL), then the webhook's rules in the webhook's order. (A real API server stops
 * before the webhook when the schema fails; we go on, defensively, to report everything at once.)
 */

import {
  API_VERSION,
  FINALIZER_WORKSPACEKIND_PROTECTION,
  WORKSPACE_KIND,
  WORKSPACEKIND_KIND,
  WorkspaceKindObject,
  WorkspaceObject,
} from '../api';
import { detectGraphCycle } from '../graph';
import { isPlainObject, listOf, objectAt, stringOf } from '../json';
import { OptionType } from '../options';
import { ApiRevision, DEFAULT_API_REVISION } from '../revision';
import { activityProbeRule, activityRulesRule, filterRulesRule, requestHeadersRule, withRevisionHint } from './beta-rules';
import { closestFirst } from './closest';
import { dryRenderError } from './dry-render';
import { deepEqual, kubeSemanticEqual, podConfigSpecEqual, semanticEqual } from './equality';
import { validateObjectMeta, validatePodMetadata } from './metadata';
import { goQuote } from './quote';
import { suggestWorkspaceName } from './render-rules';
import { CrdKind, crdSchema, ROOT_FIELD } from './schema';
import { Violation, ViolationType } from './violation';

export { formatValue, formatViolation, ViolationType } from './violation';
export { validateWorkspaceKindRendering, validateWorkspaceRendering } from './render-rules';
export type { WorkspaceRenderingOptions } from './render-rules';
export type { Violation } from './violation';

export { DUMMY_HTTP_PATH_PREFIX } from './dry-render';

const OPTION_TYPES = [OptionType.IMAGE_CONFIG, OptionType.POD_CONFIG] as const;
const OPTIONS_PATH = 'spec.podTemplate.options';
const POD_METADATA_PATH = 'spec.podTemplate.podMetadata';

type Json = Record<string, unknown>;

function invalid(field: string, value: unknown, detail: string): Violation {
  return { field, type: ViolationType.INVALID, value, detail };
}

// ---------------------------------------------------------------------------------------------------------------
// Object-level checks shared by all operations (API server: type meta, ObjectMeta, schema, CEL)
// ---------------------------------------------------------------------------------------------------------------

function typeMetaChecks(obj: Json, kind: CrdKind): Violation[] {
  const out: Violation[] = [];
  const expected: [string, string][] = [
    ['apiVersion', API_VERSION],
    ['kind', kind],
  ];
  for (const [field, want] of expected) {
    const got = obj[field];
    if (got === undefined || got === null || got === '') {
      out.push({ field, type: ViolationType.REQUIRED, detail: `must be ${goQuote(want)}` });
    } else if (got !== want) {
      out.push({ field, type: ViolationType.UNSUPPORTED, value: got, detail: `supported values: ${goQuote(want)}` });
    }
  }
  return out;
}

function objectChecks(kind: CrdKind, obj: unknown, oldObj: unknown, revision: ApiRevision): Violation[] {
  const schema = crdSchema(kind, revision);
  if (!isPlainObject(obj)) {
    return schema.validate(obj);
  }
  const meta = validateObjectMeta(obj.metadata, { namespaced: kind === WORKSPACE_KIND }).map((v) => (kind === WORKSPACE_KIND ? withWorkspaceNameFix(v) : v));
  const schemaViolations = schema.validate(obj, { oldValue: isPlainObject(oldObj) ? oldObj : undefined, unknownFieldsOnly: ['status'], precedingViolations: meta });
  return [
    ...typeMetaChecks(obj, kind),
    ...meta,
    ...(revision === ApiRevision.FD7A3D8E ? schemaViolations : schemaViolations.map((v) => withRevisionHint(v, revision))),
  ];
}

/**
 * The metadata check's example for a bad name is a DNS subdomain such as 'example.com', which a Workspace name then
 * fails (render-rules.ts: it must be a label); adding the one name that passes both makes one round of fixes enough.
 */
function withWorkspaceNameFix(v: Violation): Violation {
  if (v.field !== 'metadata.name' || typeof v.value !== 'string' || v.value === '') return v;
  return { ...v, detail: `${v.detail}; a Workspace name must also be a DNS-1123 label (no '.'), e.g. ${goQuote(suggestWorkspaceName(v.value))}` };
}

// ---------------------------------------------------------------------------------------------------------------
// WorkspaceKind views (defensive: only what has the right shape is looked at)
// ---------------------------------------------------------------------------------------------------------------

interface OptionEntry {
  readonly id: string;
  readonly redirect: unknown;
  readonly spec: unknown;
}

/** Values with a string id, in spec order. */
function optionEntries(kind: unknown, type: OptionType): OptionEntry[] {
  const entries: OptionEntry[] = [];
  for (const v of listOf(objectAt(kind, 'spec', 'podTemplate', 'options', type)?.values)) {
    if (isPlainObject(v) && typeof v.id === 'string') {
      entries.push({ id: v.id, redirect: v.redirect, spec: v.spec });
    }
  }
  return entries;
}

function optionIds(kind: unknown, type: OptionType): Set<string> {
  return new Set(optionEntries(kind, type).map((e) => e.id));
}

/** The ids a mistyped option id could have meant, closest first (upstream's message ends before this). */
function knownIds(id: string, kind: unknown, type: OptionType): string {
  const ids = closestFirst(id, [...optionIds(kind, type)]);
  if (ids.length === 0) return `; the kind has no ${type} options`;
  const shown = ids.slice(0, KNOWN_IDS_SHOWN).map(goQuote).join(', ');
  return `; expected one of its ${type} ids: ${shown}${ids.length > KNOWN_IDS_SHOWN ? ` (and ${ids.length - KNOWN_IDS_SHOWN} more)` : ''}`;
}

/** Enough ids to find a typo among, few enough for one line. */
const KNOWN_IDS_SHOWN = 10;

function valuePath(type: OptionType, id: string): string {
  return `${OPTIONS_PATH}.${type}.values[${id}]`;
}

function kindPortIds(kind: unknown): Set<string> {
  const ids = new Set<string>();
  for (const p of listOf(objectAt(kind, 'spec', 'podTemplate')?.ports)) {
    if (isPlainObject(p) && typeof p.id === 'string') ids.add(p.id);
  }
  return ids;
}

// ---------------------------------------------------------------------------------------------------------------
// WorkspaceKind webhook rules (§4.7)
// ---------------------------------------------------------------------------------------------------------------

function podMetadataRule(obj: unknown): Violation[] {
  return validatePodMetadata(objectAt(obj, 'spec', 'podTemplate', 'podMetadata'), POD_METADATA_PATH);
}

function extraEnvRule(kind: unknown): Violation[] {
  const out: Violation[] = [];
  listOf(objectAt(kind, 'spec', 'podTemplate')?.extraEnv).forEach((env, i) => {
    if (!isPlainObject(env) || typeof env.value !== 'string' || env.value === '') return;
    const err = dryRenderError(env.value);
    if (err !== undefined) out.push(invalid(`spec.podTemplate.extraEnv[${stringOf(env.name) ?? String(i)}].value`, env.value, err));
  });
  return out;
}

function defaultRule(kind: unknown, type: OptionType): Violation[] {
  const id = objectAt(kind, 'spec', 'podTemplate', 'options', type, 'spawner')?.default;
  if (typeof id !== 'string' || optionIds(kind, type).has(id)) return [];
  return [invalid(`${OPTIONS_PATH}.${type}.spawner.default`, id, `default ${type} ${goQuote(id)} not found`)];
}

function imageValueRule(entry: OptionEntry, kindPorts: ReadonlySet<string>): Violation[] {
  const out: Violation[] = [];
  const base = valuePath(OptionType.IMAGE_CONFIG, entry.id);
  const seenPorts = new Set<number>();
  for (const port of listOf(objectAt(entry, 'spec')?.ports)) {
    if (!isPlainObject(port)) continue;
    const id = stringOf(port.id) ?? '';
    if (typeof port.port === 'number') {
      if (seenPorts.has(port.port)) {
        out.push(invalid(`${base}.spec.ports[${id}].port`, port.port, `port ${port.port} is defined more than once`));
      }
      seenPorts.add(port.port);
    }
    if (typeof port.id === 'string' && !kindPorts.has(port.id)) {
      out.push(invalid(`${base}.spec.ports[${id}].id`, port.id, 'missing from spec.podTemplate.ports'));
    }
  }
  return out;
}

/** Edges in spec order; on the first cycle, report it and stop checking this type (§4.7). */
function redirectGraphRule(kind: unknown, type: OptionType): Violation[] {
  const entries = optionEntries(kind, type);
  const ids = new Set(entries.map((e) => e.id));
  const edges = new Map<string, string>();
  for (const e of entries) {
    const to = objectAt(e, 'redirect')?.to;
    if (typeof to === 'string') edges.set(e.id, to);
  }
  const out: Violation[] = [];
  const checked = new Set<string>();
  for (const [source, to] of edges) {
    const field = `${valuePath(type, source)}.redirect.to`;
    const cycle = detectGraphCycle(source, checked, edges);
    if (cycle) {
      out.push(invalid(field, to, `${type} redirect cycle detected: [${cycle.join(' ')}]`));
      break;
    }
    if (!ids.has(to)) {
      out.push(invalid(field, to, `target ${type} ${goQuote(to)} does not exist`));
    }
  }
  return out;
}

function kindCreateRules(kind: Json, revision: ApiRevision): Violation[] {
  const kindPorts = kindPortIds(kind);
  const beta = revision === ApiRevision.V2_0_0_BETA_0;
  return [
    ...podMetadataRule(kind),
    ...extraEnvRule(kind),
    ...(beta ? [...requestHeadersRule(kind), ...filterRulesRule(kind), ...activityProbeRule(kind)] : []),
    ...OPTION_TYPES.flatMap((t) => defaultRule(kind, t)),
    ...optionEntries(kind, OptionType.IMAGE_CONFIG).flatMap((e) => imageValueRule(e, kindPorts)),
    ...OPTION_TYPES.flatMap((t) => redirectGraphRule(kind, t)),
    ...(beta ? activityRulesRule(kind).violations : []),
  ];
}

/**
 * Create of a WorkspaceKind at `revision`: type meta, metadata, schema + CEL, then the webhook's create rules (§4.7;
 * at v2.0.0-beta.0 also request headers, filterRules, activityProbe and activityRules, docs/upstream-v2-beta.md §5.3).
 */
export function validateWorkspaceKind(obj: unknown, revision: ApiRevision = DEFAULT_API_REVISION): Violation[] {
  return [...objectChecks(WORKSPACEKIND_KIND, obj, undefined, revision), ...admitWorkspaceKindCreate(obj, revision)];
}

/**
 * The admission warnings the webhook returns for a WorkspaceKind create (none at fd7a3d8e; at v2.0.0-beta.0, pausing
 * activity rules whose `secondsSinceActive` is under twice the probe interval). Warnings never refuse the request.
 */
export function warnWorkspaceKindCreate(obj: unknown, revision: ApiRevision = DEFAULT_API_REVISION): string[] {
  return revision === ApiRevision.V2_0_0_BETA_0 && isPlainObject(obj) ? activityRulesRule(obj).warnings : [];
}

/** The admission warnings for a WorkspaceKind update: as on create, when `activityRules` or `activityProbe` changed. */
export function warnWorkspaceKindUpdate(oldObj: unknown, newObj: unknown, revision: ApiRevision = DEFAULT_API_REVISION): string[] {
  if (revision !== ApiRevision.V2_0_0_BETA_0 || !isPlainObject(newObj)) return [];
  const schema = crdSchema(WORKSPACEKIND_KIND, revision);
  const oldKind = schema.applyDefaults(isPlainObject(oldObj) ? oldObj : {});
  const newKind = schema.applyDefaults(newObj);
  return activityChanged(oldKind, newKind) ? activityRulesRule(newKind).warnings : [];
}

function activityChanged(oldKind: Json, newKind: Json): boolean {
  return (
    !deepEqual(objectAt(oldKind, 'spec')?.activityRules, objectAt(newKind, 'spec')?.activityRules) ||
    !deepEqual(objectAt(oldKind, 'spec', 'podTemplate')?.activityProbe, objectAt(newKind, 'spec', 'podTemplate')?.activityProbe)
  );
}

/** How many Workspaces select option `id` of `type` in their spec (redirect targets do not count). */
export type OptionUsage = (type: OptionType, id: string) => number;

class UsageLookupError extends Error {}

/**
 * Update of a WorkspaceKind: the new object's create-time schema checks, the CEL transition rules (immutable
 * `serviceAccount.name`, `volumeMounts.home`), then the webhook's update rules (§4.7) in the webhook's error order.
 * `usage` is consulted only for changed or removed options; if it throws, the webhook answers with a single internal
 * error, like upstream's HTTP 500.
 */
export function validateWorkspaceKindUpdate(
  oldObj: unknown,
  newObj: unknown,
  usage: OptionUsage,
  revision: ApiRevision = DEFAULT_API_REVISION,
): Violation[] {
  const out = objectChecks(WORKSPACEKIND_KIND, newObj, oldObj, revision);
  if (isPlainObject(newObj)) out.push(...admitWorkspaceKindUpdate(oldObj, newObj, usage, revision));
  return out;
}

/**
 * The admission webhook's rules only (§4.7) for a WorkspaceKind create: what the webhook adds to the API server's own
 * schema and CEL checks, which an object reaching the webhook has already passed.
 */
export function admitWorkspaceKindCreate(obj: unknown, revision: ApiRevision = DEFAULT_API_REVISION): Violation[] {
  return isPlainObject(obj) ? kindCreateRules(obj, revision) : [];
}

/** The admission webhook's rules only (§4.7) for a WorkspaceKind update; see {@link validateWorkspaceKindUpdate}. */
export function admitWorkspaceKindUpdate(
  oldObj: unknown,
  newObj: unknown,
  usage: OptionUsage,
  revision: ApiRevision = DEFAULT_API_REVISION,
): Violation[] {
  if (!isPlainObject(newObj)) return [];
  const out: Violation[] = [];
  const schema = crdSchema(WORKSPACEKIND_KIND, revision);
  // The webhook sees stored (defaulted) objects, so e.g. an omitted imagePullPolicy equals a stored `IfNotPresent`.
  const oldKind = schema.applyDefaults(isPlainObject(oldObj) ? oldObj : {});
  const newKind = schema.applyDefaults(newObj);
  try {
    out.push(...kindUpdateRules(oldKind, newKind, usage, revision));
  } catch (e) {
    if (!(e instanceof UsageLookupError)) throw e;
    out.push({ field: ROOT_FIELD, type: ViolationType.INTERNAL, detail: e.message });
  }
  return out;
}

function kindUpdateRules(oldKind: Json, newKind: Json, usage: OptionUsage, revision: ApiRevision): Violation[] {
  const beta = revision === ApiRevision.V2_0_0_BETA_0;
  const oldPt = objectAt(oldKind, 'spec', 'podTemplate');
  const newPt = objectAt(newKind, 'spec', 'podTemplate');
  const inUse = (type: OptionType, id: string): boolean => {
    try {
      return usage(type, id) > 0;
    } catch (e) {
      throw new UsageLookupError(
        `failed to get usage count for ${type} with id ${goQuote(id)}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  };

  const portsChanged = !deepEqual(oldPt?.ports, newPt?.ports);
  const head: Violation[] = [];
  if (!semanticEqual(oldPt?.podMetadata, newPt?.podMetadata)) head.push(...podMetadataRule(newKind));
  if (!deepEqual(oldPt?.extraEnv, newPt?.extraEnv)) head.push(...extraEnvRule(newKind));
  if (beta) {
    // Beta §5.4 steps 3–6, each only when its trigger changed.
    const probeChanged = !deepEqual(oldPt?.activityProbe, newPt?.activityProbe);
    if (portsChanged) head.push(...requestHeadersRule(newKind));
    if (!deepEqual(objectAt(oldKind, 'spec')?.filterRules, objectAt(newKind, 'spec')?.filterRules)) head.push(...filterRulesRule(newKind));
    if (portsChanged || probeChanged) head.push(...activityProbeRule(newKind));
    if (activityChanged(oldKind, newKind)) head.push(...activityRulesRule(newKind).violations);
  }
  for (const t of OPTION_TYPES) head.push(...defaultRule(newKind, t));

  const valueErrors: Violation[] = [];
  // Per type "cannot be changed" then "cannot be removed": image changed, image removed, pod changed, pod removed.
  const inUseErrors: Violation[] = [];
  const graphErrors: Violation[] = [];
  const kindPorts = kindPortIds(newKind);

  for (const type of OPTION_TYPES) {
    const oldById = new Map(optionEntries(oldKind, type).map((e) => [e.id, e]));
    const newEntries = optionEntries(newKind, type);
    const newIds = new Set(newEntries.map((e) => e.id));
    // The beta compares both types with Kubernetes' semantic equality, without the base's podConfig normalisation.
    const specEqual = beta ? kubeSemanticEqual : type === OptionType.IMAGE_CONFIG ? deepEqual : podConfigSpecEqual;
    const redirectEqual = beta ? kubeSemanticEqual : deepEqual;
    let graphCheck = false;
    const changed: string[] = [];
    for (const entry of newEntries) {
      const before = oldById.get(entry.id);
      const isNew = before === undefined;
      const specChanged = !isNew && !specEqual(before.spec, entry.spec);
      if (isNew || !redirectEqual(before.redirect, entry.redirect)) graphCheck = true;
      if (specChanged) changed.push(entry.id);
      // Only image specs are validated by the webhook; Kind port changes re-validate all of them.
      if (type === OptionType.IMAGE_CONFIG && (isNew || specChanged || portsChanged)) {
        valueErrors.push(...imageValueRule(entry, kindPorts));
      }
    }
    for (const id of changed) {
      if (inUse(type, id)) {
        inUseErrors.push(invalid(valuePath(type, id), id, `${type} value ${goQuote(id)} is in use and cannot be changed`));
      }
    }
    for (const id of oldById.keys()) {
      if (newIds.has(id)) continue;
      graphCheck = true;
      if (inUse(type, id)) {
        inUseErrors.push(invalid(valuePath(type, id), id, `${type} value ${goQuote(id)} is in use and cannot be removed`));
      }
    }
    if (graphCheck) graphErrors.push(...redirectGraphRule(newKind, type));
  }
  return [...head, ...valueErrors, ...inUseErrors, ...graphErrors];
}

/**
 * Delete of a WorkspaceKind (§4.7): refused with 409 while Workspaces use it or its protection finalizer is set. At
 * fd7a3d8e the reason ends the message; at v2.0.0-beta.0 the message ends after the name and the reason is the
 * Status' only cause (beta §5.5).
 */
export function validateWorkspaceKindDelete(obj: WorkspaceKindObject, revision: ApiRevision = DEFAULT_API_REVISION): Violation[] {
  const name = stringOf(objectAt(obj, 'metadata')?.name) ?? '';
  const prefix = `Operation cannot be fulfilled on WorkspaceKind.kubeflow.org ${goQuote(name)}`;
  const refusal = (field: string, value: unknown, reason: string): Violation[] => [
    revision === ApiRevision.FD7A3D8E
      ? { field, type: ViolationType.CONFLICT, value, detail: `${prefix}: ${reason}` }
      : { field, type: ViolationType.CONFLICT, value, detail: prefix, causes: [reason] },
  ];
  const count = objectAt(obj, 'status')?.workspaces;
  if (typeof count === 'number' && count > 0) {
    return refusal('status.workspaces', count, `WorkspaceKind is used by ${count} workspace(s)`);
  }
  if (listOf(objectAt(obj, 'metadata')?.finalizers).includes(FINALIZER_WORKSPACEKIND_PROTECTION)) {
    return refusal(
      'metadata.finalizers',
      FINALIZER_WORKSPACEKIND_PROTECTION,
      'WorkspaceKind has protection finalizer, indicating one or more workspaces are still using it',
    );
  }
  return [];
}

// ---------------------------------------------------------------------------------------------------------------
// Workspace webhook rules (§4.6)
// ---------------------------------------------------------------------------------------------------------------

interface WorkspaceChecks {
  readonly podMetadata: boolean;
  readonly imageConfig: boolean;
  readonly podConfig: boolean;
}

const ALL_CHECKS: WorkspaceChecks = { podMetadata: true, imageConfig: true, podConfig: true };

function workspaceRules(ws: Json, kind: WorkspaceKindObject | undefined, checks: WorkspaceChecks): Violation[] {
  const kindName = objectAt(ws, 'spec')?.kind;
  if (typeof kindName !== 'string') return []; // the schema reports it; upstream could not even look the Kind up
  if (stringOf(objectAt(kind, 'metadata')?.name) !== kindName) {
    // The Kind given is not the one referenced: as far as this Workspace is concerned, its Kind does not exist.
    return [invalid('spec.kind', kindName, `workspace kind ${goQuote(kindName)} not found`)];
  }
  const out: Violation[] = [];
  if (checks.podMetadata) out.push(...podMetadataRule(ws));
  const selected = objectAt(ws, 'spec', 'podTemplate', 'options');
  for (const type of OPTION_TYPES) {
    const id = selected?.[type];
    if (!checks[type] || typeof id !== 'string' || optionIds(kind, type).has(id)) continue;
    out.push(invalid(`${OPTIONS_PATH}.${type}`, id, `${type} with id ${goQuote(id)} not found in workspace kind ${goQuote(kindName)}${knownIds(id, kind, type)}`));
  }
  return out;
}

export interface ValidateWorkspaceOptions {
  /** The WorkspaceKind the Workspace references; enables the webhook's option checks. */
  readonly kind?: WorkspaceKindObject;
  /** Without `kind`: report `workspace kind "<kind>" not found` (true) or check only the Workspace's own format (false). */
  readonly requireKind?: boolean;
  /** The API revision whose schema applies (the Workspace webhook's rules are the same in both). */
  readonly revision?: ApiRevision;
}

/**
 * The admission webhook's rules only (§4.6) for a Workspace create, against `kind` (absent: the referenced Kind does
 * not exist). Schema checks are the API server's and are not repeated.
 */
export function admitWorkspaceCreate(obj: unknown, kind: WorkspaceKindObject | undefined): Violation[] {
  return isPlainObject(obj) ? workspaceRules(obj, kind, ALL_CHECKS) : [];
}

/** Create of a Workspace: type meta, metadata (namespace optional), schema, then the webhook's create rules (§4.6). */
export function validateWorkspace(obj: unknown, opts: ValidateWorkspaceOptions = {}): Violation[] {
  const out = objectChecks(WORKSPACE_KIND, obj, undefined, opts.revision ?? DEFAULT_API_REVISION);
  if (opts.kind !== undefined || opts.requireKind) out.push(...admitWorkspaceCreate(obj, opts.kind));
  return out;
}

/**
 * Update of a Workspace: schema of the new object, CEL immutability of `spec.kind`, then the webhook's update rules
 * (§4.6): only the changed items among podMetadata, imageConfig and podConfig are checked, against `kind` (absent ⇒
 * `workspace kind "<kind>" not found` as soon as anything relevant changed).
 */
export function validateWorkspaceUpdate(
  oldObj: unknown,
  newObj: unknown,
  kind?: WorkspaceKindObject,
  revision: ApiRevision = DEFAULT_API_REVISION,
): Violation[] {
  return [...objectChecks(WORKSPACE_KIND, newObj, oldObj, revision), ...admitWorkspaceUpdate(oldObj, newObj, kind)];
}

/** Whether a Workspace update changes anything the webhook checks (§4.6), i.e. whether it needs the Kind at all. */
export function workspaceUpdateNeedsKind(oldObj: unknown, newObj: unknown): boolean {
  return workspaceUpdateChecks(oldObj, newObj) !== undefined;
}

function workspaceUpdateChecks(oldObj: unknown, newObj: unknown): WorkspaceChecks | undefined {
  const oldSpec = objectAt(oldObj, 'spec');
  const newSpec = objectAt(newObj, 'spec');
  const oldOptions = objectAt(oldSpec, 'podTemplate', 'options');
  const newOptions = objectAt(newSpec, 'podTemplate', 'options');
  const checks: WorkspaceChecks = {
    podMetadata: !semanticEqual(objectAt(oldSpec, 'podTemplate')?.podMetadata, objectAt(newSpec, 'podTemplate')?.podMetadata),
    imageConfig: oldOptions?.imageConfig !== newOptions?.imageConfig,
    podConfig: oldOptions?.podConfig !== newOptions?.podConfig,
  };
  const relevant = oldSpec?.kind !== newSpec?.kind || checks.podMetadata || checks.imageConfig || checks.podConfig;
  return relevant ? checks : undefined;
}

/** The admission webhook's rules only (§4.6) for a Workspace update: the changed items, against `kind`. */
export function admitWorkspaceUpdate(oldObj: unknown, newObj: unknown, kind: WorkspaceKindObject | undefined): Violation[] {
  if (!isPlainObject(newObj)) return [];
  const checks = workspaceUpdateChecks(oldObj, newObj);
  return checks ? workspaceRules(newObj, kind, checks) : [];
}

// ---------------------------------------------------------------------------------------------------------------
// Option usage
// ---------------------------------------------------------------------------------------------------------------

export interface OptionUsageCounts {
  readonly imageConfig: ReadonlyMap<string, number>;
  readonly podConfig: ReadonlyMap<string, number>;
}

/**
 * Per type, per id: how many of `workspaces` (any namespace) of Kind `kindName` select the id in their spec.
 * Redirect targets do not count, as upstream. Malformed Workspaces are skipped.
 */
export function countOptionUsage(kindName: string, workspaces: readonly WorkspaceObject[]): OptionUsageCounts {
  const counts = { imageConfig: new Map<string, number>(), podConfig: new Map<string, number>() };
  for (const ws of workspaces) {
    if (objectAt(ws, 'spec')?.kind !== kindName) continue;
    const options = objectAt(ws, 'spec', 'podTemplate', 'options');
    for (const type of OPTION_TYPES) {
      const id = options?.[type];
      if (typeof id === 'string') counts[type].set(id, (counts[type].get(id) ?? 0) + 1);
    }
  }
  return counts;
}

/** Adapts counts to the `usage` callback of {@link validateWorkspaceKindUpdate}. */
export function usageLookup(counts: OptionUsageCounts): OptionUsage {
  return (type, id) => counts[type].get(id) ?? 0;
}

export { OptionType };
