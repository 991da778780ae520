/**
 * A validator for JSON values against a CRD's structural `openAPIV3Schema`, doing what the API server does on create
 * and update of a custom resource:
 *
 *  1. defaulting (`default`), after dropping `null` values of non-nullable fields;
 *  2. strict decoding: fields not in the schema are reported as `Unknown field` (kubectl's default `--validate=strict`);
 *  3. OpenAPI value validation (`type`, `format` int32/int64, `required`, `enum`, `pattern`, lengths in characters,
 *     `minimum`/`maximum`, item and property counts, `x-kubernetes-int-or-string`, `nullable`);
 *  4. list invariants (`x-kubernetes-list-type: set|map`);
 *  5. `x-kubernetes-validations` (CEL), unless step 3 found errors the API server treats as blocking (a wrong type,
 *     an enum, required, maxLength, maxItems or maxProperties violation: apiextensions' `hasBlockingErr`).
 *
 * CEL is not interpreted: every rule string must have a TypeScript implementation in {@link CEL_RULES}, and
 * compiling a schema that contains any other rule (or any schema keyword we do not implement) throws, so that a CRD
 * upgrade cannot silently weaken validation. The schema is compiled once into a tree of nodes (regexes compiled,
 * defaults and list keys resolved); validating does no parsing.
 */

import { crdSchemas } from '../crds';
import { ApiRevision, DEFAULT_API_REVISION } from '../revision';
import { cloneJson, emptyRecord, isPlainObject } from '../json';
import { deepEqual } from './equality';
import { goQuote } from './quote';
import { Violation, ViolationType } from './violation';

/** Thrown when a schema (or CRD file) cannot be compiled; never thrown while validating values. */
export class SchemaCompileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaCompileError';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// CEL rule registry
// ---------------------------------------------------------------------------------------------------------------

export interface CelRuleImpl {
  /** Transition rules reference `oldSelf`; they run only on update, when an old value correlates. */
  readonly transition: boolean;
  readonly check: (self: unknown, oldSelf: unknown) => boolean;
}

/** CEL's `has(self.<field>)` on an object. */
function has(self: unknown, field: string): boolean {
  return isPlainObject(self) && self[field] !== undefined && self[field] !== null;
}

function exactlyOne(self: unknown, a: string, b: string): boolean {
  return !(has(self, a) && has(self, b)) && (has(self, a) || has(self, b));
}

/** TypeScript implementations of the exact CEL rule strings that appear in the CRDs (`crds/`). */
export const CEL_RULES: ReadonlyMap<string, CelRuleImpl> = new Map<string, CelRuleImpl>([
  ['self == oldSelf', { transition: true, check: (self, oldSelf) => deepEqual(self, oldSelf) }],
  [
    'has(self.lastActivity) && self.lastActivity',
    { transition: false, check: (self) => has(self, 'lastActivity') && (self as Record<string, unknown>).lastActivity === true },
  ],
  [
    '!(has(self.exec) && has(self.jupyter)) && (has(self.exec) || has(self.jupyter))',
    { transition: false, check: (self) => exactlyOne(self, 'exec', 'jupyter') },
  ],
  [
    '!(has(self.url) && has(self.configMap)) && (has(self.url) || has(self.configMap))',
    { transition: false, check: (self) => exactlyOne(self, 'url', 'configMap') },
  ],
  // v2.0.0-beta.0
  [
    '!(has(self.podExec) && has(self.jupyter)) && (has(self.podExec) || has(self.jupyter))',
    { transition: false, check: (self) => exactlyOne(self, 'podExec', 'jupyter') },
  ],
  [
    'self.minProbeIntervalSeconds <= self.probeIntervalSeconds',
    {
      transition: false,
      check: (self) => {
        const o = self as Record<string, unknown>;
        return typeof o.minProbeIntervalSeconds !== 'number' || typeof o.probeIntervalSeconds !== 'number' || o.minProbeIntervalSeconds <= o.probeIntervalSeconds;
      },
    },
  ],
  ['has(self.pauseWorkspace)', { transition: false, check: (self) => has(self, 'pauseWorkspace') }],
  ['has(self.ui) || has(self.api)', { transition: false, check: (self) => has(self, 'ui') || has(self, 'api') }],
  [
    '!has(self.denyMessage) || (has(self.deny) && self.deny)',
    { transition: false, check: (self) => !has(self, 'denyMessage') || (self as Record<string, unknown>).deny === true },
  ],
  [
    '(has(self.matchNamespace) ? 1 : 0) + (has(self.matchImageConfig) ? 1 : 0) + (has(self.matchPodConfig) ? 1 : 0) == 1',
    { transition: false, check: (self) => ['matchNamespace', 'matchImageConfig', 'matchPodConfig'].filter((f) => has(self, f)).length === 1 },
  ],
]);

// ---------------------------------------------------------------------------------------------------------------
// Compiled schema nodes
// ---------------------------------------------------------------------------------------------------------------

type JsonType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';

interface CompiledRule {
  readonly rule: string;
  readonly message: string;
  readonly impl: CelRuleImpl;
}

interface SchemaNode {
  readonly type?: JsonType;
  readonly intOrString: boolean;
  readonly nullable: boolean;
  readonly preserveUnknown: boolean;
  readonly properties?: ReadonlyMap<string, SchemaNode>;
  readonly required: readonly string[];
  readonly additionalProperties?: SchemaNode;
  readonly items?: SchemaNode;
  readonly enumValues?: readonly unknown[];
  readonly pattern?: { readonly re: RegExp; readonly source: string };
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minProperties?: number;
  readonly maxProperties?: number;
  readonly intFormat?: { readonly name: string; readonly min: number; readonly max: number };
  readonly listType?: 'atomic' | 'set' | 'map';
  readonly listMapKeys?: readonly string[];
  readonly hasDefault: boolean;
  readonly defaultValue?: unknown;
  readonly rules: readonly CompiledRule[];
}

/** The pattern Kubernetes' OpenAPI schema gives resource quantities (`resource.Quantity`). */
const QUANTITY_PATTERN = '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';
export const QUANTITY_DETAIL = 'must be a Kubernetes quantity such as "500m", "2Gi": a number with an optional suffix (n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei or an exponent like e3)';

const IGNORED_KEYWORDS = new Set(['description', 'example', 'title', 'externalDocs', 'x-kubernetes-map-type']);
const HANDLED_KEYWORDS = new Set([
  'type', 'format', 'nullable', 'default', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'pattern',
  'minLength', 'maxLength', 'minimum', 'maximum', 'minItems', 'maxItems', 'minProperties', 'maxProperties', 'anyOf',
  'x-kubernetes-int-or-string', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys', 'x-kubernetes-validations',
]);
const JSON_TYPES = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);
const INT_FORMATS: Record<string, { min: number; max: number }> = {
  int32: { min: -(2 ** 31), max: 2 ** 31 - 1 },
  int64: { min: -(2 ** 63), max: 2 ** 63 - 1 },
};
// Formats that impose nothing beyond `type: number`.
const NUMBER_FORMATS = new Set(['float', 'double']);

/**
 * Translates a Go RE2 pattern to a JavaScript regex with the same meaning. Only `.` differs for the constructs
 * RE2 and JS share (Go's `.` excludes only `\n`, JS's also `\r`, U+2028/9); POSIX classes would be silently
 * misread by JS, so they are refused.
 */
function compileGoPattern(source: string, where: string): RegExp {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === '\\') {
      out += ch + (source[i + 1] ?? '');
      i += 1;
    } else if (inClass) {
      if (ch === '[' && source[i + 1] === ':') {
        throw new SchemaCompileError(`${where}: unsupported POSIX character class in pattern '${source}'`);
      }
      if (ch === ']') inClass = false;
      out += ch;
    } else if (ch === '[') {
      inClass = true;
      out += ch;
      // A ']' right after '[' or '[^' is a literal member in RE2 but ends an empty class in JS.
      if (source[i + 1] === '^') {
        out += '^';
        i += 1;
      }
      if (source[i + 1] === ']') {
        out += '\\]';
        i += 1;
      }
    } else {
      out += ch === '.' ? '[^\\n]' : ch;
    }
  }
  try {
    return new RegExp(out, 'u');
  } catch (e) {
    throw new SchemaCompileError(`${where}: pattern '${source}' is not supported: ${(e as Error).message}`);
  }
}

function optionalNumber(s: Record<string, unknown>, key: string, where: string): number | undefined {
  const v = s[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number') throw new SchemaCompileError(`${where}: ${key} must be a number`);
  return v;
}

function isIntOrStringAnyOf(anyOf: unknown): boolean {
  return (
    Array.isArray(anyOf) &&
    anyOf.length === 2 &&
    deepEqual(anyOf[0], { type: 'integer' }) &&
    deepEqual(anyOf[1], { type: 'string' })
  );
}

function compileRules(raw: unknown, where: string): CompiledRule[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new SchemaCompileError(`${where}: x-kubernetes-validations must be a list`);
  return raw.map((r, i) => {
    const at = `${where}.x-kubernetes-validations[${i}]`;
    if (!isPlainObject(r) || typeof r.rule !== 'string') throw new SchemaCompileError(`${at}: rule must be a string`);
    for (const key of Object.keys(r)) {
      if (key !== 'rule' && key !== 'message') {
        throw new SchemaCompileError(`${at}: unsupported validation rule field "${key}"`);
      }
    }
    const impl = CEL_RULES.get(r.rule);
    if (!impl) throw new SchemaCompileError(`${at}: CEL rule ${JSON.stringify(r.rule)} has no implementation`);
    if (impl.transition !== /\boldSelf\b/.test(r.rule)) {
      throw new SchemaCompileError(`${at}: CEL rule ${JSON.stringify(r.rule)} is registered with the wrong kind`);
    }
    return { rule: r.rule, message: typeof r.message === 'string' ? r.message : `failed rule: ${r.rule}`, impl };
  });
}

function compileNode(s: unknown, where: string): SchemaNode {
  if (!isPlainObject(s)) throw new SchemaCompileError(`${where}: schema must be an object`);
  for (const key of Object.keys(s)) {
    if (!HANDLED_KEYWORDS.has(key) && !IGNORED_KEYWORDS.has(key)) {
      throw new SchemaCompileError(`${where}: unsupported schema keyword "${key}"`);
    }
  }
  const type = s.type;
  if (type !== undefined && (typeof type !== 'string' || !JSON_TYPES.has(type))) {
    throw new SchemaCompileError(`${where}: unsupported type ${JSON.stringify(type)}`);
  }
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  if (s.anyOf !== undefined && !(intOrString && isIntOrStringAnyOf(s.anyOf))) {
    throw new SchemaCompileError(`${where}: anyOf is only supported as the integer/string pair of x-kubernetes-int-or-string`);
  }

  let intFormat: SchemaNode['intFormat'];
  if (s.format !== undefined) {
    const f = String(s.format);
    if (type === 'integer' && f in INT_FORMATS) {
      intFormat = { name: f, ...INT_FORMATS[f] };
    } else if (!(type === 'number' && NUMBER_FORMATS.has(f))) {
      throw new SchemaCompileError(`${where}: unsupported format "${f}" for type ${String(type)}`);
    }
  }

  let properties: Map<string, SchemaNode> | undefined;
  if (s.properties !== undefined) {
    if (!isPlainObject(s.properties)) throw new SchemaCompileError(`${where}: properties must be an object`);
    properties = new Map(Object.entries(s.properties).map(([k, v]) => [k, compileNode(v, `${where}.properties.${k}`)]));
  }

  let additionalProperties: SchemaNode | undefined;
  if (s.additionalProperties === true) {
    additionalProperties = compileNode({ 'x-kubernetes-preserve-unknown-fields': true }, `${where}.additionalProperties`);
  } else if (s.additionalProperties !== undefined && s.additionalProperties !== false) {
    additionalProperties = compileNode(s.additionalProperties, `${where}.additionalProperties`);
  }

  const required = s.required ?? [];
  if (!Array.isArray(required) || !required.every((r) => typeof r === 'string')) {
    throw new SchemaCompileError(`${where}: required must be a list of strings`);
  }

  const listType = s['x-kubernetes-list-type'];
  if (listType !== undefined && listType !== 'atomic' && listType !== 'set' && listType !== 'map') {
    throw new SchemaCompileError(`${where}: unsupported x-kubernetes-list-type ${JSON.stringify(listType)}`);
  }
  const listMapKeys = s['x-kubernetes-list-map-keys'];
  if (listType === 'map' && (!Array.isArray(listMapKeys) || listMapKeys.length === 0)) {
    throw new SchemaCompileError(`${where}: x-kubernetes-list-type map needs x-kubernetes-list-map-keys`);
  }

  if (s.enum !== undefined && !Array.isArray(s.enum)) throw new SchemaCompileError(`${where}: enum must be a list`);
  if (s.pattern !== undefined && typeof s.pattern !== 'string') throw new SchemaCompileError(`${where}: pattern must be a string`);

  return {
    type: type as JsonType | undefined,
    intOrString,
    nullable: s.nullable === true,
    preserveUnknown: s['x-kubernetes-preserve-unknown-fields'] === true,
    properties,
    required: required as string[],
    additionalProperties,
    items: s.items === undefined ? undefined : compileNode(s.items, `${where}.items`),
    enumValues: s.enum as unknown[] | undefined,
    pattern: s.pattern === undefined ? undefined : { re: compileGoPattern(s.pattern, where), source: s.pattern },
    minLength: optionalNumber(s, 'minLength', where),
    maxLength: optionalNumber(s, 'maxLength', where),
    minimum: optionalNumber(s, 'minimum', where),
    maximum: optionalNumber(s, 'maximum', where),
    minItems: optionalNumber(s, 'minItems', where),
    maxItems: optionalNumber(s, 'maxItems', where),
    minProperties: optionalNumber(s, 'minProperties', where),
    maxProperties: optionalNumber(s, 'maxProperties', where),
    intFormat,
    listType,
    listMapKeys: listType === 'map' ? (listMapKeys as string[]) : undefined,
    hasDefault: s.default !== undefined,
    defaultValue: s.default,
    rules: compileRules(s['x-kubernetes-validations'], where),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------------------------

/** Field used for errors about the object as a whole (Go prints a nil path as `<nil>`). */
export const ROOT_FIELD = '<root>';

function jsonTypeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(node: SchemaNode, v: unknown): boolean {
  if (node.intOrString) return typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v));
  switch (node.type) {
    case undefined:
      return true;
    case 'object':
      return isPlainObject(v);
    case 'array':
      return Array.isArray(v);
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    default:
      return typeof v === node.type;
  }
}

/** Unicode code points, which is what the API server counts for min/maxLength (Go `utf8.RuneCountInString`). */
function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n -= 1;
        i += 1;
      }
    }
  }
  return n;
}

/** Order-insensitive JSON key for set-membership of list items. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isPlainObject(v)) {
    const keys = Object.keys(v).filter((k) => v[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

function childPath(parent: string, key: string): string {
  return parent ? `${parent}.${key}` : key;
}

function listMapKeyOf(item: unknown, keys: readonly string[]): string | undefined {
  if (!isPlainObject(item)) return undefined;
  return canonicalJson(keys.map((k) => item[k] ?? null));
}

interface CelJob {
  readonly node: SchemaNode;
  readonly value: unknown;
  readonly old: unknown;
  readonly path: string;
}

export interface SchemaValidateOptions {
  /** The stored object for update validation: enables CEL transition rules (`oldSelf`). */
  readonly oldValue?: unknown;
  /**
   * Top-level fields checked only for unknown fields. The API server resets `status` on create/update of a resource
   * with a status subresource, so only strict decoding applies to it there.
   */
  readonly unknownFieldsOnly?: readonly string[];
  /**
   * Violations found before the schema (the API server's ObjectMeta checks): blocking ones skip the CEL rules too,
   * as apiextensions' `hasBlockingErr` looks at every error found so far.
   */
  readonly precedingViolations?: readonly Violation[];
}

/** Field error types after which the API server does not run CEL rules (besides type errors). */
const BLOCKING_TYPES: ReadonlySet<ViolationType> = new Set([
  ViolationType.UNSUPPORTED,
  ViolationType.REQUIRED,
  ViolationType.TOO_LONG,
  ViolationType.TOO_MANY,
]);

class Walker {
  readonly unknown: Violation[] = [];
  readonly schema: Violation[] = [];
  readonly lists: Violation[] = [];
  readonly celJobs: CelJob[] = [];
  blocking = false;

  constructor(private readonly unknownOnlyTop: ReadonlySet<string>) {}

  walk(node: SchemaNode, value: unknown, path: string, old: unknown, unknownOnly: boolean): void {
    if (value === null && node.nullable) return;
    if (!typeMatches(node, value)) {
      if (!unknownOnly) this.typeError(node, value, path);
      return;
    }
    if (Array.isArray(value)) {
      this.walkArray(node, value, path, old, unknownOnly);
    } else if (isPlainObject(value)) {
      this.walkObject(node, value, path, old, unknownOnly);
    } else if (!unknownOnly) {
      this.checkScalar(node, value, path);
    }
    if (!unknownOnly && node.rules.length > 0) {
      this.celJobs.push({ node, value, old, path });
    }
  }

  private typeError(node: SchemaNode, value: unknown, path: string): void {
    const expected = node.intOrString ? 'integer,string' : node.type;
    this.blocking = true;
    this.schema.push({
      field: path || ROOT_FIELD,
      type: ViolationType.INVALID,
      value,
      detail: `${path || ROOT_FIELD} in body must be of type ${expected}: ${goQuote(jsonTypeOf(value))}`,
    });
  }

  private invalid(path: string, value: unknown, detail: string): void {
    this.schema.push({ field: path, type: ViolationType.INVALID, value, detail: `${path} in body ${detail}` });
  }

  private checkScalar(node: SchemaNode, value: unknown, path: string): void {
    if (node.enumValues && !node.enumValues.some((e) => e === value)) {
      this.blocking = true;
      this.schema.push({
        field: path,
        type: ViolationType.UNSUPPORTED,
        value,
        detail: `supported values: ${node.enumValues.map((e) => (typeof e === 'string' ? goQuote(e) : JSON.stringify(e))).join(', ')}`,
      });
    }
    if (typeof value === 'string') {
      if (node.maxLength !== undefined || node.minLength !== undefined) {
        // A string has between length/2 and length code points: count exactly only when that range straddles a limit.
        const min = node.minLength ?? 0;
        const exact = value.length > (node.maxLength ?? Infinity) || (value.length >= min && value.length < 2 * min);
        const length = exact ? codePointLength(value) : value.length;
        if (node.maxLength !== undefined && length > node.maxLength) {
          this.blocking = true;
          this.schema.push({
            field: path,
            type: ViolationType.TOO_LONG,
            value,
            detail: `may not be more than ${node.maxLength} bytes`,
          });
        }
        if (node.minLength !== undefined && length < node.minLength) {
          this.invalid(path, value, `should be at least ${node.minLength} chars long`);
        }
      }
      if (node.pattern && !node.pattern.re.test(value)) {
        if (node.pattern.source === QUANTITY_PATTERN) {
          // The regex says nothing to a person; the API server's own word for it does.
          this.schema.push({ field: path, type: ViolationType.INVALID, value, detail: QUANTITY_DETAIL });
        } else {
          this.invalid(path, value, `should match '${node.pattern.source}'`);
        }
      }
    } else if (typeof value === 'number') {
      if (node.intFormat && (value < node.intFormat.min || value > node.intFormat.max)) {
        this.invalid(path, value, `must be of type ${node.intFormat.name}: ${goQuote(String(value))}`);
      }
      if (node.minimum !== undefined && value < node.minimum) {
        this.invalid(path, value, `should be greater than or equal to ${node.minimum}`);
      }
      if (node.maximum !== undefined && value > node.maximum) {
        this.invalid(path, value, `should be less than or equal to ${node.maximum}`);
      }
    }
  }

  private walkObject(node: SchemaNode, obj: Record<string, unknown>, path: string, old: unknown, unknownOnly: boolean): void {
    const props = node.properties;
    if (!unknownOnly) {
      for (const r of node.required) {
        if (obj[r] === undefined) {
          this.blocking = true;
          this.schema.push({ field: childPath(path, r), type: ViolationType.REQUIRED, detail: '' });
        }
      }
      const count = Object.keys(obj).length;
      if (node.minProperties !== undefined && count < node.minProperties) {
        this.invalid(path, count, `should have at least ${node.minProperties} properties`);
      }
      if (node.maxProperties !== undefined && count > node.maxProperties) {
        this.blocking = true;
        this.schema.push({ field: path, type: ViolationType.TOO_MANY, value: count, detail: `must have at most ${node.maxProperties} items` });
      }
    }
    const oldObj = isPlainObject(old) ? old : undefined;
    for (const key of Object.keys(obj)) {
      const v = obj[key];
      if (v === undefined) continue;
      const p = childPath(path, key);
      const child = props?.get(key) ?? node.additionalProperties;
      if (!child) {
        if (!node.preserveUnknown) {
          this.unknown.push({ field: p, type: ViolationType.UNKNOWN_FIELD, detail: `unknown field ${goQuote(p)}` });
        }
        continue;
      }
      const childUnknownOnly = unknownOnly || (path === '' && this.unknownOnlyTop.has(key));
      this.walk(child, v, p, oldObj?.[key], childUnknownOnly);
    }
  }

  private walkArray(node: SchemaNode, arr: unknown[], path: string, old: unknown, unknownOnly: boolean): void {
    if (!unknownOnly) {
      if (node.minItems !== undefined && arr.length < node.minItems) {
        this.invalid(path, arr.length, `should have at least ${node.minItems} items`);
      }
      if (node.maxItems !== undefined && arr.length > node.maxItems) {
        this.blocking = true;
        this.schema.push({ field: path, type: ViolationType.TOO_MANY, value: arr.length, detail: `must have at most ${node.maxItems} items` });
      }
    }
    // Only items of map-type lists correlate with old items (by key), as for CEL transition rules upstream.
    let oldByKey: Map<string, unknown> | undefined;
    if (node.listMapKeys && Array.isArray(old)) {
      oldByKey = new Map();
      for (const item of old) {
        const k = listMapKeyOf(item, node.listMapKeys);
        if (k !== undefined) oldByKey.set(k, item);
      }
    }
    if (node.items) {
      const itemPath = itemPaths(node, arr, path);
      for (let i = 0; i < arr.length; i++) {
        const oldItem = oldByKey && node.listMapKeys ? oldByKey.get(listMapKeyOf(arr[i], node.listMapKeys) ?? '') : undefined;
        this.walk(node.items, arr[i], itemPath(i), oldItem, unknownOnly);
      }
    }
    if (!unknownOnly) {
      if (node.listType === 'set') this.checkSet(arr, path);
      if (node.listType === 'map') this.checkMapList(node.listMapKeys!, arr, path);
    }
  }

  private checkSet(arr: unknown[], path: string): void {
    const seen = new Set<string>();
    arr.forEach((item, i) => {
      const key = canonicalJson(item);
      if (seen.has(key)) {
        this.lists.push({ field: `${path}[${i}]`, type: ViolationType.DUPLICATE, value: item, detail: '' });
      }
      seen.add(key);
    });
  }

  private checkMapList(keys: readonly string[], arr: unknown[], path: string): void {
    const seen = new Set<string>();
    arr.forEach((item, i) => {
      const key = listMapKeyOf(item, keys);
      if (key === undefined) {
        this.lists.push({
          field: `${path}[${i}]`,
          type: ViolationType.INVALID,
          value: item,
          detail: 'must be an object for an array of list-type map',
        });
        return;
      }
      if (seen.has(key)) {
        const keyValue = Object.fromEntries(keys.map((k) => [k, (item as Record<string, unknown>)[k]]));
        this.lists.push({ field: `${path}[${i}]`, type: ViolationType.DUPLICATE, value: keyValue, detail: '' });
      }
      seen.add(key);
    });
  }

  runCel(): Violation[] {
    const out: Violation[] = [];
    for (const job of this.celJobs) {
      for (const rule of job.node.rules) {
        if (rule.impl.transition && job.old === undefined) continue;
        if (!rule.impl.check(job.value, job.old)) {
          out.push({ field: job.path || ROOT_FIELD, type: ViolationType.INVALID, value: job.value, detail: rule.message });
        }
      }
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Defaulting
// ---------------------------------------------------------------------------------------------------------------

/**
 * Returns `value` with defaults applied and non-nullable `null`s dropped (replaced by the default if there is one),
 * recursing only where the value has the schema's shape. With `copy`, the result shares nothing with the input or
 * the schema; without it, untouched subtrees and default values are shared (for read-only use while validating).
 */
function defaulted(node: SchemaNode, value: unknown, copy: boolean): unknown {
  if (Array.isArray(value)) {
    const items = node.items;
    if (!items || !typeMatches(node, value)) return copy ? cloneJson(value) : value;
    return value.map((item) => defaulted(items, item, copy));
  }
  if (!isPlainObject(value) || !typeMatches(node, value)) {
    return copy && typeof value === 'object' && value !== null ? cloneJson(value) : value;
  }
  // Input keys are written to it: no prototype, so `__proto__` is an ordinary (unknown) field.
  const out = emptyRecord();
  for (const key of Object.keys(value)) {
    const v = value[key];
    const child = node.properties?.get(key) ?? node.additionalProperties;
    if (!child) {
      out[key] = copy ? cloneJson(v) : v;
    } else if (v === null && !child.nullable) {
      if (child.hasDefault) out[key] = defaulted(child, copy ? cloneJson(child.defaultValue) : child.defaultValue, copy);
    } else if (v !== undefined) {
      out[key] = defaulted(child, v, copy);
    }
  }
  if (node.properties) {
    for (const [key, child] of node.properties) {
      if (child.hasDefault && !(key in out) && value[key] === undefined) {
        out[key] = defaulted(child, copy ? cloneJson(child.defaultValue) : child.defaultValue, copy);
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------------------------

export interface CompileOptions {
  /**
   * The schema is a Kubernetes object's root: its `metadata` is ObjectMeta, which the API server validates itself
   * (see metadata.ts) whatever the schema says, so it is not checked here beyond being an object.
   */
  readonly kubernetesObject?: boolean;
}

export class CompiledSchema {
  private readonly root: SchemaNode;
  /** Every CEL rule string of the schema, in schema order. */
  readonly celRules: readonly string[];

  constructor(openAPIV3Schema: unknown, opts: CompileOptions = {}) {
    let schema = openAPIV3Schema;
    if (opts.kubernetesObject && isPlainObject(schema) && isPlainObject(schema.properties)) {
      schema = {
        ...schema,
        properties: { ...schema.properties, metadata: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      };
    }
    this.root = compileNode(schema, 'openAPIV3Schema');
    const rules: string[] = [];
    const collect = (n: SchemaNode): void => {
      rules.push(...n.rules.map((r) => r.rule));
      n.properties?.forEach(collect);
      if (n.additionalProperties) collect(n.additionalProperties);
      if (n.items) collect(n.items);
    };
    collect(this.root);
    this.celRules = rules;
  }

  /** A deep copy of `value` with the schema's defaults applied, as the API server stores it. */
  applyDefaults<T>(value: T): T {
    return defaulted(this.root, value, true) as T;
  }

  /**
   * All violations of `value` (create), or of `value` as an update of `opts.oldValue`, in the API server's order:
   * unknown fields, value errors, list errors, CEL rules (skipped, with a notice, after blocking errors: a wrong type,
   * enum, required, maxLength, maxItems, maxProperties).
   */
  validate(value: unknown, opts: SchemaValidateOptions = {}): Violation[] {
    const walker = new Walker(new Set(opts.unknownFieldsOnly ?? []));
    const old = opts.oldValue === undefined ? undefined : defaulted(this.root, opts.oldValue, false);
    walker.walk(this.root, defaulted(this.root, value, false), '', old, false);
    const blocked = walker.blocking || (opts.precedingViolations ?? []).some((v) => BLOCKING_TYPES.has(v.type));
    const cel = blocked
      ? this.celRules.length > 0
        ? [
            {
              field: ROOT_FIELD,
              type: ViolationType.INVALID,
              detail: 'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
            },
          ]
        : []
      : walker.runCel();
    return [...walker.unknown, ...walker.schema, ...walker.lists, ...cel];
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The project's CRDs
// ---------------------------------------------------------------------------------------------------------------

export type CrdKind = 'Workspace' | 'WorkspaceKind';

const compiled = new Map<string, CompiledSchema>();

/**
 * The compiled `openAPIV3Schema` of one of the project's CRDs at `revision`; compiled on first use, then cached.
 */
export function crdSchema(kind: CrdKind, revision: ApiRevision = DEFAULT_API_REVISION): CompiledSchema {
  const key = `${revision}/${kind}`;
  let schema = compiled.get(key);
  if (!schema) {
    const source = crdSchemas(revision)[kind];
    if (!source) throw new SchemaCompileError(`no generated schema for ${kind} at ${revision}; run \`npm run import\``);
    schema = new CompiledSchema(source, { kubernetesObject: true });
    compiled.set(key, schema);
  }
  return schema;
}

/**
 * How items of a list are addressed in field paths: by their key (`values[tiny_cpu]`, `extraEnv[NB_PREFIX]`) in a
 * map-type list with one key, when that key is a non-empty string unique in the list and free of `[` and `]` — which
 * is how people find an item, and what the webhook rules print; otherwise by index, as the API server does.
 */
function itemPaths(node: SchemaNode, arr: readonly unknown[], path: string): (i: number) => string {
  const keys = node.listMapKeys;
  if (!keys || keys.length !== 1) return (i) => `${path}[${i}]`;
  const values = arr.map((item) => (isPlainObject(item) ? item[keys[0]] : undefined));
  const usable = values.every((v) => typeof v === 'string' && v !== '' && !/[[\]]/.test(v)) && new Set(values).size === values.length;
  return usable ? (i) => `${path}[${values[i] as string}]` : (i) => `${path}[${i}]`;
}
