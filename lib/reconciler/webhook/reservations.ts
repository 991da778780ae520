/**
 * Option reservations: what closes the race between a Workspace admitted on option X and a concurrent update of its
 * WorkspaceKind that removes X (docs/security.md#the-option-removal-race).
 *
 * Each replica decides from its own informer caches, so a Workspace admitted a moment ago is not yet counted by the
 * replica that checks a kind update. Before allowing a Workspace create (or an update that changes its options), the
 * webhook records the options it chose on the kind, in an annotation, with a write preconditioned on the
 * resourceVersion of the kind it validated against. Either the write lands, and the kind the Workspace was checked
 * against was current at that moment; or it conflicts, and the Workspace is checked again against the fresh kind.
 * A kind update or delete whose admission ran before the reservation landed conflicts in etcd too, and the API server
 * runs its admission again on the fresh kind, which carries the reservation. Reservations are cleared once the
 * Workspace is in the informer cache, recording that Workspace's resourceVersion as `seen`: a replica checks a kind
 * update only once its own Workspace cache has caught up with `seen`. Reservations of Workspaces never stored (a
 * later admission refused them, the name was taken) expire.
 *
 * This module is the pure part: the annotation's format and what it counts.
 */
import { isPlainObject } from '../../core/json';
import { OptionType } from '../../core/validation';

/** The annotation on a WorkspaceKind holding its reservations; written only by the webhook's ServiceAccount. */
export const RESERVATIONS_ANNOTATION = 'kfws.io/option-reservations';

/**
 * How long a reservation counts: longer than the API server takes to store an admitted object (its request timeout,
 * 60 s by default) and the watch to deliver it.
 */
export const RESERVATION_TTL_MS = 90_000;

/** Options reserved for one Workspace about to be stored. */
export interface Reservation {
  /** The Workspace's uid (set before validating admission runs). */
  readonly uid: string;
  /** `namespace/name`, for messages. */
  readonly workspace: string;
  readonly imageConfig?: string;
  readonly podConfig?: string;
  /** Milliseconds since the epoch after which the reservation no longer counts. */
  readonly expires: number;
}

/** The reservations recorded on one kind. */
export interface ReservationBook {
  /** resourceVersion of the newest Workspace whose reservation was cleared; '' when none. */
  readonly seen: string;
  readonly entries: readonly Reservation[];
}

export const EMPTY_BOOK: ReservationBook = { seen: '', entries: [] };

interface WireEntry {
  u: string;
  w: string;
  i?: string;
  p?: string;
  e: number;
}

/** The book of a kind object; an absent or unreadable annotation is an empty book. */
export function readReservations(kind: unknown): ReservationBook {
  const raw = isPlainObject(kind) && isPlainObject(kind.metadata) && isPlainObject(kind.metadata.annotations)
    ? kind.metadata.annotations[RESERVATIONS_ANNOTATION]
    : undefined;
  if (typeof raw !== 'string') return EMPTY_BOOK;
  let wire: unknown;
  try {
    wire = JSON.parse(raw);
  } catch {
    return EMPTY_BOOK;
  }
  if (!isPlainObject(wire)) return EMPTY_BOOK;
  const entries: Reservation[] = [];
  for (const e of Array.isArray(wire.r) ? wire.r : []) {
    if (!isPlainObject(e) || typeof e.u !== 'string' || typeof e.w !== 'string' || typeof e.e !== 'number') continue;
    entries.push({
      uid: e.u,
      workspace: e.w,
      imageConfig: typeof e.i === 'string' ? e.i : undefined,
      podConfig: typeof e.p === 'string' ? e.p : undefined,
      expires: e.e,
    });
  }
  return { seen: typeof wire.seen === 'string' ? wire.seen : '', entries };
}

/** The annotation value of a book (compact: a kind may carry a few hundred reservations during a burst). */
export function writeReservations(book: ReservationBook): string {
  const r: WireEntry[] = book.entries.map((e) => ({
    u: e.uid,
    w: e.workspace,
    ...(e.imageConfig !== undefined ? { i: e.imageConfig } : {}),
    ...(e.podConfig !== undefined ? { p: e.podConfig } : {}),
    e: e.expires,
  }));
  return JSON.stringify({ seen: book.seen, r });
}

/** The reservations that still count at `now`. */
export function liveReservations(book: ReservationBook, now: number): Reservation[] {
  return book.entries.filter((e) => e.expires > now);
}

/** How many live reservations hold each option id of `type`. */
export function reservedCounts(book: ReservationBook, now: number, type: OptionType): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of liveReservations(book, now)) {
    const id = type === OptionType.IMAGE_CONFIG ? e.imageConfig : e.podConfig;
    if (id !== undefined) out.set(id, (out.get(id) ?? 0) + 1);
  }
  return out;
}

/**
 * Orders two resourceVersions: etcd revisions, which the API server hands out in commit order. Kubernetes asks
 * clients to treat them as opaque; the webhook compares them only to know whether its cache has caught up with a
 * write it has seen, and treats a value that is not a number as "not caught up" (so it waits, then fails closed).
 */
export function compareResourceVersions(a: string, b: string): number {
  const numeric = /^\d+$/;
  if (!numeric.test(a) || !numeric.test(b)) return a === b ? 0 : Number.NaN;
  const x = BigInt(a);
  const y = BigInt(b);
  return x === y ? 0 : x < y ? -1 : 1;
}

/** `later` if its resourceVersion is at least `earlier`'s, else `earlier` (either may be absent). */
export function newerOf<T extends { metadata?: { resourceVersion?: string } }>(a: T | undefined, b: T | undefined): T | undefined {
  if (!a || !b) return a ?? b;
  return compareResourceVersions(a.metadata?.resourceVersion ?? '', b.metadata?.resourceVersion ?? '') >= 0 ? a : b;
}
