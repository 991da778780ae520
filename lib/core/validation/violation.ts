/**
 * One problem found by validation, in the vocabulary of Kubernetes field errors (`field.Error` in apimachinery),
 * so that our messages read like the API server's and the upstream webhooks'.
 */

import { goQuote } from './quote';

/** The kind of a field error; the values are the words the API server prints. */
export enum ViolationType {
  INVALID = 'Invalid value',
  REQUIRED = 'Required value',
  UNSUPPORTED = 'Unsupported value',
  DUPLICATE = 'Duplicate value',
  TOO_LONG = 'Too long',
  TOO_MANY = 'Too many',
  FORBIDDEN = 'Forbidden',
  NOT_FOUND = 'Not found',
  INTERNAL = 'Internal error',
  UNKNOWN_FIELD = 'Unknown field',
  /** HTTP 409 refusals (WorkspaceKind deletion while in use); `detail` is the full API message. */
  CONFLICT = 'Conflict',
}

export interface Violation {
  /** Field path from the object root, e.g. `spec.podTemplate.options.imageConfig.values[jupyterlab_scipy_180].spec.image`. */
  readonly field: string;
  readonly type: ViolationType;
  /** The value given (omitted for Required / Unknown field). */
  readonly value?: unknown;
  /** What was expected, or why the value is wrong. */
  readonly detail: string;
  /**
   * The `details.causes[].message` of a refusal whose reason is not in its message (v2.0.0-beta.0's 409 on a Kind
   * delete); absent otherwise.
   */
  readonly causes?: string[];
}

/** Renders a value the way Go's field errors do: strings Go-quoted (`%q`), numbers and booleans bare, objects as JSON. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') {
    return goQuote(value);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) {
    return String(value);
  }
  if (value === undefined) {
    return '<nil>';
  }
  return JSON.stringify(value);
}

/** `<field>: <type>: <value>: <detail>` — the API server's format for one field error. */
export function formatViolation(v: Violation): string {
  const parts = [v.field, v.type];
  if (v.value !== undefined && v.type !== ViolationType.REQUIRED) {
    parts.push(formatValue(v.value));
  }
  if (v.detail) {
    parts.push(v.detail);
  }
  // Kubernetes clients print only the message; the causes say why, so they are shown after it.
  parts.push(...(v.causes ?? []));
  return parts.join(': ');
}
