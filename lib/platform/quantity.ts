/**
 * Checks of the resource quantities in platform props, on top of the core's exact quantity arithmetic.
 */
import * as k8s from '../../imports/k8s';
import { compareQuantities, parseQuantity } from '../core/quantity';

/**
 * Errors for a map of resource quantities (e.g. requests or limits): one per malformed value.
 * @param field where the map is, for the message (e.g. `resources.limits`)
 */
export function quantityErrors(field: string, quantities: Readonly<Record<string, string>> | undefined): string[] {
  const map = quantities ?? {};
  return Object.keys(map).sort()
    .filter(name => parseQuantity(map[name]) === undefined)
    .map(name => `${field}.${name} is "${map[name]}"; expected a Kubernetes quantity such as "500m", "2Gi" or "4"`);
}

/** Errors for requests above their limit (the API server rejects such Pods); malformed values are skipped. */
export function requestAboveLimitErrors(
  requestsField: string,
  requests: Readonly<Record<string, string>> | undefined,
  limitsField: string,
  limits: Readonly<Record<string, string>> | undefined,
): string[] {
  const errors: string[] = [];
  for (const name of Object.keys(requests ?? {}).sort()) {
    const request = requests![name];
    const limit = limits?.[name];
    if (limit !== undefined && parseQuantity(request) !== undefined && parseQuantity(limit) !== undefined
      && compareQuantities(request, limit) > 0) {
      errors.push(`${requestsField}.${name} is "${request}", above ${limitsField}.${name} "${limit}"; expected a request no larger than the limit`);
    }
  }
  return errors;
}

/** Whole mebibytes in a quantity (rounded down); the quantity must be valid. */
export function mebibytes(quantity: string): number {
  return Number(parseQuantity(quantity)! / (10n ** 9n * 2n ** 20n));
}

const NANOS_PER_UNIT = 10n ** 9n;
const DECIMAL_SUFFIX_BY_EXPONENT = new Map<number, string>([[-9, 'n'], [-6, 'u'], [-3, 'm'], [0, ''], [3, 'k'], [6, 'M'], [9, 'G'], [12, 'T'], [15, 'P'], [18, 'E']]);
const BINARY_SUFFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

const NANOS_PER_MILLI = 10n ** 6n;

/**
 * The form in which the API server stores a quantity of a resource list of a built-in object (container resources,
 * ResourceQuota, LimitRange): rounded up to a thousandth (`SetDefaults_ResourceList`), then `resource.Quantity`'s
 * canonical string: `1000m` -> `1`, `0.5` -> `500m`, `1000` -> `1k`, `1024Mi` -> `1Gi`, `0.5Gi` -> `512Mi`,
 * `1500u` -> `2m`, `1e3` stays. Writing it so keeps `kubectl apply` and GitOps diffs from seeing a change on every
 * sync. Invalid quantities are returned unchanged (they are reported by `quantityErrors`).
 */
export function canonicalQuantity(quantity: string): string {
  const nanos = parseQuantity(quantity);
  if (nanos === undefined) {
    return quantity;
  }
  if (nanos === 0n) {
    return '0';
  }
  const sign = nanos < 0n ? '-' : '';
  const abs = ((nanos < 0n ? -nanos : nanos) + NANOS_PER_MILLI - 1n) / NANOS_PER_MILLI * NANOS_PER_MILLI;
  const suffix = /([eE][-+]?[0-9]+|[KMGTPE]i)$/.exec(quantity)?.[1];
  // binary units stay binary when the value is a whole number of at least 1024; otherwise decimal (as the server)
  if (suffix?.endsWith('i') && abs >= 1024n * NANOS_PER_UNIT && abs % NANOS_PER_UNIT === 0n) {
    let amount = abs / NANOS_PER_UNIT;
    let exponent = 0;
    while (amount % 1024n === 0n && exponent < BINARY_SUFFIXES.length - 1) {
      amount /= 1024n;
      exponent++;
    }
    return `${sign}${amount}${BINARY_SUFFIXES[exponent]}`;
  }
  // decimal: fewest digits, with an exponent that is a multiple of 3
  let mantissa = abs;
  let exponent = -9;
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    exponent++;
  }
  const offset = ((exponent % 3) + 3) % 3;
  mantissa *= 10n ** BigInt(offset);
  exponent -= offset;
  const exponentForm = suffix !== undefined && /^[eE]/.test(suffix);
  const decimalSuffix = exponentForm ? undefined : DECIMAL_SUFFIX_BY_EXPONENT.get(exponent);
  return `${sign}${mantissa}${decimalSuffix ?? (exponent === 0 ? '' : `e${exponent}`)}`;
}

/** A map of quantity strings as cdk8s-plus quantities in the server's canonical form, keys sorted. */
export function toKubeQuantities(values: Readonly<Record<string, string>> | undefined): Record<string, k8s.Quantity> {
  const out: Record<string, k8s.Quantity> = {};
  for (const name of Object.keys(values ?? {}).sort()) {
    out[name] = k8s.Quantity.fromString(canonicalQuantity(values![name]));
  }
  return out;
}
