/**
 * Render-time rules: what the controller puts into a Workspace's StatefulSet, its Pod template and its Service,
 * checked against the API server's own rules for those objects (upstream has none of these: there, such a Workspace
 * is accepted and then stays in state Error, or its Pod is never created).
 *
 * Each rule is reported at the field of the Workspace or WorkspaceKind where the value is written, with a detail
 * that names the object the controller would create, the field it would hold and why the API server refuses it.
 *
 * - {@link validateWorkspaceKindRendering}: the parts a kind contributes to every Workspace (service account, env,
 *   probes, security contexts, extra volumes and mounts, `httpPathPrefix` arguments) and every option's parts (image,
 *   resources, tolerations, node selector).
 * - {@link validateWorkspaceRendering}: the parts a Workspace contributes (its name, which becomes label values and
 *   the owned objects' `generateName`; its pod annotations merged with the kind's), and, unless told that its kind is
 *   checked separately, the kind's shared parts and the two options the Workspace selects.
 */

import { LABEL_STATEFULSET, LABEL_WORKSPACE_NAME, WorkspaceKindObject, WorkspaceObject } from '../api';
import { isPlainObject, listOf, objectAt, stringOf } from '../json';
import { serviceNamePrefix, statefulSetNamePrefix, workspacePodName } from '../naming';
import { OptionType } from '../options';
import { DATA_VOLUME_NAME_PREFIX, HOME_VOLUME_NAME, renderStatefulSet } from '../render';
import { parseTemplate, TemplateError } from '../template';
import {
  DNS1123_LABEL_MAX_LENGTH,
  isDns1123Label,
  isDns1123Subdomain,
  isValidLabelValue,
  TOTAL_ANNOTATION_SIZE_LIMIT,
} from './metadata';
import {
  ProbeKind,
  validateAffinity,
  validateContainerSecurityContext,
  validateEnvVar,
  validateImage,
  validateNodeSelector,
  validatePodSecurityContext,
  validateProbe,
  validateResources,
  validateServiceAccountName,
  validateTolerations,
  validateVolume,
  validateVolumeMount,
} from './pod-rules';
import { goQuote } from './quote';
import { Violation, ViolationType } from './violation';

type Json = Record<string, unknown>;

const POD_SPEC = 'spec.template.spec';
const CONTAINER = `${POD_SPEC}.containers[0]`;
const PT = 'spec.podTemplate';
/** Stands for the 5 random characters the API server appends to a `generateName`. */
const RANDOM_SUFFIX = 'xxxxx';

const TYPE_WORDS: Partial<Record<ViolationType, string>> = {
  [ViolationType.REQUIRED]: 'is required',
  [ViolationType.FORBIDDEN]: 'is forbidden',
  [ViolationType.UNSUPPORTED]: 'is not supported',
};

/**
 * Re-addresses violations found on a rendered fragment (at `renderedBase`) to the field where the value is written
 * (`sourceBase`), with a detail naming the object the controller would create (`object`).
 */
function relocate(violations: readonly Violation[], renderedBase: string, sourceBase: string, object: string): Violation[] {
  return violations.map((v) => {
    const rest = v.field.startsWith(renderedBase) ? v.field.slice(renderedBase.length) : '';
    const words = TYPE_WORDS[v.type] ?? 'is invalid';
    const why = v.detail ? `: ${v.detail}` : '';
    return {
      field: sourceBase + rest,
      type: v.type,
      value: v.value,
      detail: `the controller would create ${object} whose ${v.field} ${words}${why}`,
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Kind parts
// ---------------------------------------------------------------------------------------------------------------

function kindPortIds(kind: unknown): string[] {
  return listOf(objectAt(kind, 'spec', 'podTemplate')?.ports)
    .map((p) => (isPlainObject(p) ? stringOf(p.id) : undefined))
    .filter((id): id is string => id !== undefined);
}

/** `{{ httpPathPrefix "<id>" }}` with an id that no image of the kind can serve renders `""` (not upstream). */
function httpPathPrefixArgs(kind: unknown, envs: unknown[]): Violation[] {
  const ports = kindPortIds(kind);
  const out: Violation[] = [];
  envs.forEach((env, i) => {
    if (!isPlainObject(env) || typeof env.value !== 'string' || env.value === '') return;
    let nodes;
    try {
      nodes = parseTemplate(env.value).nodes;
    } catch (e) {
      if (e instanceof TemplateError) return; // the webhook rule reports it
      throw e;
    }
    for (const node of nodes) {
      if (node.kind !== 'httpPathPrefix' || node.args.length !== 1 || ports.includes(node.args[0])) continue;
      const expected = ports.length > 0 ? `expected one of ${ports.map(goQuote).join(', ')}` : 'the kind has no ports';
      out.push({
        field: `${PT}.extraEnv[${stringOf(env.name) ?? i}].value`,
        type: ViolationType.INVALID,
        value: env.value,
        detail: `httpPathPrefix ${goQuote(node.args[0])} is not a port id of this WorkspaceKind, so the controller would render it as ""; ${expected}`,
      });
    }
  });
  return out;
}

/**
 * Which of the kind's extra volumes and mounts end up in the Pod: the renderer drops those whose name or mount path
 * is taken and mounts of volumes that do not exist (docs/upstream-behavior.md §1.5). JSON texts of the entries that are
 * rendered.
 */
interface RenderedExtras {
  readonly volumes: ReadonlySet<string>;
  readonly mounts: ReadonlySet<string>;
}

/** For a kind on its own: what some Workspace may get (mounts of volumes that can exist, not hidden by the home mount). */
function possibleExtras(pt: Json): RenderedExtras {
  const names = new Set(listOf(pt.extraVolumes).map((v) => (isPlainObject(v) ? stringOf(v.name) : undefined)));
  const home = stringOf(objectAt(pt, 'volumeMounts')?.home);
  const mounts = listOf(pt.extraVolumeMounts).filter((m) => {
    if (!isPlainObject(m)) return false;
    const name = stringOf(m.name) ?? '';
    if (name === HOME_VOLUME_NAME) return m.mountPath !== home; // with a home volume, its mount takes that path
    return names.has(name) || new RegExp(`^${DATA_VOLUME_NAME_PREFIX}[0-9]+$`).test(name);
  });
  return { volumes: new Set(listOf(pt.extraVolumes).map((v) => JSON.stringify(v))), mounts: new Set(mounts.map((m) => JSON.stringify(m))) };
}

/** For a pair: exactly what the renderer puts into the Pod; undefined if it cannot render (the webhook rules say why). */
function renderedExtras(ws: unknown, kind: WorkspaceKindObject): RenderedExtras | undefined {
  const meta = objectAt(ws, 'metadata');
  try {
    // The namespace only shows in env values; a Workspace of a construct may not have one yet.
    const sts = renderStatefulSet({ ...(ws as WorkspaceObject), metadata: { ...meta, namespace: stringOf(meta?.namespace) || 'default' } }, kind);
    const container = sts.spec.template.spec.containers[0];
    return {
      volumes: new Set(listOf(sts.spec.template.spec.volumes).map((v) => JSON.stringify(v))),
      mounts: new Set(listOf(container.volumeMounts).map((m) => JSON.stringify(m))),
    };
  } catch {
    // Any failure, even on input of the wrong shape: this module never throws, and the other rules report the cause.
    return undefined;
  }
}

/** The parts of a kind every Workspace of it gets (of the extra volumes and mounts: those in `extras`). */
function kindSharedRules(kind: unknown, rendered?: RenderedExtras): Violation[] {
  const pt = objectAt(kind, 'spec', 'podTemplate');
  if (!pt) return [];
  const extras = rendered ?? possibleExtras(pt);
  const name = stringOf(objectAt(kind, 'metadata')?.name) ?? '';
  const object = `a StatefulSet for each Workspace of WorkspaceKind ${goQuote(name)}`;
  const out: Violation[] = [];
  const at = (violations: Violation[], rendered: string, source: string) => out.push(...relocate(violations, rendered, source, object));

  at(validateServiceAccountName(objectAt(pt, 'serviceAccount')?.name, `${POD_SPEC}.serviceAccountName`), `${POD_SPEC}.serviceAccountName`, `${PT}.serviceAccount.name`);
  const envs = listOf(pt.extraEnv);
  envs.forEach((env, i) => {
    const key = isPlainObject(env) ? stringOf(env.name) ?? String(i) : String(i);
    at(validateEnvVar(env, `${CONTAINER}.env[${i}]`), `${CONTAINER}.env[${i}]`, `${PT}.extraEnv[${key}]`);
  });
  out.push(...httpPathPrefixArgs(kind, envs));
  const probes = objectAt(pt, 'probes');
  for (const probe of [ProbeKind.READINESS, ProbeKind.LIVENESS, ProbeKind.STARTUP]) {
    at(validateProbe(probes?.[probe], probe, `${CONTAINER}.${probe}`), `${CONTAINER}.${probe}`, `${PT}.probes.${probe}`);
  }
  at(validatePodSecurityContext(pt.securityContext, `${POD_SPEC}.securityContext`), `${POD_SPEC}.securityContext`, `${PT}.securityContext`);
  at(
    validateContainerSecurityContext(pt.containerSecurityContext, `${CONTAINER}.securityContext`),
    `${CONTAINER}.securityContext`,
    `${PT}.containerSecurityContext`,
  );
  for (const volume of listOf(pt.extraVolumes)) {
    if (!extras.volumes.has(JSON.stringify(volume))) continue;
    const key = isPlainObject(volume) ? stringOf(volume.name) ?? '' : '';
    at(validateVolume(volume, `${POD_SPEC}.volumes[${key}]`), `${POD_SPEC}.volumes[${key}]`, `${PT}.extraVolumes[${key}]`);
  }
  const privileged = objectAt(pt, 'containerSecurityContext')?.privileged === true;
  for (const mount of listOf(pt.extraVolumeMounts)) {
    if (!extras.mounts.has(JSON.stringify(mount))) continue;
    const key = isPlainObject(mount) ? stringOf(mount.mountPath) ?? '' : '';
    at(
      validateVolumeMount(mount, `${CONTAINER}.volumeMounts[${key}]`, privileged),
      `${CONTAINER}.volumeMounts[${key}]`,
      `${PT}.extraVolumeMounts[${key}]`,
    );
  }
  return out;
}

function optionValues(kind: unknown, type: OptionType): { id: string; spec: Json | undefined }[] {
  return listOf(objectAt(kind, 'spec', 'podTemplate', 'options', type)?.values)
    .filter((v): v is Json => isPlainObject(v) && typeof v.id === 'string')
    .map((v) => ({ id: v.id as string, spec: objectAt(v, 'spec') }));
}

/** The parts of an option a Workspace that selects it gets; `ids` limits the options checked. */
function optionRules(kind: unknown, type: OptionType, ids?: ReadonlySet<string>): Violation[] {
  const out: Violation[] = [];
  for (const { id, spec } of optionValues(kind, type)) {
    if (!spec || (ids && !ids.has(id))) continue;
    const base = `${PT}.options.${type}.values[${id}].spec`;
    const object = `a StatefulSet for each Workspace that selects ${type} ${goQuote(id)}`;
    const at = (violations: Violation[], rendered: string, source: string) => out.push(...relocate(violations, rendered, source, object));
    if (type === OptionType.IMAGE_CONFIG) {
      at(validateImage(spec.image, `${CONTAINER}.image`), `${CONTAINER}.image`, `${base}.image`);
    } else {
      at(validateResources(spec.resources, `${CONTAINER}.resources`), `${CONTAINER}.resources`, `${base}.resources`);
      at(validateTolerations(spec.tolerations, `${POD_SPEC}.tolerations`), `${POD_SPEC}.tolerations`, `${base}.tolerations`);
      at(validateNodeSelector(spec.nodeSelector, `${POD_SPEC}.nodeSelector`), `${POD_SPEC}.nodeSelector`, `${base}.nodeSelector`);
      at(validateAffinity(spec.affinity, `${POD_SPEC}.affinity`), `${POD_SPEC}.affinity`, `${base}.affinity`);
    }
  }
  return out;
}

/**
 * What every Workspace of `kind` would get from it, checked against the API server's rules for StatefulSets and
 * Pods: all options, not only those in use. Never throws; malformed parts are left to the schema check.
 */
export function validateWorkspaceKindRendering(kind: unknown): Violation[] {
  return [...kindSharedRules(kind), ...optionRules(kind, OptionType.IMAGE_CONFIG), ...optionRules(kind, OptionType.POD_CONFIG)];
}

// ---------------------------------------------------------------------------------------------------------------
// Workspace parts
// ---------------------------------------------------------------------------------------------------------------

function isDns1035Label(value: string): boolean {
  return value.length <= DNS1123_LABEL_MAX_LENGTH && /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(value);
}

/**
 * The Workspace name ends up in label values, in both `generateName`s and in the Pod's host name: it must be a
 * DNS-1123 label (upstream accepts any DNS-1123 subdomain of up to 253 characters, and then cannot create the objects).
 */
function nameRule(name: string): Violation[] {
  if (isDns1123Subdomain(name).length > 0) return []; // reported by the metadata check, with suggestWorkspaceName()
  const reasons = nameReasons(name);
  if (reasons.length === 0) return [];
  return [
    {
      field: 'metadata.name',
      type: ViolationType.INVALID,
      value: name,
      detail: `the controller would create ${reasons.join(', and ')}; expected a lowercase RFC 1123 label (a-z, 0-9 and '-', at most ${DNS1123_LABEL_MAX_LENGTH} characters), e.g. ${goQuote(suggestWorkspaceName(name))}`,
    },
  ];
}

/** Why the objects the controller names after the Workspace could not be created; empty when they can. */
function nameReasons(name: string): string[] {
  const statefulSet = statefulSetNamePrefix(name);
  const service = serviceNamePrefix(name);
  const reasons: string[] = [];
  for (const msg of isValidLabelValue(name)) {
    reasons.push(`StatefulSet ${goQuote(`${statefulSet}<random>`)} whose label ${goQuote(LABEL_WORKSPACE_NAME)} (and Pod template label ${goQuote(LABEL_STATEFULSET)}) holds this name: a label value ${msg}`);
  }
  if (!isDns1035Label(`${service}${RANDOM_SUFFIX}`)) {
    reasons.push(`Service ${goQuote(`${service}<random>`)} whose name must be a DNS-1035 label (no '.')`);
  }
  if (isDns1123Label(workspacePodName(`${statefulSet}${RANDOM_SUFFIX}`)).length > 0) {
    reasons.push(`Pod ${goQuote(`${statefulSet}<random>-0`)} whose host name (its name) must be a DNS-1123 label (no '.')`);
  }
  return reasons;
}

/** A name close to the given one that passes the metadata check and this rule: lowercase, '-' for anything else. */
export function suggestWorkspaceName(name: string): string {
  let candidate = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-{2,}/g, '-').slice(0, DNS1123_LABEL_MAX_LENGTH);
  for (;;) {
    candidate = candidate.replace(/^-+|-+$/g, '');
    if (candidate === '') return 'my-workspace';
    if (isDns1123Subdomain(candidate).length === 0 && nameReasons(candidate).length === 0) return candidate;
    candidate = candidate.slice(0, -1);
  }
}

function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Kind and Workspace pod annotations are merged: each may be within the size limit while the merge is not. */
function mergedAnnotationsRule(ws: unknown, kind: unknown): Violation[] {
  const merged = {
    ...objectAt(kind, 'spec', 'podTemplate', 'podMetadata', 'annotations'),
    ...objectAt(ws, 'spec', 'podTemplate', 'podMetadata', 'annotations'),
  };
  let total = 0;
  for (const [key, value] of Object.entries(merged)) total += byteLength(key) + (typeof value === 'string' ? byteLength(value) : 0);
  if (total <= TOTAL_ANNOTATION_SIZE_LIMIT) return [];
  return [
    {
      field: `${PT}.podMetadata.annotations`,
      type: ViolationType.TOO_LONG,
      value: total,
      detail: `the controller would create a StatefulSet whose spec.template.metadata.annotations (this Workspace's merged over its kind's) may not be more than ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes`,
    },
  ];
}

export interface WorkspaceRenderingOptions {
  /**
   * Also check the kind's shared parts and the two options the Workspace selects (as {@link
   * validateWorkspaceKindRendering} does for the whole kind). Turn off where the kind is checked on its own, so that
   * its problems are reported once, at the kind.
   * @default true
   */
  readonly includeKind?: boolean;
}

/**
 * What the controller would create for Workspace `ws` of `kind`, checked against the API server's rules for
 * StatefulSets, Pods and Services. Without `kind` only the Workspace's own parts (its name) are checked. Never throws.
 */
export function validateWorkspaceRendering(
  ws: unknown,
  kind: WorkspaceKindObject | undefined,
  opts: WorkspaceRenderingOptions = {},
): Violation[] {
  const out: Violation[] = [];
  const name = stringOf(objectAt(ws, 'metadata')?.name);
  if (name) out.push(...nameRule(name));
  const kindName = stringOf(objectAt(ws, 'spec')?.kind);
  if (!kind || kindName === undefined || stringOf(objectAt(kind, 'metadata')?.name) !== kindName) return out;
  out.push(...mergedAnnotationsRule(ws, kind));
  if (opts.includeKind ?? true) {
    const options = objectAt(ws, 'spec', 'podTemplate', 'options');
    const selected = (type: OptionType) => new Set([stringOf(options?.[type]) ?? '']);
    out.push(
      ...kindSharedRules(kind, renderedExtras(ws, kind) ?? { volumes: new Set(), mounts: new Set() }),
      ...optionRules(kind, OptionType.IMAGE_CONFIG, selected(OptionType.IMAGE_CONFIG)),
      ...optionRules(kind, OptionType.POD_CONFIG, selected(OptionType.POD_CONFIG)),
    );
  }
  return out;
}
