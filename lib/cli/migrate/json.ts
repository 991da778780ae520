/** Canonical JSON for migration output: plain objects, sorted keys, content hashes. */

import { createHash } from 'crypto';
import { isPlainObject } from '../../core/json';

/**
 * A deep copy as ordinary objects (the reader's objects have no prototype) with keys sorted and null or undefined
 * fields left out, the way cdk8s writes every object it synthesizes.
 */
export function plain<T>(value: T): T {
  if (Array.isArray(value)) return value.map(plain) as T;
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = value[key];
    if (v !== undefined && v !== null) out[key] = plain(v);
  }
  return out as T;
}

/** Whether a value carries nothing: absent, null, an empty list or an empty object. */
export function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isPlainObject(value)) return Object.keys(value).length === 0;
  return false;
}

/** JSON with sorted keys: equal content, equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(plain(value));
}

/** First 8 hex digits of the SHA-256 of the canonical JSON: short, stable ids derived from content. */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 8);
}

/** Lower-case letters, digits and single dashes, trimmed to `max` characters; '' when nothing is left. */
export function slug(text: string, max: number): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+/, '').slice(0, max).replace(/-+$/, '');
}

/** Short one-line JSON of a value for messages. */
export function brief(value: unknown, max = 120): string {
  const text = canonicalJson(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
