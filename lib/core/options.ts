/**
 * Option lookup and redirect resolution (docs/upstream-behavior.md §2.5), shared by the reconciler (status `desired` /
 * `redirectChain`) and the validators.
 */

import { OptionValue, RedirectStep } from './api';
import { goQuote } from './validation/quote';

export enum OptionType {
  IMAGE_CONFIG = 'imageConfig',
  POD_CONFIG = 'podConfig',
}

/** Message is the `<detail>` of `Workspace has invalid <type>: <detail>` (§2.3). */
export class OptionResolutionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OptionResolutionError';
  }
}

export interface ResolvedOption<S> {
  /** The option literally selected in the Workspace spec (the Pod is rendered from it). */
  readonly current: OptionValue<S>;
  /** The id reached by following redirects; equals `current.id` when there is no redirect. */
  readonly desired: string;
  /** Hops from current to desired; absent when `desired === current.id`. */
  readonly redirectChain?: RedirectStep[];
}

export function resolveOption<S>(
  type: OptionType,
  values: readonly OptionValue<S>[],
  selectedId: string,
): ResolvedOption<S> {
  const byId = new Map<string, OptionValue<S>>();
  for (const v of values) {
    byId.set(v.id, v);
  }
  const current = byId.get(selectedId);
  if (current === undefined) {
    throw new OptionResolutionError(`${type} with id ${goQuote(selectedId)} not found`);
  }
  const visited = new Set([current.id]);
  const chain: RedirectStep[] = [];
  let node = current;
  while (node.redirect) {
    const target = node.redirect.to;
    if (visited.has(target)) {
      throw new OptionResolutionError(`${type} with id ${goQuote(node.id)} has a circular redirect`);
    }
    const next = byId.get(target);
    if (next === undefined) {
      throw new OptionResolutionError(`${type} with id ${goQuote(target)} not found, was redirected from ${goQuote(node.id)}`);
    }
    chain.push({ source: node.id, target });
    visited.add(target);
    node = next;
  }
  if (node.id === current.id) {
    return { current, desired: current.id };
  }
  return { current, desired: node.id, redirectChain: chain };
}
