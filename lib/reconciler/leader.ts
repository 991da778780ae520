/**
 * Leader election on a coordination.k8s.io/v1 Lease, with client-go's rules: a Lease held by someone else is taken
 * over only after it was not renewed for `leaseDurationSeconds` as observed locally (no clock-skew dependence);
 * the leader renews every `retryPeriodMs` and gives up leadership if it cannot renew within `renewDeadlineMs`.
 */
import { isConflict, isNotFound, KubeClient } from './kube/client';
import { sleep } from './kube/informer';
import { LeaseObject, PATHS } from '../core/kube-objects';
import { Logger } from './log';

export interface LeaderElectionOptions {
  readonly namespace: string;
  readonly name: string;
  /** Unique per replica (the Pod name plus a random suffix). */
  readonly identity: string;
  readonly leaseDurationSeconds: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
}

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaderElector {
  private observed?: { holder: string; renewTime?: string; at: number };
  private lease?: LeaseObject;
  private leading = false;

  constructor(
    private readonly client: KubeClient,
    private readonly options: LeaderElectionOptions,
    private readonly log: Logger,
  ) {}

  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * Blocks until this replica is the leader (resolves true) or `signal` aborts (false). Then renews in the background
   * and calls `onLost` if a renewal fails past the deadline.
   */
  async acquire(signal: AbortSignal, onLost: () => void): Promise<boolean> {
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew()) {
        this.leading = true;
        this.log.info('acquired leadership', { lease: `${this.options.namespace}/${this.options.name}`, identity: this.options.identity });
        void this.renewLoop(signal, onLost);
        return true;
      }
      await sleep(this.options.retryPeriodMs, signal);
    }
    return false;
  }

  /** Gives the Lease up so that another replica can take over at once (graceful shutdown). */
  async release(): Promise<void> {
    if (!this.leading || !this.lease) return;
    this.leading = false;
    try {
      const now = microTime(Date.now());
      await this.client.update(PATHS.lease(this.options.namespace, this.options.name), {
        ...this.lease,
        spec: { ...this.lease.spec, holderIdentity: null, leaseDurationSeconds: 1, renewTime: now, acquireTime: now },
      });
      this.log.info('released leadership');
    } catch (err) {
      this.log.warn('could not release the Lease', { error: (err as Error).message });
    }
  }

  private async renewLoop(signal: AbortSignal, onLost: () => void): Promise<void> {
    let lastRenew = Date.now();
    while (!signal.aborted && this.leading) {
      await sleep(this.options.retryPeriodMs, signal);
      if (signal.aborted || !this.leading) return;
      if (await this.tryAcquireOrRenew()) {
        lastRenew = Date.now();
      } else if (Date.now() - lastRenew > this.options.renewDeadlineMs) {
        this.leading = false;
        this.log.error('lost leadership: the Lease could not be renewed in time');
        onLost();
        return;
      }
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity, leaseDurationSeconds } = this.options;
    const now = Date.now();
    if (this.leading && this.lease) {
      // Renewal: update the Lease we wrote last; a conflict means someone else changed it, so re-read below.
      try {
        this.lease = await this.client.update<LeaseObject>(PATHS.lease(namespace, name), {
          ...this.lease,
          spec: { ...this.lease.spec, renewTime: microTime(now) },
        });
        return true;
      } catch (err) {
        if (!isConflict(err)) {
          this.log.warn('cannot renew the Lease', { error: (err as Error).message });
          return false;
        }
      }
    }
    let current: LeaseObject;
    try {
      current = await this.client.get<LeaseObject>(PATHS.lease(namespace, name), { timeoutMs: this.options.renewDeadlineMs / 2 });
    } catch (err) {
      if (!isNotFound(err)) {
        this.log.warn('cannot read the Lease', { error: (err as Error).message });
        return false;
      }
      try {
        this.lease = await this.client.create<LeaseObject>(PATHS.namespacedLeases(namespace), {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: { holderIdentity: identity, leaseDurationSeconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
        });
        return true;
      } catch (createErr) {
        this.log.debug('cannot create the Lease', { error: (createErr as Error).message });
        return false;
      }
    }

    const spec = current.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    if (!this.observed || this.observed.holder !== holder || this.observed.renewTime !== (spec.renewTime ?? undefined)) {
      this.observed = { holder, renewTime: spec.renewTime ?? undefined, at: now };
    }
    const duration = (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
    if (holder && holder !== identity && this.observed.at + duration > now) {
      return false;
    }
    const transitions = (spec.leaseTransitions ?? 0) + (holder === identity ? 0 : 1);
    try {
      this.lease = await this.client.update<LeaseObject>(PATHS.lease(namespace, name), {
        ...current,
        spec: {
          holderIdentity: identity,
          leaseDurationSeconds,
          acquireTime: holder === identity ? spec.acquireTime : microTime(now),
          renewTime: microTime(now),
          leaseTransitions: transitions,
        },
      });
      return true;
    } catch (err) {
      if (!isConflict(err)) this.log.warn('cannot update the Lease', { error: (err as Error).message });
      return false;
    }
  }
}
