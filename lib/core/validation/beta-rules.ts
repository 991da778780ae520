/**
 * The WorkspaceKind webhook rules that exist only at v2.0.0-beta.0 (docs/upstream-v2-beta.md §5.3–§5.8): request-header
 * templates, `filterRules`, `activityProbe`, `activityRules` (errors and admission warnings). Messages and field
 * paths are upstream's, verbatim.
 */

import { DEFAULT_PROBE_INTERVAL_SECONDS } from '../api';
import { isPlainObject, listOf, objectAt } from '../json';
import { ApiRevision } from '../revision';
import { dryRenderError } from './dry-render';
import { isQualifiedName, isValidLabelValue, validateLabels } from './metadata';
import { Violation, ViolationType } from './violation';

/** A shebang line: `#!`, optional blanks, an interpreter, optionally blanks and arguments (no trailing blank alone). */
const SHEBANG_RE = /^#![ \t]*([^ \t]+)(?:[ \t]+.+)?$/;
/** The kernel's limit on a shebang line, in bytes. */
const MAX_SHEBANG_BYTES = 255;

const ACTIVITY_PROBE_PATH = 'spec.podTemplate.activityProbe';

function invalid(field: string, value: unknown, detail: string): Violation {
  return { field, type: ViolationType.INVALID, value, detail };
}

/** The result of a rule that may warn without refusing. */
export interface RuleOutcome {
  readonly violations: Violation[];
  readonly warnings: string[];
}

/**
 * Beta §5.3 step 3: every `set`/`add` value of every Kind port's request headers must render; ports by index, headers
 * by key.
 */
export function requestHeadersRule(kind: unknown): Violation[] {
  const out: Violation[] = [];
  listOf(objectAt(kind, 'spec', 'podTemplate')?.ports).forEach((port, i) => {
    const headers = objectAt(port, 'httpProxy', 'requestHeaders');
    for (const op of ['set', 'add'] as const) {
      const map = headers?.[op];
      if (!isPlainObject(map)) continue;
      for (const [name, raw] of Object.entries(map)) {
        if (typeof raw !== 'string') continue;
        const err = dryRenderError(raw);
        if (err !== undefined) out.push(invalid(`spec.podTemplate.ports[${i}].httpProxy.requestHeaders.${op}[${name}]`, raw, err));
      }
    }
  });
  return out;
}

/**
 * apimachinery's `ValidateLabelSelector` (values validated as label values): matchLabels, then per requirement the
 * operator/values pairing, the key, each value.
 */
export function validateLabelSelector(selector: unknown, field: string): Violation[] {
  if (!isPlainObject(selector)) return [];
  const out = validateLabels(selector.matchLabels, `${field}.matchLabels`);
  listOf(selector.matchExpressions).forEach((req, k) => {
    if (!isPlainObject(req)) return;
    const path = `${field}.matchExpressions[${k}]`;
    const values = listOf(req.values);
    switch (req.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) {
          out.push({ field: `${path}.values`, type: ViolationType.REQUIRED, detail: "must be specified when `operator` is 'In' or 'NotIn'" });
        }
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) {
          out.push({ field: `${path}.values`, type: ViolationType.FORBIDDEN, detail: "may not be specified when `operator` is 'Exists' or 'DoesNotExist'" });
        }
        break;
      default:
        out.push(invalid(`${path}.operator`, req.operator ?? '', 'not a valid selector operator'));
    }
    if (typeof req.key === 'string') {
      for (const msg of isQualifiedName(req.key)) out.push(invalid(`${path}.key`, req.key, msg));
    }
    values.forEach((value, v) => {
      if (typeof value !== 'string') return;
      for (const msg of isValidLabelValue(value)) out.push(invalid(`${path}.values[${v}]`, value, msg));
    });
  });
  return out;
}

const FILTER_MATCH_MEMBERS = ['matchNamespace', 'matchImageConfig', 'matchPodConfig'] as const;

/** Beta §5.6: a true effect flag, option matchers only in option scopes, valid selectors. */
export function filterRulesRule(kind: unknown): Violation[] {
  const out: Violation[] = [];
  listOf(objectAt(kind, 'spec')?.filterRules).forEach((rule, i) => {
    if (!isPlainObject(rule)) return;
    const base = `spec.filterRules[${i}]`;
    const effect = objectAt(rule, 'effect');
    const flags = [objectAt(effect, 'ui')?.hide, objectAt(effect, 'api')?.hide, objectAt(effect, 'api')?.deny];
    if (!flags.some((f) => f === true)) {
      out.push(invalid(`${base}.effect`, '', "must specify at least one effect: one of 'ui.hide', 'api.hide', or 'api.deny' must be true"));
    }
    listOf(rule.match).forEach((match, j) => {
      if (!isPlainObject(match)) return;
      const matchPath = `${base}.match[${j}]`;
      for (const member of FILTER_MATCH_MEMBERS) {
        const m = match[member];
        if (m === undefined || m === null) continue;
        if (member !== 'matchNamespace' && rule.scope === 'WORKSPACE_KIND') {
          out.push(invalid(`${matchPath}.${member}`, m, `'${member}' is only valid when 'scope' is 'POD_CONFIG' or 'IMAGE_CONFIG'`));
        }
        out.push(...validateLabelSelector(objectAt(m, 'selector'), `${matchPath}.${member}.selector`));
      }
    });
  });
  return out;
}

/** The first line of a script: up to the first CR or LF. */
function firstLine(script: string): string {
  const end = script.search(/[\r\n]/);
  return end < 0 ? script : script.slice(0, end);
}

/** Beta §5.7: a podExec script starts with a valid shebang; a jupyter probe names a Kind port. */
export function activityProbeRule(kind: unknown): Violation[] {
  const probe = objectAt(kind, 'spec', 'podTemplate', 'activityProbe');
  if (!probe) return [];
  const out: Violation[] = [];
  const script = objectAt(probe, 'podExec')?.script;
  if (typeof script === 'string') {
    const line = firstLine(script);
    const field = `${ACTIVITY_PROBE_PATH}.podExec.script`;
    if (!SHEBANG_RE.test(line)) {
      out.push(invalid(field, script, "script shebang is invalid (e.g., '#!/bin/bash')"));
    } else if (Buffer.byteLength(line, 'utf8') > MAX_SHEBANG_BYTES) {
      out.push(invalid(field, script, `shebang line exceeds the ${MAX_SHEBANG_BYTES} character limit`));
    }
  }
  const portId = objectAt(probe, 'jupyter')?.portId;
  if (typeof portId === 'string') {
    const kindPorts = listOf(objectAt(kind, 'spec', 'podTemplate')?.ports).map((p) => (isPlainObject(p) ? p.id : undefined));
    if (!kindPorts.includes(portId)) {
      out.push(invalid(`${ACTIVITY_PROBE_PATH}.jupyter.portId`, portId, 'must reference a valid port defined in spec.podTemplate.ports'));
    }
  }
  return out;
}

function isCatchAll(match: unknown): boolean {
  if (match === undefined || match === null) return true;
  if (!isPlainObject(match)) return false;
  const absent = (v: unknown): boolean => v === undefined || v === null;
  return absent(match.matchNamespace) && absent(match.matchPodConfig);
}

/** Beta §5.8: selectors, catch-all placement, the probe a pausing rule needs; a warning for a too-short idle time. */
export function activityRulesRule(kind: unknown): RuleOutcome {
  const violations: Violation[] = [];
  const warnings: string[] = [];
  const rules = listOf(objectAt(kind, 'spec')?.activityRules);
  if (rules.length === 0) return { violations, warnings };
  const probe = objectAt(kind, 'spec', 'podTemplate', 'activityProbe');
  const interval = typeof probe?.probeIntervalSeconds === 'number' ? probe.probeIntervalSeconds : DEFAULT_PROBE_INTERVAL_SECONDS;
  let catchAllSeen = false;
  let pausing = false;
  rules.forEach((rule, i) => {
    if (!isPlainObject(rule)) return;
    const base = `spec.activityRules[${i}]`;
    for (const member of ['matchNamespace', 'matchPodConfig'] as const) {
      violations.push(...validateLabelSelector(objectAt(rule, 'match', member, 'selector'), `${base}.match.${member}.selector`));
    }
    const pause = objectAt(rule, 'effect')?.pauseWorkspace;
    if (typeof pause !== 'boolean') return;
    const catchAll = isCatchAll(rule.match);
    if (catchAll && catchAllSeen) {
      violations.push(invalid(`${base}.match`, rule.match ?? {}, 'at most one catch-all (empty match) rule is allowed for pauseWorkspace effect'));
    }
    if (catchAllSeen) {
      violations.push(invalid(`${base}.match`, rule.match ?? {}, 'catch-all (empty match) rule must be the last rule configuring the pauseWorkspace effect'));
    }
    if (catchAll) catchAllSeen = true;
    if (pause) {
      pausing = true;
      const seconds = objectAt(rule, 'config')?.secondsSinceActive;
      if (typeof seconds === 'number' && seconds < 2 * interval) {
        warnings.push(
          `${base}.config.secondsSinceActive (${seconds}) is less than twice the probeIntervalSeconds (${interval}). ` +
            'This may cause Workspaces to be paused too quickly or prematurely.',
        );
      }
    }
  });
  if (pausing && !probe) {
    violations.push({
      field: ACTIVITY_PROBE_PATH,
      type: ViolationType.REQUIRED,
      detail: 'activityProbe must be configured when activityRules with pauseWorkspace effect exist',
    });
  }
  return { violations, warnings };
}

/** The fields v2.0.0-beta.0 removed, and what replaces each (beta §2.2, §3.2.4). */
export const REMOVED_AT_BETA: ReadonlyMap<string, string> = new Map([
  [
    'spec.deferUpdates',
    'the controller never applies redirects at v2.0.0-beta.0; a redirect is only reported (status.pendingRestart), ' +
      'and the Workspace moves when spec.podTemplate.options is changed',
  ],
  ['spec.podTemplate.culling', 'use spec.podTemplate.activityProbe (podExec or jupyter) and spec.activityRules'],
  [
    'spec.podTemplate.serviceAccount.name',
    'each Workspace gets its own ServiceAccount ws-<workspace name>; grant it permissions with ' +
      'spec.podTemplate.serviceAccount.clusterRoles',
  ],
]);

/** An unknown-field violation for a field `revision` removed, with its replacement named; others unchanged. */
export function withRevisionHint(v: Violation, revision: ApiRevision): Violation {
  if (v.type !== ViolationType.UNKNOWN_FIELD || revision !== ApiRevision.V2_0_0_BETA_0) return v;
  const replacement = REMOVED_AT_BETA.get(v.field);
  return replacement === undefined ? v : { ...v, detail: `${v.detail}: removed in ${revision}: ${replacement}` };
}
