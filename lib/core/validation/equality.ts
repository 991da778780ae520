/**
 * Equality notions used to decide what changed between an old and a new object (docs/upstream-behavior.md §4.6, §4.7).
 */

import { isPlainObject } from '../json';
import { parseQuantity } from '../quantity';

function definedKeys(o: Record<string, unknown>): string[] {
  return Object.keys(o).filter((k) => o[k] !== undefined);
}

/**
 * Structural JSON equality: order-sensitive for arrays, order-insensitive for object keys; a key holding
 * `undefined` counts as absent (it is not serialized).
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = definedKeys(a);
    const kb = definedKeys(b);
    return ka.length === kb.length && ka.every((k) => b[k] !== undefined && deepEqual(a[k], b[k]));
  }
  return false;
}

function isEmptyContainer(v: unknown): boolean {
  return v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (isPlainObject(v) && definedKeys(v).length === 0);
}

/** apimachinery's `equality.Semantic.DeepEqual` on JSON: an empty map or list equals an absent one. */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isEmptyContainer(a) && isEmptyContainer(b)) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => semanticEqual(x, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...definedKeys(a), ...definedKeys(b)]);
    for (const k of keys) {
      if (!semanticEqual(a[k], b[k])) return false;
    }
    return true;
  }
  return false;
}

function quantityMapsEqual(a: unknown, b: unknown): boolean {
  const ea = isEmptyContainer(a);
  const eb = isEmptyContainer(b);
  if (ea || eb) return ea && eb;
  if (!isPlainObject(a) || !isPlainObject(b)) return deepEqual(a, b);
  const ka = definedKeys(a);
  if (ka.length !== definedKeys(b).length) return false;
  return ka.every((k) => {
    if (b[k] === undefined) return false;
    const qa = parseQuantity(a[k]);
    const qb = parseQuantity(b[k]);
    // Unparsable values cannot be normalised; compare them as written.
    return qa !== undefined && qb !== undefined ? qa === qb : deepEqual(a[k], b[k]);
  });
}

/**
 * PodConfig spec equality of the WorkspaceKind webhook (§4.7 update step 5): `resources.requests` / `.limits` are
 * compared by quantity value and an empty map equals an absent one; everything else (affinity, nodeSelector,
 * tolerations, resources.claims) is compared as written.
 */
export function podConfigSpecEqual(a: unknown, b: unknown): boolean {
  if (!isPlainObject(a) || !isPlainObject(b)) return deepEqual(a, b);
  const keys = new Set([...definedKeys(a), ...definedKeys(b)]);
  for (const k of keys) {
    if (k !== 'resources') {
      if (!deepEqual(a[k], b[k])) return false;
      continue;
    }
    const ra = a.resources;
    const rb = b.resources;
    if (!isPlainObject(ra) || !isPlainObject(rb)) {
      if (!deepEqual(ra, rb)) return false;
      continue;
    }
    const rkeys = new Set([...definedKeys(ra), ...definedKeys(rb)]);
    for (const rk of rkeys) {
      const same = rk === 'requests' || rk === 'limits' ? quantityMapsEqual(ra[rk], rb[rk]) : deepEqual(ra[rk], rb[rk]);
      if (!same) return false;
    }
  }
  return true;
}

/** JSON keys whose Go type is a map (an empty one equals an absent one); other objects are structs behind pointers. */
const MAP_KEYS = new Set(['nodeSelector', 'requests', 'limits', 'matchLabels', 'labels', 'annotations', 'set', 'add']);
/** Maps whose values are resource quantities. */
const QUANTITY_MAPS = new Set(['requests', 'limits']);

/**
 * apimachinery's `equality.Semantic.DeepEqual` on the Go types the JSON decodes into
 * (docs/upstream-v2-beta.md §5.4): resource quantities compare by value (`1000m` equals `1`), nil and empty maps or
 * lists are equal, but an absent struct (e.g. `affinity`) differs from an empty one (`affinity: {}`).
 */
export function kubeSemanticEqual(a: unknown, b: unknown, key = ''): boolean {
  if (a === b) return true;
  const emptyEqualsAbsent = MAP_KEYS.has(key) || Array.isArray(a) || Array.isArray(b);
  if (emptyEqualsAbsent && isEmptyContainer(a) && isEmptyContainer(b)) return true;
  if (QUANTITY_MAPS.has(key) && isPlainObject(a) && isPlainObject(b)) return quantityMapsEqual(a, b);
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => kubeSemanticEqual(x, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...definedKeys(a), ...definedKeys(b)]);
    for (const k of keys) {
      if (!kubeSemanticEqual(a[k], b[k], k)) return false;
    }
    return true;
  }
  return false;
}
