/**
 * A rate-limited work queue with the semantics of client-go's: a key is queued at most once, is never processed
 * by two workers at the same time (a key added while in process is queued again when it is done), and retries
 * are delayed by the larger of a per-key exponential backoff and a global token bucket
 * (docs/upstream-behavior.md §1.1).
 */

export interface RateLimiterOptions {
  /** First retry delay of a key; doubles per consecutive failure. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Global token bucket: sustained retries per second... */
  readonly qps: number;
  /** ...and burst size. */
  readonly burst: number;
}

export const DEFAULT_RATE_LIMITER: RateLimiterOptions = { baseDelayMs: 1000, maxDelayMs: 7 * 60_000, qps: 10, burst: 100 };

/** Per-key exponential backoff combined with a global token bucket; `now` is injectable for tests. */
export class RateLimiter {
  private readonly failures = new Map<string, number>();
  private tokens: number;
  private last: number;

  constructor(
    private readonly options: RateLimiterOptions = DEFAULT_RATE_LIMITER,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = options.burst;
    this.last = now();
  }

  /** Delay before the next retry of `key`, and records the retry. */
  when(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const backoff = Math.min(this.options.baseDelayMs * 2 ** n, this.options.maxDelayMs);
    return Math.max(backoff, this.reserveToken());
  }

  /** Forgets the failures of `key` (after a successful pass). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Takes a token, possibly from the future; returns how long until it is available. */
  private reserveToken(): number {
    const t = this.now();
    this.tokens = Math.min(this.options.burst, this.tokens + ((t - this.last) / 1000) * this.options.qps);
    this.last = t;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.options.qps) * 1000);
  }
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private head = 0;
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private shuttingDown = false;

  constructor(readonly limiter: RateLimiter = new RateLimiter()) {}

  /** Queues `key` now (no-op if already queued). */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.dirty.delete(key);
      this.processing.add(key);
      waiter(key);
      return;
    }
    this.queue.push(key);
  }

  /** Queues `key` after `delayMs`; an earlier pending delay wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = Date.now() + delayMs;
    const pending = this.timers.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  /** Queues `key` after its rate-limited retry delay. */
  addRateLimited(key: string): void {
    this.addAfter(key, this.limiter.when(key));
  }

  forget(key: string): void {
    this.limiter.forget(key);
  }

  /** The next key to process, or undefined once the queue is shut down. */
  get(): Promise<string | undefined> {
    if (this.head < this.queue.length) {
      const key = this.queue[this.head++];
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      this.dirty.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks `key` as processed; re-queues it if it was added meanwhile. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      this.add(key);
    }
  }

  /** Keys waiting (not counting delayed ones or those in process). */
  length(): number {
    return this.queue.length - this.head;
  }

  /** Stops handing out keys: waiting workers get undefined, queued and delayed keys are dropped. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.queue.length = 0;
    this.head = 0;
    this.dirty.clear();
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }
}
