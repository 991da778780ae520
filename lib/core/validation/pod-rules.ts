/**
 * Kubernetes' own validation of the Pod-template parts the controller copies out of a WorkspaceKind (env vars,
 * probes, resources, tolerations, node selectors, security contexts, volumes and mounts), with the API server's
 * message texts (k8s.io/kubernetes `pkg/apis/core/validation`, v1.36, defaults applied first as the API server does).
 *
 * These are rules of the API server for StatefulSets and Pods, not of the CRDs: the CRDs only check the types. The
 * render-time rules (render-rules.ts) apply them to a (kind, Workspace) pair. Each function takes the fragment and the
 * field path of that fragment and returns field errors; non-objects and wrong types are left to the schema check.
 */

import { isPlainObject } from '../json';
import { parseQuantity } from '../quantity';
import { isDns1123Label, isDns1123Subdomain, isQualifiedName, isValidLabelValue, validateLabels } from './metadata';
import { goQuote } from './quote';
import { Violation, ViolationType } from './violation';

type Json = Record<string, unknown>;

function invalid(field: string, value: unknown, detail: string): Violation {
  return { field, type: ViolationType.INVALID, value, detail };
}

function required(field: string, detail = ''): Violation {
  return { field, type: ViolationType.REQUIRED, detail };
}

function forbidden(field: string, detail: string): Violation {
  return { field, type: ViolationType.FORBIDDEN, detail };
}

function unsupported(field: string, value: unknown, supported: readonly string[]): Violation {
  return { field, type: ViolationType.UNSUPPORTED, value, detail: `supported values: ${supported.map(goQuote).join(', ')}` };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Set fields of `obj` among `keys` (a Go pointer field is "set" when present and not null). */
function setKeys(obj: Json, keys: readonly string[]): string[] {
  return keys.filter((k) => obj[k] !== undefined && obj[k] !== null);
}

// ---------------------------------------------------------------------------------------------------------------
// Primitives
// ---------------------------------------------------------------------------------------------------------------

const ENV_NAME_ERR = "a valid environment variable name must consist only of printable ASCII characters other than '='";

/** Env var names as validated since v1.34 (relaxed validation is on by default and locked): printable ASCII, no '='. */
export function isEnvVarName(value: string): string[] {
  return /^[\x20-\x3c\x3e-\x7e]+$/.test(value) ? [] : [ENV_NAME_ERR];
}

const PORT_NAME_MAX_LENGTH = 15;

/** An IANA service name, as a named container port must be (`IsValidPortName`). */
export function isValidPortName(port: string): string[] {
  const errs: string[] = [];
  if (port.length > PORT_NAME_MAX_LENGTH) errs.push(`must be no more than ${PORT_NAME_MAX_LENGTH} characters`);
  if (!/^[-a-z0-9]+$/.test(port)) errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  if (!/[a-z]/.test(port)) errs.push('must contain at least one letter (a-z)');
  if (port.includes('--')) errs.push("must not contain consecutive hyphens ('--')");
  if (port.length > 0 && (port.startsWith('-') || port.endsWith('-'))) errs.push("must not begin or end with a hyphen ('-')");
  return errs;
}

function portNumOrName(port: unknown, field: string): Violation[] {
  if (typeof port === 'number') {
    return port >= 1 && port <= 65535 && Number.isInteger(port) ? [] : [invalid(field, port, 'must be between 1 and 65535, inclusive')];
  }
  if (typeof port === 'string') {
    // A string is always a port name, even "8080" (which is not one: a name needs a letter).
    if (port === '') return [required(field)];
    return isValidPortName(port).map((m) => invalid(field, port, m));
  }
  return port === undefined || port === null ? [required(field)] : [];
}

/** An HTTP header field name: an RFC 7230 token. */
function isHttpHeaderName(value: string): string[] {
  return /^[-!#$%&'*+.^_`|~0-9A-Za-z]+$/.test(value)
    ? []
    : ["a valid HTTP header must consist of alphanumeric characters, '-', '_', '.', '!', '#', '$', '%', '&', ''', '*', '+', '^', '`', '|' or '~' (e.g. 'X-Header-Name',  or 'x-header-name', regex used for validation is '[-!#$%&'*+.^_`|~0-9A-Za-z]+')"];
}

const MAX_ID = 2147483647;

function idRange(v: unknown, field: string): Violation[] {
  const n = num(v);
  if (n === undefined || (n >= 0 && n <= MAX_ID)) return [];
  return [invalid(field, n, `must be between 0 and ${MAX_ID}, inclusive`)];
}

function nonNegative(v: unknown, field: string): Violation[] {
  const n = num(v);
  return n !== undefined && n < 0 ? [invalid(field, n, 'must be greater than or equal to 0')] : [];
}

/** A path relative to a volume's root that stays inside it (`validateLocalDescendingPath`). */
function localDescendingPath(path: string, field: string): Violation[] {
  const out: Violation[] = [];
  if (path.startsWith('/')) out.push(invalid(field, path, 'must be a relative path'));
  if (path.split(/[\\/]/).includes('..')) out.push(invalid(field, path, "must not contain '..'"));
  return out;
}

/** Like localDescendingPath, and the first element may not start with `..` (`validateLocalNonReservedPath`). */
function localNonReservedPath(path: string, field: string): Violation[] {
  const out = localDescendingPath(path, field);
  if (path.startsWith('..')) out.push(invalid(field, path, "must not start with '..'"));
  return out;
}

function fileMode(v: unknown, field: string): Violation[] {
  const n = num(v);
  if (n === undefined || (n >= 0 && n <= 0o777)) return [];
  return [invalid(field, n, 'must be a number between 0 and 0777 (octal), both inclusive')];
}

function subdomainName(v: unknown, field: string, isRequired: boolean): Violation[] {
  const name = str(v) ?? '';
  if (name === '') return isRequired ? [required(field)] : [];
  return isDns1123Subdomain(name).map((m) => invalid(field, name, m));
}

// ---------------------------------------------------------------------------------------------------------------
// Env
// ---------------------------------------------------------------------------------------------------------------

const ENV_FIELD_PATHS = [
  'metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP',
  'status.hostIPs', 'status.podIP', 'status.podIPs',
];
const ENV_RESOURCES = [
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage',
];

function keyRef(ref: Json, field: string, nameField: string): Violation[] {
  const out = subdomainName(ref[nameField], `${field}.${nameField}`, true);
  const key = str(ref.key) ?? '';
  if (key === '') {
    out.push(required(`${field}.key`));
  } else if (!/^[-._a-zA-Z0-9]+$/.test(key) || key.length > 253 || key === '.' || key === '..' || key.startsWith('..')) {
    out.push(invalid(`${field}.key`, key, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
  }
  return out;
}

function envValueFrom(from: Json, field: string): Violation[] {
  // The CRD's EnvVarSource has these four (no fileKeyRef).
  const sources = setKeys(from, ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef']);
  if (sources.length === 0) {
    return [invalid(field, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`')];
  }
  if (sources.length > 1) {
    return [invalid(field, '', 'may not have more than one field specified at a time')];
  }
  const [source] = sources;
  const ref = from[source];
  if (!isPlainObject(ref)) return [];
  const at = `${field}.${source}`;
  switch (source) {
    case 'fieldRef': {
      const path = str(ref.fieldPath) ?? '';
      if (path === '') return [required(`${at}.fieldPath`)];
      if (ENV_FIELD_PATHS.includes(path) || /^metadata\.(labels|annotations)\['[^']+'\]$/.test(path)) return [];
      return [unsupported(`${at}.fieldPath`, path, [...ENV_FIELD_PATHS, "metadata.annotations['<KEY>']", "metadata.labels['<KEY>']"])];
    }
    case 'resourceFieldRef': {
      const resource = str(ref.resource) ?? '';
      if (resource === '') return [required(`${at}.resource`)];
      return ENV_RESOURCES.includes(resource) || /^(limits|requests)\.hugepages-/.test(resource)
        ? []
        : [unsupported(`${at}.resource`, resource, ENV_RESOURCES)];
    }
    default:
      return keyRef(ref, at, 'name');
  }
}

/** One `EnvVar` of a container (`validateEnv`). */
export function validateEnvVar(env: unknown, field: string): Violation[] {
  if (!isPlainObject(env)) return [];
  const out: Violation[] = [];
  const name = str(env.name);
  if (name === undefined || name === '') {
    out.push(required(`${field}.name`));
  } else {
    out.push(...isEnvVarName(name).map((m) => invalid(`${field}.name`, name, m)));
  }
  if (isPlainObject(env.valueFrom)) {
    if (str(env.value)) {
      out.push(invalid(`${field}.valueFrom`, '', 'may not be specified when `value` is not empty'));
    }
    out.push(...envValueFrom(env.valueFrom, `${field}.valueFrom`));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Probes
// ---------------------------------------------------------------------------------------------------------------

export enum ProbeKind {
  READINESS = 'readinessProbe',
  LIVENESS = 'livenessProbe',
  STARTUP = 'startupProbe',
}

const PROBE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'];

function probeHandler(probe: Json, field: string): Violation[] {
  const handlers = setKeys(probe, PROBE_HANDLERS);
  if (handlers.length === 0) return [required(field, 'must specify a handler type')];
  if (handlers.length > 1) return [forbidden(`${field}.${handlers[1]}`, 'may not specify more than 1 handler type')];
  const [handler] = handlers;
  const h = probe[handler];
  if (!isPlainObject(h)) return [];
  const at = `${field}.${handler}`;
  switch (handler) {
    case 'exec':
      return list(h.command).length === 0 ? [required(`${at}.command`)] : [];
    case 'httpGet': {
      const out = portNumOrName(h.port, `${at}.port`);
      const scheme = str(h.scheme) ?? '';
      if (scheme !== '' && scheme !== 'HTTP' && scheme !== 'HTTPS') out.push(unsupported(`${at}.scheme`, scheme, ['HTTP', 'HTTPS']));
      list(h.httpHeaders).forEach((header, i) => {
        const name = isPlainObject(header) ? str(header.name) : undefined;
        if (name !== undefined) out.push(...isHttpHeaderName(name).map((m) => invalid(`${at}.httpHeaders[${i}].name`, name, m)));
      });
      return out;
    }
    case 'tcpSocket':
      return portNumOrName(h.port, `${at}.port`);
    default: {
      const port = num(h.port);
      return port !== undefined && (port < 1 || port > 65535) ? [invalid(`${at}.port`, port, 'must be between 1 and 65535, inclusive')] : [];
    }
  }
}

/** A container probe (`validateProbe` plus the liveness/startup/readiness specifics of `validateContainers`). */
export function validateProbe(probe: unknown, kind: ProbeKind, field: string): Violation[] {
  if (!isPlainObject(probe)) return [];
  const out = probeHandler(probe, field);
  for (const key of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    out.push(...nonNegative(probe[key], `${field}.${key}`));
  }
  const grace = num(probe.terminationGracePeriodSeconds);
  if (grace !== undefined) {
    if (kind === ProbeKind.READINESS) {
      out.push(invalid(`${field}.terminationGracePeriodSeconds`, grace, 'must not be set for readinessProbes'));
    } else if (grace <= 0) {
      out.push(invalid(`${field}.terminationGracePeriodSeconds`, grace, 'must be greater than 0'));
    }
  }
  const success = num(probe.successThreshold);
  if (kind !== ProbeKind.READINESS && success !== undefined && success !== 1 && success > 0) {
    out.push(invalid(`${field}.successThreshold`, success, 'must be 1'));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------------------------

const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
const HUGEPAGES_PREFIX = 'hugepages-';

function isHugePages(name: string): boolean {
  return name.startsWith(HUGEPAGES_PREFIX);
}

/** Resources without a domain, or in `kubernetes.io/`: CPU and memory may be overcommitted (requests < limits). */
function isNative(name: string): boolean {
  return !name.includes('/') || name.includes('kubernetes.io/');
}

function resourceName(name: string, field: string): Violation[] {
  const errs = isQualifiedName(name).map((m) => invalid(field, name, m));
  if (errs.length > 0) return errs;
  if (!name.includes('/')) {
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !isHugePages(name)) {
      return [invalid(field, name, 'must be a standard resource for containers')];
    }
  } else if (!isNative(name) && (name.startsWith('requests.') || isQualifiedName(`requests.${name}`).length > 0)) {
    return [invalid(field, name, "doesn't follow extended resource name standard")];
  }
  return [];
}

/** A container's `resources` (`ValidateContainerResourceRequirements`). */
export function validateResources(resources: unknown, field: string): Violation[] {
  if (!isPlainObject(resources)) return [];
  const out: Violation[] = [];
  const limits = isPlainObject(resources.limits) ? resources.limits : {};
  const requests = isPlainObject(resources.requests) ? resources.requests : {};
  let cpuOrMemory = false;
  let hugePages = false;
  const checkValue = (name: string, value: unknown, at: string): bigint | undefined => {
    const nanos = parseQuantity(value);
    if (nanos === undefined) return undefined; // the schema reports it
    if (nanos < 0n) {
      out.push(invalid(at, String(value), 'must be greater than or equal to 0'));
    } else if (!isNative(name) && nanos % 1_000_000_000n !== 0n) {
      out.push(invalid(at, String(value), 'must be an integer'));
    }
    if (name === 'cpu' || name === 'memory') cpuOrMemory = true;
    if (isHugePages(name)) hugePages = true;
    return nanos;
  };
  for (const [name, value] of Object.entries(limits)) {
    const at = `${field}.limits[${name}]`;
    out.push(...resourceName(name, at));
    checkValue(name, value, at);
  }
  for (const [name, value] of Object.entries(requests)) {
    const at = `${field}.requests[${name}]`;
    out.push(...resourceName(name, at));
    const request = checkValue(name, value, at);
    const limitValue = limits[name];
    const limit = limitValue === undefined ? undefined : parseQuantity(limitValue);
    const overcommit = isNative(name) && !isHugePages(name);
    if (limitValue === undefined) {
      if (!overcommit) out.push(required(`${field}.limits`, 'Limit must be set for non overcommitable resources'));
    } else if (request !== undefined && limit !== undefined) {
      if (request !== limit && !overcommit) {
        out.push(invalid(at, String(value), `must be equal to ${name} limit of ${String(limitValue)}`));
      } else if (request > limit) {
        out.push(invalid(at, String(value), `must be less than or equal to ${name} limit of ${String(limitValue)}`));
      }
    }
  }
  if (hugePages && !cpuOrMemory) {
    out.push(forbidden(field, 'HugePages require cpu or memory'));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Scheduling
// ---------------------------------------------------------------------------------------------------------------

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** A Pod's `tolerations` (`ValidateTolerations`). */
export function validateTolerations(tolerations: unknown, field: string): Violation[] {
  const out: Violation[] = [];
  list(tolerations).forEach((t, i) => {
    if (!isPlainObject(t)) return;
    const at = `${field}[${i}]`;
    const key = str(t.key) ?? '';
    const operator = str(t.operator) ?? '';
    const value = str(t.value) ?? '';
    const effect = str(t.effect) ?? '';
    if (key !== '') out.push(...isQualifiedName(key).map((m) => invalid(`${at}.key`, key, m)));
    if (key === '' && operator !== 'Exists') {
      out.push(invalid(`${at}.operator`, operator, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && effect !== 'NoExecute') {
      out.push(invalid(`${at}.effect`, effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (operator === '' || operator === 'Equal') {
      out.push(...isValidLabelValue(value).map((m) => invalid(`${at}.operator`, value, m)));
    } else if (operator === 'Exists') {
      if (value !== '') out.push(invalid(`${at}.operator`, t, 'value must be empty when `operator` is \'Exists\''));
    } else {
      out.push(unsupported(`${at}.operator`, operator, ['Equal', 'Exists']));
    }
    if (effect !== '' && !TAINT_EFFECTS.includes(effect)) out.push(unsupported(`${at}.effect`, effect, TAINT_EFFECTS));
  });
  return out;
}

/** One requirement of a node selector term (`validateNodeSelectorRequirement`) or of a label selector. */
function selectorRequirement(req: unknown, field: string, nodeOperators: boolean): Violation[] {
  if (!isPlainObject(req)) return [];
  const out: Violation[] = [];
  const operator = str(req.operator) ?? '';
  const values = list(req.values);
  if (operator === 'In' || operator === 'NotIn') {
    if (values.length === 0) out.push(required(`${field}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
  } else if (operator === 'Exists' || operator === 'DoesNotExist') {
    if (values.length > 0) out.push(forbidden(`${field}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
  } else if (nodeOperators && (operator === 'Gt' || operator === 'Lt')) {
    if (values.length !== 1) out.push(required(`${field}.values`, "must be specified single value when `operator` is 'Lt' or 'Gt'"));
  } else {
    out.push(invalid(`${field}.operator`, operator, 'not a valid selector operator'));
  }
  const key = str(req.key) ?? '';
  out.push(...isQualifiedName(key).map((m) => invalid(`${field}.key`, key, m)));
  if (!nodeOperators) {
    values.forEach((v, i) => {
      if (typeof v === 'string') out.push(...isValidLabelValue(v).map((m) => invalid(`${field}.values[${i}]`, v, m)));
    });
  }
  return out;
}

function nodeSelectorTerm(term: unknown, field: string): Violation[] {
  if (!isPlainObject(term)) return [];
  const out: Violation[] = [];
  list(term.matchExpressions).forEach((r, i) => out.push(...selectorRequirement(r, `${field}.matchExpressions[${i}]`, true)));
  list(term.matchFields).forEach((r, i) => {
    if (!isPlainObject(r)) return;
    const at = `${field}.matchFields[${i}]`;
    if (r.key !== 'metadata.name') out.push(invalid(`${at}.key`, r.key, 'not a valid field selector key'));
    if ((r.operator === 'In' || r.operator === 'NotIn') && list(r.values).length !== 1) {
      out.push(required(`${at}.values`, 'must be only one value when `operator` is \'In\' or \'NotIn\' for node field selector'));
    } else if (r.operator !== 'In' && r.operator !== 'NotIn') {
      out.push(invalid(`${at}.operator`, r.operator, 'not a valid selector operator'));
    }
  });
  return out;
}

function weight(w: unknown, field: string): Violation[] {
  const n = num(w);
  return n !== undefined && (n < 1 || n > 100) ? [invalid(field, n, 'must be in the range 1-100')] : [];
}

function labelSelector(selector: unknown, field: string): Violation[] {
  if (!isPlainObject(selector)) return [];
  const out = validateLabels(selector.matchLabels, `${field}.matchLabels`);
  list(selector.matchExpressions).forEach((r, i) => out.push(...selectorRequirement(r, `${field}.matchExpressions[${i}]`, false)));
  return out;
}

function podAffinityTerm(term: unknown, field: string): Violation[] {
  if (!isPlainObject(term)) return [];
  const out = [...labelSelector(term.labelSelector, `${field}.labelSelector`), ...labelSelector(term.namespaceSelector, `${field}.namespaceSelector`)];
  list(term.namespaces).forEach((ns, i) => {
    if (typeof ns === 'string') out.push(...isDns1123Label(ns).map((m) => invalid(`${field}.namespaces[${i}]`, ns, m)));
  });
  const topologyKey = str(term.topologyKey) ?? '';
  if (topologyKey === '') out.push(required(`${field}.topologyKey`, 'can not be empty'));
  else out.push(...isQualifiedName(topologyKey).map((m) => invalid(`${field}.topologyKey`, topologyKey, m)));
  return out;
}

function podAffinity(a: unknown, field: string): Violation[] {
  if (!isPlainObject(a)) return [];
  const out: Violation[] = [];
  list(a.requiredDuringSchedulingIgnoredDuringExecution).forEach((t, i) =>
    out.push(...podAffinityTerm(t, `${field}.requiredDuringSchedulingIgnoredDuringExecution[${i}]`)),
  );
  list(a.preferredDuringSchedulingIgnoredDuringExecution).forEach((t, i) => {
    if (!isPlainObject(t)) return;
    const at = `${field}.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
    out.push(...weight(t.weight, `${at}.weight`), ...podAffinityTerm(t.podAffinityTerm, `${at}.podAffinityTerm`));
  });
  return out;
}

/**
 * A Pod's `affinity`: node selector terms and requirements, preference weights, pod (anti-)affinity terms with their
 * label selectors and topology keys (`validateAffinity`, without `matchLabelKeys`/`mismatchLabelKeys`).
 */
export function validateAffinity(affinity: unknown, field: string): Violation[] {
  if (!isPlainObject(affinity)) return [];
  const out: Violation[] = [];
  const node = affinity.nodeAffinity;
  if (isPlainObject(node)) {
    const at = `${field}.nodeAffinity`;
    const requiredTerms = node.requiredDuringSchedulingIgnoredDuringExecution;
    if (isPlainObject(requiredTerms)) {
      const terms = list(requiredTerms.nodeSelectorTerms);
      const termsAt = `${at}.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`;
      if (terms.length === 0) out.push(required(termsAt, 'must have at least one node selector term'));
      terms.forEach((t, i) => out.push(...nodeSelectorTerm(t, `${termsAt}[${i}]`)));
    }
    list(node.preferredDuringSchedulingIgnoredDuringExecution).forEach((t, i) => {
      if (!isPlainObject(t)) return;
      const pAt = `${at}.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
      out.push(...weight(t.weight, `${pAt}.weight`), ...nodeSelectorTerm(t.preference, `${pAt}.preference`));
    });
  }
  out.push(...podAffinity(affinity.podAffinity, `${field}.podAffinity`), ...podAffinity(affinity.podAntiAffinity, `${field}.podAntiAffinity`));
  return out;
}

/** A Pod's `nodeSelector`: label keys and values. */
export function validateNodeSelector(nodeSelector: unknown, field: string): Violation[] {
  return validateLabels(nodeSelector, field);
}

// ---------------------------------------------------------------------------------------------------------------
// Security contexts
// ---------------------------------------------------------------------------------------------------------------

const SECCOMP_TYPES = ['Localhost', 'RuntimeDefault', 'Unconfined'];

function profile(p: unknown, field: string, what: string): Violation[] {
  if (!isPlainObject(p)) return [];
  const type = str(p.type) ?? '';
  const localhost = str(p.localhostProfile);
  if (!SECCOMP_TYPES.includes(type)) return [unsupported(`${field}.type`, type, SECCOMP_TYPES)];
  if (type === 'Localhost' && !localhost) return [required(`${field}.localhostProfile`, `must be set when ${what} type is Localhost`)];
  if (type !== 'Localhost' && localhost !== undefined) {
    return [invalid(`${field}.localhostProfile`, localhost, `can only be set when ${what} type is Localhost`)];
  }
  return [];
}

function commonSecurityContext(sc: Json, field: string): Violation[] {
  return [
    ...idRange(sc.runAsUser, `${field}.runAsUser`),
    ...idRange(sc.runAsGroup, `${field}.runAsGroup`),
    ...profile(sc.seccompProfile, `${field}.seccompProfile`, 'seccomp profile'),
    ...profile(sc.appArmorProfile, `${field}.appArmorProfile`, 'AppArmor profile'),
  ];
}

/** A Pod's `securityContext`. */
export function validatePodSecurityContext(sc: unknown, field: string): Violation[] {
  if (!isPlainObject(sc)) return [];
  const out = commonSecurityContext(sc, field);
  out.push(...idRange(sc.fsGroup, `${field}.fsGroup`));
  list(sc.supplementalGroups).forEach((g, i) => out.push(...idRange(g, `${field}.supplementalGroups[${i}]`)));
  const policy = str(sc.fsGroupChangePolicy);
  if (policy !== undefined && policy !== 'OnRootMismatch' && policy !== 'Always') {
    out.push(unsupported(`${field}.fsGroupChangePolicy`, policy, ['OnRootMismatch', 'Always']));
  }
  return out;
}

/** A container's `securityContext`. */
export function validateContainerSecurityContext(sc: unknown, field: string): Violation[] {
  if (!isPlainObject(sc)) return [];
  const out = commonSecurityContext(sc, field);
  if (sc.allowPrivilegeEscalation === false) {
    if (sc.privileged === true) {
      out.push(invalid(field, sc, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
    }
    // The API server compares the literal name: `SYS_ADMIN` passes (and the runtime grants it), `CAP_SYS_ADMIN` not.
    const add = isPlainObject(sc.capabilities) ? list(sc.capabilities.add) : [];
    if (add.includes('CAP_SYS_ADMIN')) {
      out.push(invalid(field, sc, 'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN'));
    }
  }
  const procMount = str(sc.procMount);
  if (procMount !== undefined && procMount !== 'Default' && procMount !== 'Unmasked') {
    out.push(unsupported(`${field}.procMount`, procMount, ['Default', 'Unmasked']));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Volumes and mounts
// ---------------------------------------------------------------------------------------------------------------

const VOLUME_SOURCES = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile',
  'configMap', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume',
  'scaleIO', 'storageos', 'csi', 'ephemeral', 'image',
];

function keyToPaths(items: unknown, field: string): Violation[] {
  const out: Violation[] = [];
  list(items).forEach((item, i) => {
    if (!isPlainObject(item)) return;
    const at = `${field}[${i}]`;
    if (!str(item.key)) out.push(required(`${at}.key`));
    const path = str(item.path) ?? '';
    if (path === '') out.push(required(`${at}.path`));
    else out.push(...localNonReservedPath(path, `${at}.path`));
    out.push(...fileMode(item.mode, `${at}.mode`));
  });
  return out;
}

const DOWNWARD_FIELD_PATHS = ['metadata.name', 'metadata.namespace', 'metadata.uid', 'metadata.labels', 'metadata.annotations'];

/**
 * Items of a downward API volume (or projection). The API server reports them at the source's path, without the
 * item index (`downwardAPI.path`), which `itemsAt` gives.
 */
function downwardItems(items: unknown, field: string, itemsAt: string): Violation[] {
  const out: Violation[] = [];
  list(items).forEach((item, i) => {
    if (!isPlainObject(item)) return;
    const at = `${field}.items[${i}]`;
    const path = str(item.path) ?? '';
    if (path === '') out.push(required(`${at}.path`));
    else out.push(...localNonReservedPath(path, `${itemsAt}.path`));
    out.push(...fileMode(item.mode, `${at}.mode`));
    if (isPlainObject(item.fieldRef)) {
      const fieldPath = str(item.fieldRef.fieldPath) ?? '';
      if (!DOWNWARD_FIELD_PATHS.includes(fieldPath) && !/^metadata\.(labels|annotations)\['[^']+'\]$/.test(fieldPath)) {
        out.push(invalid(`${itemsAt}.fieldRef.fieldPath`, fieldPath, `error converting fieldPath: field label not supported: ${fieldPath}`));
      }
    }
  });
  return out;
}

const PROJECTIONS = ['secret', 'downwardAPI', 'configMap', 'serviceAccountToken', 'clusterTrustBundle', 'podCertificate'];
/** The shortest ServiceAccount token a projection may ask for. */
const MIN_TOKEN_SECONDS = 600;

function projections(sources: unknown, field: string): Violation[] {
  const out: Violation[] = [];
  list(sources).forEach((source, i) => {
    if (!isPlainObject(source)) return;
    const at = `${field}[${i}]`;
    const kinds = setKeys(source, PROJECTIONS);
    if (kinds.length > 1) out.push(forbidden(`${at}.${kinds[1]}`, 'may not specify more than 1 volume type per source'));
    for (const kind of kinds) {
      const p = source[kind];
      if (!isPlainObject(p)) continue;
      if (kind === 'configMap' || kind === 'secret') out.push(...keyToPaths(p.items, `${at}.${kind}.items`));
      if (kind === 'downwardAPI') out.push(...downwardItems(p.items, `${at}.${kind}`, `${at}.${kind}`));
      if (kind === 'serviceAccountToken') {
        const seconds = num(p.expirationSeconds);
        if (seconds !== undefined && seconds < MIN_TOKEN_SECONDS) {
          out.push(invalid(`${at}.${kind}.expirationSeconds`, seconds, 'may not specify a duration less than 10 minutes'));
        }
        const path = str(p.path) ?? '';
        if (path === '') out.push(required(`${at}.${kind}.path`));
        else out.push(...localNonReservedPath(path, `${at}.${kind}.path`));
      }
    }
  });
  return out;
}

function volumeSource(source: string, s: Json, field: string): Violation[] {
  switch (source) {
    case 'emptyDir': {
      // The medium is not validated by the API server (the kubelet refuses an unknown one).
      const out: Violation[] = [];
      const size = s.sizeLimit === undefined ? undefined : parseQuantity(s.sizeLimit);
      if (size !== undefined && size < 0n) out.push(invalid(`${field}.sizeLimit`, s.sizeLimit, 'must be greater than or equal to 0'));
      return out;
    }
    // Only presence is checked for the referenced names: the API server takes any string (the kubelet then fails).
    case 'configMap':
      return [...(str(s.name) ? [] : [required(`${field}.name`)]), ...fileMode(s.defaultMode, `${field}.defaultMode`), ...keyToPaths(s.items, `${field}.items`)];
    case 'secret':
      return [...(str(s.secretName) ? [] : [required(`${field}.secretName`)]), ...fileMode(s.defaultMode, `${field}.defaultMode`), ...keyToPaths(s.items, `${field}.items`)];
    case 'persistentVolumeClaim':
      return str(s.claimName) ? [] : [required(`${field}.claimName`)];
    case 'nfs': {
      const out: Violation[] = str(s.server) ? [] : [required(`${field}.server`)];
      const path = str(s.path) ?? '';
      if (path === '') out.push(required(`${field}.path`));
      if (!path.startsWith('/')) out.push(invalid(`${field}.path`, path, 'must be an absolute path'));
      return out;
    }
    case 'csi':
      return subdomainName(s.driver, `${field}.driver`, true);
    case 'ephemeral':
      return isPlainObject(s.volumeClaimTemplate) ? [] : [required(`${field}.volumeClaimTemplate`)];
    case 'downwardAPI':
      return downwardItems(s.items, field, field);
    case 'projected':
      return [...fileMode(s.defaultMode, `${field}.defaultMode`), ...projections(s.sources, `${field}.sources`)];
    case 'hostPath': {
      const out: Violation[] = str(s.path) ? [] : [required(`${field}.path`)];
      const type = str(s.type);
      const types = ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'];
      if (type !== undefined && !types.includes(type)) out.push(unsupported(`${field}.type`, type, types));
      return out;
    }
    default:
      return [];
  }
}

/**
 * A Pod volume: its name (a DNS-1123 label) and at most one source; in depth the sources Workspaces commonly use
 * (emptyDir, configMap, secret, persistentVolumeClaim, hostPath, nfs, csi, ephemeral, downwardAPI, projected).
 */
export function validateVolume(volume: unknown, field: string): Violation[] {
  if (!isPlainObject(volume)) return [];
  const out: Violation[] = [];
  const name = str(volume.name) ?? '';
  if (name === '') out.push(required(`${field}.name`));
  else out.push(...isDns1123Label(name).map((m) => invalid(`${field}.name`, name, m)));
  // No source at all is fine: the API server defaults it to an emptyDir.
  const sources = setKeys(volume, VOLUME_SOURCES);
  if (sources.length > 1) {
    out.push(forbidden(`${field}.${sources[1]}`, 'may not specify more than 1 volume type'));
  } else if (isPlainObject(volume[sources[0]])) {
    out.push(...volumeSource(sources[0], volume[sources[0]] as Json, `${field}.${sources[0]}`));
  }
  return out;
}

const PROPAGATION = ['None', 'HostToContainer', 'Bidirectional'];
const RECURSIVE_READ_ONLY = ['Disabled', 'IfPossible', 'Enabled'];

/**
 * A container volume mount, on its own (`validateVolumeMounts` without the cross-checks: the renderer already drops
 * mounts of unknown volumes and of taken mount paths). `privileged`: Bidirectional propagation needs it.
 */
export function validateVolumeMount(mount: unknown, field: string, privileged: boolean): Violation[] {
  if (!isPlainObject(mount)) return [];
  const out: Violation[] = [];
  if (!str(mount.name)) out.push(required(`${field}.name`));
  if (!str(mount.mountPath)) out.push(required(`${field}.mountPath`));
  const subPath = str(mount.subPath) ?? '';
  const subPathExpr = str(mount.subPathExpr) ?? '';
  if (subPath !== '') out.push(...localDescendingPath(subPath, `${field}.subPath`));
  if (subPathExpr !== '') {
    if (subPath !== '') out.push(invalid(`${field}.subPathExpr`, subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
    out.push(...localDescendingPath(subPathExpr, `${field}.subPathExpr`));
  }
  const propagation = str(mount.mountPropagation);
  if (propagation !== undefined) {
    if (!PROPAGATION.includes(propagation)) {
      out.push(unsupported(`${field}.mountPropagation`, propagation, PROPAGATION));
    } else if (propagation === 'Bidirectional' && !privileged) {
      out.push(forbidden(`${field}.mountPropagation`, 'Bidirectional mount propagation is available only to privileged containers'));
    }
  }
  const rro = str(mount.recursiveReadOnly);
  if (rro !== undefined) {
    if (!RECURSIVE_READ_ONLY.includes(rro)) {
      out.push(unsupported(`${field}.recursiveReadOnly`, rro, RECURSIVE_READ_ONLY));
    } else if (rro !== 'Disabled') {
      if (mount.readOnly !== true) out.push(forbidden(`${field}.recursiveReadOnly`, 'may only be specified when readOnly is true'));
      if (propagation !== undefined && propagation !== 'None') {
        out.push(forbidden(`${field}.recursiveReadOnly`, 'may only be specified when mountPropagation is None or not specified'));
      }
    }
  }
  return out;
}

/** A container image: the API server refuses an empty one and one with surrounding whitespace in Pods. */
export function validateImage(image: unknown, field: string): Violation[] {
  if (typeof image !== 'string') return [];
  if (image === '') return [required(field)];
  return image.trim() !== image ? [invalid(field, image, 'must not have leading or trailing whitespace')] : [];
}

/** A Pod's `serviceAccountName`: a DNS-1123 subdomain when set (empty means `default`). */
export function validateServiceAccountName(name: unknown, field: string): Violation[] {
  return subdomainName(name, field, false);
}
