/** JSON values as read from YAML or JSON: the one test for "an object", shared by the core and the CLI. */

/** A JSON object (a mapping), with nothing known about its fields. */
export type JsonRecord = Record<string, unknown>;

/** Whether `v` is a JSON object: not null, not an array, not a primitive. */
export function isPlainObject(v: unknown): v is JsonRecord {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
