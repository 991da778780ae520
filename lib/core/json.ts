/** JSON values as read from YAML or JSON: the one test for "an object", shared by the core and the CLI. */

/** A JSON object (a mapping), with nothing known about its fields. */
export type JsonRecord = Record<string, unknown>;

/** Whether `v` is a JSON object: not null, not an array, not a primitive. */
export function isPlainObject(v: unknown): v is JsonRecord {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Objects built from input keys: their prototype is an empty, frozen object that itself has none, so nothing is
 * inherited (`constructor`, `toString`, `__proto__` read as undefined) and every key — `__proto__`, `constructor`
 * and `prototype` included — is an ordinary own field. (`Object.create(null)` would do the same, but V8 keeps such
 * objects in slow dictionary mode; these stay fast.)
 */
const NoPrototype = function NoPrototype() {} as unknown as new () => JsonRecord;
NoPrototype.prototype = Object.freeze(Object.create(null));

/** An empty JSON object from which no key reaches a prototype (see {@link NoPrototype}). */
export function emptyRecord(): JsonRecord {
  return new NoPrototype();
}

/** A deep copy of a JSON value, its objects made by {@link emptyRecord}. */
export function cloneJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map(cloneJson) as T;
  if (!isPlainObject(value)) return value;
  const out = emptyRecord();
  for (const key of Object.keys(value)) out[key] = cloneJson(value[key]);
  return out as T;
}

/** The plain object at `keys` below `v`, or undefined where the path leaves plain objects. */
export function objectAt(v: unknown, ...keys: string[]): JsonRecord | undefined {
  let cur: unknown = v;
  for (const k of keys) {
    if (!isPlainObject(cur)) return undefined;
    cur = cur[k];
  }
  return isPlainObject(cur) ? cur : undefined;
}

/** `v` if it is an array, else an empty one. */
export function listOf(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** `v` if it is a string, else undefined. */
export function stringOf(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
