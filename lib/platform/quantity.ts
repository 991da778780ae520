/**
 * Checks of the resource quantities in platform props, on top of the core's exact quantity arithmetic.
 */
import { k8s } from 'cdk8s-plus-28';
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

/** A map of quantity strings as cdk8s-plus quantities, keys sorted. */
export function toKubeQuantities(values: Readonly<Record<string, string>> | undefined): Record<string, k8s.Quantity> {
  const out: Record<string, k8s.Quantity> = {};
  for (const name of Object.keys(values ?? {}).sort()) {
    out[name] = k8s.Quantity.fromString(values![name]);
  }
  return out;
}
