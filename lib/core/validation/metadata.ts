/**
 * Kubernetes' standard name, label and annotation rules (docs/upstream-behavior.md §4.9, apimachinery `IsQualifiedName`
 * & co.), with the API server's message texts, and the `metadata` checks the API server applies to every custom
 * resource.
 */

import { isPlainObject } from '../json';
import { goQuote } from './quote';
import { Violation, ViolationType } from './violation';

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;

const DNS1123_LABEL_RE = new RegExp(`^${DNS1123_LABEL_FMT}$`);
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const QUALIFIED_NAME_RE = new RegExp(`^${QUALIFIED_NAME_FMT}$`);
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE_FMT}$`);

export const DNS1123_LABEL_MAX_LENGTH = 63;
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;
export const QUALIFIED_NAME_MAX_LENGTH = 63;
export const LABEL_VALUE_MAX_LENGTH = 63;
/** Limit on the summed byte length of all annotation keys and values. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** apimachinery's `RegexError`: message, examples (note the double space Go produces before "or"), regex. */
function regexError(msg: string, fmt: string, ...examples: string[]): string {
  const eg = examples.map((e) => `'${e}', `).join(' or ');
  return `${msg} (e.g. ${eg}regex used for validation is '${fmt}')`;
}

function maxLenError(n: number): string {
  return `must be no more than ${n} characters`;
}

const DNS1123_LABEL_ERR = regexError(
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
  DNS1123_LABEL_FMT,
  'my-name',
  '123-abc',
);
const DNS1123_SUBDOMAIN_ERR = regexError(
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
  DNS1123_SUBDOMAIN_FMT,
  'example.com',
);
const QUALIFIED_NAME_ERR = regexError(
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
  QUALIFIED_NAME_FMT,
  'MyName',
  'my.name',
  '123-abc',
);
const LABEL_VALUE_ERR = regexError(
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
  LABEL_VALUE_FMT,
  'MyValue',
  'my_value',
  '12345',
);

/** Go's `len()` of a string: its UTF-8 byte length. */
function byteLength(s: string): number {
  return /^[\x00-\x7f]*$/.test(s) ? s.length : Buffer.byteLength(s, 'utf8');
}

export function isDns1123Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1123_LABEL_MAX_LENGTH));
  if (!DNS1123_LABEL_RE.test(value)) errs.push(DNS1123_LABEL_ERR);
  return errs;
}

export function isDns1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123_SUBDOMAIN_MAX_LENGTH) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH));
  if (!DNS1123_SUBDOMAIN_RE.test(value)) errs.push(DNS1123_SUBDOMAIN_ERR);
  return errs;
}

/** Optional DNS-subdomain `prefix/` plus a name of ≤ 63 characters; the messages of `IsQualifiedName`. */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  if (parts.length > 2) {
    return [`a qualified name ${QUALIFIED_NAME_ERR} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  }
  const name = parts[parts.length - 1];
  if (parts.length === 2) {
    const prefix = parts[0];
    if (prefix.length === 0) {
      errs.push('prefix part must be non-empty');
    } else {
      errs.push(...isDns1123Subdomain(prefix).map((m) => `prefix part ${m}`));
    }
  }
  if (name.length === 0) {
    errs.push('name part must be non-empty');
  } else if (byteLength(name) > QUALIFIED_NAME_MAX_LENGTH) {
    errs.push(`name part ${maxLenError(QUALIFIED_NAME_MAX_LENGTH)}`);
  }
  if (!QUALIFIED_NAME_RE.test(name)) {
    errs.push(`name part ${QUALIFIED_NAME_ERR}`);
  }
  return errs;
}

export function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > LABEL_VALUE_MAX_LENGTH) errs.push(maxLenError(LABEL_VALUE_MAX_LENGTH));
  if (!LABEL_VALUE_RE.test(value)) errs.push(LABEL_VALUE_ERR);
  return errs;
}

function invalid(field: string, value: unknown, detail: string): Violation {
  return { field, type: ViolationType.INVALID, value, detail };
}

/**
 * Label keys and values at `field` (a `map[string]string`). Both kinds of error are reported at the map path with
 * the offending key or value as the value; a value error names its key in the detail. Non-object maps and non-string values are left to the schema check.
 */
export function validateLabels(labels: unknown, field: string): Violation[] {
  const out: Violation[] = [];
  if (!isPlainObject(labels)) return out;
  for (const [key, value] of Object.entries(labels)) {
    for (const msg of isQualifiedName(key)) out.push(invalid(field, key, msg));
    if (typeof value === 'string') {
      // The map path is what the API server reports; the key tells a person which label it is.
      for (const msg of isValidLabelValue(value)) out.push(invalid(field, value, `value of label ${goQuote(key)}: ${msg}`));
    }
  }
  return out;
}

/** Annotation keys (checked lower-cased: case does not matter) and the 256 KiB total size. */
export function validateAnnotations(annotations: unknown, field: string): Violation[] {
  const out: Violation[] = [];
  if (!isPlainObject(annotations)) return out;
  let total = 0;
  for (const [key, value] of Object.entries(annotations)) {
    for (const msg of isQualifiedName(key.toLowerCase())) out.push(invalid(field, key, msg));
    total += byteLength(key) + (typeof value === 'string' ? byteLength(value) : 0);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) {
    out.push({
      field,
      type: ViolationType.TOO_LONG,
      value: total,
      detail: `may not be more than ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes`,
    });
  }
  return out;
}

/** The webhooks' podMetadata check (§4.9): labels then annotations, at `<field>.labels` / `<field>.annotations`. */
export function validatePodMetadata(podMetadata: unknown, field: string): Violation[] {
  if (!isPlainObject(podMetadata)) return [];
  return [
    ...validateLabels(podMetadata.labels, `${field}.labels`),
    ...validateAnnotations(podMetadata.annotations, `${field}.annotations`),
  ];
}

// The fields of ObjectMeta; the API server's strict decoding reports any other key of `metadata`.
const OBJECT_META_FIELDS = new Set([
  'name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers',
  'managedFields',
]);
const STRING_FIELDS = ['name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp'];
const STRING_MAP_FIELDS = ['labels', 'annotations'];

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/**
 * A generateName prefix may end in '-' (the generated suffix follows). Like apimachinery, the last two characters
 * are replaced by one 'a' before the subdomain check.
 */
function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name;
}

export interface ObjectMetaOptions {
  /** Namespaced resources may carry a namespace (validated as a DNS-1123 label); absent is allowed (kubectl fills it). */
  readonly namespaced: boolean;
}

/**
 * What the API server checks on a custom resource's `metadata` (`ValidateObjectMetaAccessor` with
 * `NameIsDNSSubdomain`): decodable ObjectMeta (known fields, right JSON types), name or generateName present and a DNS-1123
 * subdomain, namespace a DNS-1123 label, labels and annotations valid. A namespace on a cluster-scoped object is
 * silently cleared by the API server, so it is not an error.
 */
export function validateObjectMeta(meta: unknown, opts: ObjectMetaOptions, field = 'metadata'): Violation[] {
  if (meta === undefined || meta === null) {
    return [{ field: `${field}.name`, type: ViolationType.REQUIRED, detail: 'name or generateName is required' }];
  }
  if (!isPlainObject(meta)) {
    return [invalid(field, meta, `must be of type object: ${JSON.stringify(jsonType(meta))}`)];
  }
  const out: Violation[] = [];
  for (const key of Object.keys(meta)) {
    if (!OBJECT_META_FIELDS.has(key)) {
      out.push({ field: `${field}.${key}`, type: ViolationType.UNKNOWN_FIELD, detail: `unknown field "${field}.${key}"` });
    }
  }
  let typesOk = true;
  for (const key of STRING_FIELDS) {
    const v = meta[key];
    if (v !== undefined && v !== null && typeof v !== 'string') {
      typesOk = false;
      out.push(invalid(`${field}.${key}`, v, `must be of type string: ${JSON.stringify(jsonType(v))}`));
    }
  }
  for (const key of STRING_MAP_FIELDS) {
    const m = meta[key];
    if (m === undefined || m === null) continue;
    if (!isPlainObject(m)) {
      typesOk = false;
      out.push(invalid(`${field}.${key}`, m, `must be of type object: ${JSON.stringify(jsonType(m))}`));
      continue;
    }
    for (const [k, v] of Object.entries(m)) {
      // JSON null decodes into Go's "" for a map[string]string value.
      if (v !== null && typeof v !== 'string') {
        typesOk = false;
        out.push(invalid(`${field}.${key}.${k}`, v, `must be of type string: ${JSON.stringify(jsonType(v))}`));
      }
    }
  }
  // A body that does not decode into ObjectMeta is rejected before any field validation runs.
  if (!typesOk) return out;

  const name = (meta.name as string | undefined) ?? '';
  const generateName = (meta.generateName as string | undefined) ?? '';
  if (generateName) {
    for (const msg of isDns1123Subdomain(maskTrailingDash(generateName))) {
      out.push(invalid(`${field}.generateName`, generateName, msg));
    }
  }
  if (!name) {
    if (!generateName) {
      out.push({ field: `${field}.name`, type: ViolationType.REQUIRED, detail: 'name or generateName is required' });
    }
  } else {
    for (const msg of isDns1123Subdomain(name)) out.push(invalid(`${field}.name`, name, msg));
  }
  const namespace = meta.namespace as string | undefined;
  if (opts.namespaced && namespace) {
    for (const msg of isDns1123Label(namespace)) out.push(invalid(`${field}.namespace`, namespace, msg));
  }
  out.push(...validateLabels(meta.labels, `${field}.labels`));
  out.push(...validateAnnotations(meta.annotations, `${field}.annotations`));
  return out;
}
