/**
 * Exact Kubernetes resource quantities (`100m`, `1Gi`, `1e3`, `0.5`), as `resource.ParseQuantity` reads them.
 *
 * A quantity is held as an integer number of nano-units (BigInt), which is exactly Kubernetes' internal precision:
 * parsed values are rounded up (away from zero) to a whole nano-unit and their magnitude is capped at 2^63-1 units.
 * So `1000m` == `1`, `1Gi` == `1024Mi` and `0.1n` == `1n`, with no floating-point rounding.
 */

export class QuantityError extends Error {
  constructor(value: unknown) {
    super(`${JSON.stringify(value)} is not a Kubernetes quantity; expected a quantity such as "500m", "2Gi" (a number with an optional suffix: n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei or an exponent like e3)`);
    this.name = 'QuantityError';
  }
}

const NANO_PER_UNIT = 10n ** 9n;
const MAX_NANOS = ((1n << 63n) - 1n) * NANO_PER_UNIT;

const BINARY_SUFFIXES: Record<string, bigint> = { Ki: 10n, Mi: 20n, Gi: 30n, Ti: 40n, Pi: 50n, Ei: 60n };
const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

const QUANTITY = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$/;

/** Integer division rounding away from zero (for non-negative operands: ceiling). */
function divCeil(n: bigint, d: bigint): bigint {
  return (n + d - 1n) / d;
}

/** The quantity in nano-units, or `undefined` if `value` is not a valid quantity (string or number). */
export function parseQuantity(value: unknown): bigint | undefined {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    // Integral numbers are converted directly so that e.g. 1e21 is not routed through its string form.
    text = Number.isInteger(value) ? BigInt(value).toString() : String(value);
  } else if (typeof value === 'string') {
    text = value;
  } else {
    return undefined;
  }
  const m = QUANTITY.exec(text);
  if (!m) return undefined;
  const [, sign, whole, fraction = '', suffix] = m;
  if (whole === '' && fraction === '') return undefined;

  // value = digits / 10^fraction.length * 10^exp10 * 2^exp2
  let exp10 = -fraction.length;
  let exp2 = 0n;
  if (suffix in BINARY_SUFFIXES) {
    exp2 = BINARY_SUFFIXES[suffix];
  } else if (suffix in DECIMAL_SUFFIXES) {
    exp10 += DECIMAL_SUFFIXES[suffix];
  } else {
    const e = /^[eE]([+-]?[0-9]+)$/.exec(suffix);
    if (!e) return undefined;
    const exponent = Number(e[1]);
    // ParseQuantity reads the exponent as an int32.
    if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 2 ** 31 - 1) return undefined;
    exp10 += exponent;
  }
  const digits = BigInt((whole || '0') + fraction);
  if (digits === 0n) return 0n;

  // Work in nano-units: shift the decimal exponent by 9, then round up what is left below one nano.
  exp10 += 9;
  let numerator = digits << exp2;
  let nanos: bigint;
  if (exp10 >= 0) {
    // Exponents beyond this are far above the cap whatever the digits; avoid building a huge power of ten.
    nanos = exp10 > 40 ? MAX_NANOS : numerator * 10n ** BigInt(exp10);
  } else if (-exp10 > 400 + text.length) {
    nanos = 1n; // smaller than a nano-unit, rounds up to one
  } else {
    numerator = divCeil(numerator, 10n ** BigInt(-exp10));
    nanos = numerator;
  }
  if (nanos > MAX_NANOS) nanos = MAX_NANOS;
  return sign === '-' ? -nanos : nanos;
}

function parseOrThrow(value: unknown): bigint {
  const nanos = parseQuantity(value);
  if (nanos === undefined) throw new QuantityError(value);
  return nanos;
}

/** -1, 0 or 1 like `Quantity.Cmp`; throws QuantityError if either side is not a quantity. */
export function compareQuantities(a: string | number, b: string | number): -1 | 0 | 1 {
  const x = parseOrThrow(a);
  const y = parseOrThrow(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
