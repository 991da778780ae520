/**
 * Writes the option reservations of reservations.ts on WorkspaceKinds, for one replica. Requests for the same kind
 * are coalesced: while one write is in flight the next ones queue, and go out together in the next write, so a burst
 * of creates into one kind costs a few writes, not one conflict-retry loop per Workspace. Reservations this replica
 * made are cleared (in the same kind of write) once its Workspace informer has the Workspace with those options.
 */
import { WorkspaceKindObject, WorkspaceObject } from '../../core/api';
import { isPlainObject } from '../../core/json';
import { Violation, ViolationType } from '../../core/validation';
import { ROOT_FIELD } from '../../core/validation/schema';
import { Caches } from '../caches';
import { Logger } from '../log';
import { ReconcilerMetrics } from '../metrics';
import { ApiError, KubeClient, MERGE_PATCH } from '../kube/client';
import { PATHS, projectWorkspaceKind } from '../../core/kube-objects';
import {
  compareResourceVersions,
  liveReservations,
  newerOf,
  Reservation,
  RESERVATION_TTL_MS,
  RESERVATIONS_ANNOTATION,
  readReservations,
  writeReservations,
} from './reservations';

/** A reservation to record, and the rules that must hold against the kind it is recorded on. */
export interface ReservationRequest {
  readonly kindName: string;
  readonly reservation: Omit<Reservation, 'expires'>;
  /** The webhook's rules for the Workspace against `kind` (undefined: the kind does not exist). */
  check(kind: WorkspaceKindObject | undefined): Violation[];
}

interface Pending {
  readonly request: ReservationRequest;
  resolve(violations: Violation[]): void;
}

interface KindQueue {
  pending: Pending[];
  /** uid -> resourceVersion of the Workspace seen in the cache with its reserved options. */
  clears: Map<string, string>;
  running: boolean;
  /** The kind as this replica last wrote or read it (fresher than the cache right after a write). */
  basis?: WorkspaceKindObject;
}

/** Conflicting writes in a row before the requests waiting on a kind are refused (retried by the client). */
const MAX_ATTEMPTS = 8;
/** Clears wait this long to go out with others (and with the next reservations); they only shorten a kind's list. */
const CLEAR_DELAY_MS = 200;

export class KindReservations {
  private readonly queues = new Map<string, KindQueue>();
  /** Reservations this replica recorded and has not cleared: uid -> kind and options. */
  private readonly mine = new Map<string, { kindName: string; imageConfig?: string; podConfig?: string; expires: number }>();

  constructor(
    private readonly client: KubeClient,
    private readonly caches: Caches,
    private readonly log: Logger,
    /** The webhook's own username: only its writes may drop live reservations (see admission.ts). */
    private readonly identity: () => Promise<string | undefined>,
    private readonly metrics?: ReconcilerMetrics,
    private readonly now: () => number = Date.now,
  ) {
    caches.workspaces.addHandlers({
      onAdd: (ws) => this.seen(ws),
      onUpdate: (_old, ws) => this.seen(ws),
      onDelete: (ws) => this.seen(ws, true),
    });
  }

  /**
   * Records the reservation on the kind, checked against the kind it lands on: the violations of that check (none:
   * recorded), or an internal error when the kind could not be written.
   */
  reserve(request: ReservationRequest): Promise<Violation[]> {
    return new Promise((resolve) => {
      const queue = this.queue(request.kindName);
      queue.pending.push({ request, resolve });
      void this.flush(request.kindName);
    });
  }

  private queue(kindName: string): KindQueue {
    let queue = this.queues.get(kindName);
    if (!queue) {
      queue = { pending: [], clears: new Map(), running: false };
      this.queues.set(kindName, queue);
    }
    return queue;
  }

  /** A Workspace in the cache: a reservation of this replica for it is cleared once it shows the reserved options. */
  private seen(ws: WorkspaceObject, deleted = false): void {
    const uid = ws.metadata.uid;
    const mine = uid ? this.mine.get(uid) : undefined;
    if (!uid || !mine) return;
    const options = isPlainObject(ws.spec) ? ws.spec.podTemplate?.options : undefined;
    const stored = deleted || (options?.imageConfig === mine.imageConfig && options?.podConfig === mine.podConfig);
    if (!stored) return;
    this.mine.delete(uid);
    const queue = this.queue(mine.kindName);
    queue.clears.set(uid, ws.metadata.resourceVersion ?? '');
    setTimeout(() => void this.flush(mine.kindName), CLEAR_DELAY_MS).unref();
  }

  private async flush(kindName: string): Promise<void> {
    const queue = this.queue(kindName);
    if (queue.running) return;
    queue.running = true;
    try {
      while (queue.pending.length > 0 || queue.clears.size > 0) {
        await this.writeOnce(kindName, queue);
      }
    } finally {
      queue.running = false;
    }
  }

  /** One batch: everything queued now, written in one preconditioned patch (retried on conflicts). */
  private async writeOnce(kindName: string, queue: KindQueue): Promise<void> {
    let batch = queue.pending.splice(0);
    const clears = new Map(queue.clears);
    queue.clears.clear();
    // Without a known identity the kind webhook would refuse dropping live entries: leave them to expire.
    if (clears.size > 0 && !(await this.identity())) clears.clear();
    let basis = newerOf(queue.basis, this.caches.kinds.get(kindName));
    for (let attempt = 1; ; attempt++) {
      const accepted = basis ? [] as Pending[] : batch;
      for (const p of basis ? batch : []) {
        const violations = p.request.check(basis);
        if (violations.length > 0) p.resolve(violations);
        else accepted.push(p);
      }
      if (!basis) {
        for (const p of accepted) p.resolve(p.request.check(undefined));
        return;
      }
      if (accepted.length === 0 && clears.size === 0) return;
      if (attempt > MAX_ATTEMPTS) {
        this.metrics?.reservationWrites.inc({ result: 'gave-up' });
        for (const p of accepted) p.resolve([internal(`the kind ${kindName} changed ${MAX_ATTEMPTS} times while its options were being reserved; retry`)]);
        return;
      }
      const now = this.now();
      for (const [uid, m] of this.mine) if (m.expires <= now) this.mine.delete(uid);
      const book = readReservations(basis);
      const entries = liveReservations(book, now).filter((e) => !clears.has(e.uid));
      const added: Reservation[] = accepted.map((p) => ({ ...p.request.reservation, expires: now + RESERVATION_TTL_MS }));
      let seen = book.seen;
      for (const rv of clears.values()) {
        if (seen === '' || compareResourceVersions(rv, seen) > 0) seen = rv;
      }
      const value = writeReservations({ seen, entries: [...entries, ...added] });
      try {
        const written = await this.client.request<unknown>('PATCH', PATHS.workspaceKind(kindName), preconditionedPatch(basis, value));
        this.metrics?.reservationWrites.inc({ result: 'written' });
        queue.basis = projectWorkspaceKind(written as Record<string, unknown>);
        for (const p of accepted) {
          const r = p.request.reservation;
          this.mine.set(r.uid, { kindName, imageConfig: r.imageConfig, podConfig: r.podConfig, expires: now + RESERVATION_TTL_MS });
          p.resolve([]);
        }
        return;
      } catch (err) {
        const status = err instanceof ApiError ? (isFailedTest(err) ? 409 : err.status) : 0;
        if (status !== 409 && status !== 404) {
          this.metrics?.reservationWrites.inc({ result: 'error' });
          this.log.warn('reserving options on a kind failed', { workspaceKind: kindName, error: (err as Error).message });
          for (const p of accepted) p.resolve([internal(`reserving the options on kind ${kindName}: ${(err as Error).message}`)]);
          return;
        }
        // Someone changed (or deleted) the kind since `basis`: check everything again against the fresh one.
        this.metrics?.reservationWrites.inc({ result: status === 409 ? 'conflict' : 'not-found' });
        batch = accepted;
        basis = await this.fresh(kindName).catch((e: Error) => {
          for (const p of batch) p.resolve([internal(`reading kind ${kindName}: ${e.message}`)]);
          batch = [];
          return undefined;
        });
        queue.basis = basis;
        if (batch.length === 0 && !basis) return;
      }
    }
  }

  /** The kind as stored now (a quorum read, with the list permission the reconciler has). */
  private async fresh(kindName: string): Promise<WorkspaceKindObject | undefined> {
    const list = await this.client.get<{ items: Record<string, unknown>[] }>(PATHS.workspaceKinds, { query: { fieldSelector: `metadata.name=${kindName}` } });
    return list.items[0] ? projectWorkspaceKind(list.items[0]) : undefined;
  }
}

const JSON_PATCH = 'application/json-patch+json';

/**
 * The write of a new reservations value, valid only on the kind `basis` was: same spec (its generation) and same
 * reservations (the annotation's value). Once the annotation exists this is a JSON patch that tests both, so that the
 * kind controller's status writes, which change the resourceVersion and nothing the reservations depend on, do not
 * make it conflict; the first write is a merge patch preconditioned on the resourceVersion.
 */
function preconditionedPatch(basis: WorkspaceKindObject, value: string): { body: unknown; contentType: string } {
  const current = basis.metadata.annotations?.[RESERVATIONS_ANNOTATION];
  if (current === undefined || basis.metadata.generation === undefined) {
    return {
      body: { metadata: { resourceVersion: basis.metadata.resourceVersion, annotations: { [RESERVATIONS_ANNOTATION]: value } } },
      contentType: MERGE_PATCH,
    };
  }
  const annotation = `/metadata/annotations/${RESERVATIONS_ANNOTATION.replace(/~/g, '~0').replace(/\//g, '~1')}`;
  return {
    body: [
      { op: 'test', path: '/metadata/generation', value: basis.metadata.generation },
      { op: 'test', path: annotation, value: current },
      { op: 'replace', path: annotation, value },
    ],
    contentType: JSON_PATCH,
  };
}

/**
 * A JSON patch whose `test` failed: the kind changed since the basis. The API server answers a bare 422 Invalid with
 * this generic message (other 422s, e.g. an annotation over its size limit, name the field).
 */
function isFailedTest(err: ApiError): boolean {
  return err.status === 422 && /the server rejected our request due to an error in our request/.test(err.message);
}

function internal(detail: string): Violation {
  return { field: ROOT_FIELD, type: ViolationType.INTERNAL, detail };
}
