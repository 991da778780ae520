/** JSON values as read from YAML or JSON: the one test for "an object", shared by the core and the CLI. */

/** A JSON object (a mapping), with nothing known about its fields. */
export type JsonRecord = Record<string, unknown>;

/** Whether `v` is a JSON object: not null, not an array, not a primitive. */
export function isPlainObject(v: unknown): v is JsonRecord {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * An empty JSON object without a prototype. Objects built from input keys start from this, so that every key —
 * `__proto__`, `constructor` and `prototype` included — is an ordinary own field and none reaches a prototype.
 */
export function emptyRecord(): JsonRecord {
  return Object.create(null) as JsonRecord;
}

/** A deep copy of a JSON value, its objects without a prototype (see {@link emptyRecord}). */
export function cloneJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map(cloneJson) as T;
  if (!isPlainObject(value)) return value;
  const out = emptyRecord();
  for (const key of Object.keys(value)) out[key] = cloneJson(value[key]);
  return out as T;
}
