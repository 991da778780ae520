import { RateLimiter, WorkQueue } from '../../lib/reconciler/queue';

describe('RateLimiter', () => {
  test('per-key exponential backoff from the base, capped, reset by forget', () => {
    let now = 0;
    const limiter = new RateLimiter({ baseDelayMs: 1000, maxDelayMs: 5000, qps: 1000, burst: 1000 }, () => now);
    expect([1, 2, 3, 4, 5].map(() => limiter.when('a'))).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect(limiter.when('b')).toBe(1000);
    limiter.forget('a');
    expect(limiter.retries('a')).toBe(0);
    expect(limiter.when('a')).toBe(1000);
  });

  test('the global token bucket delays retries beyond the burst', () => {
    let now = 0;
    const limiter = new RateLimiter({ baseDelayMs: 1, maxDelayMs: 1, qps: 10, burst: 2 }, () => now);
    expect(limiter.when('a')).toBe(1);
    expect(limiter.when('b')).toBe(1);
    expect(limiter.when('c')).toBe(100); // bucket empty: one token per 100 ms
    expect(limiter.when('d')).toBe(200);
    now = 1000; // refilled, up to the burst
    expect(limiter.when('e')).toBe(1);
  });
});

describe('WorkQueue', () => {
  test('deduplicates and hands out keys in order', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.length()).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
    expect(q.length()).toBe(0);
  });

  test('a key added while in process is queued again when done, never handed out twice at once', async () => {
    const q = new WorkQueue();
    q.add('a');
    const key = await q.get();
    q.add('a');
    expect(q.length()).toBe(0);
    let second: string | undefined;
    void q.get().then((k) => (second = k));
    await Promise.resolve();
    expect(second).toBeUndefined();
    q.done(key!);
    await Promise.resolve();
    expect(second).toBe('a');
  });

  test('a waiting worker gets a key added later', async () => {
    const q = new WorkQueue();
    const pending = q.get();
    q.add('x');
    expect(await pending).toBe('x');
  });

  test('addAfter delays; the earlier of two delays wins', async () => {
    jest.useFakeTimers();
    try {
      const q = new WorkQueue();
      q.addAfter('a', 1000);
      q.addAfter('a', 50);
      jest.advanceTimersByTime(49);
      expect(q.length()).toBe(0);
      jest.advanceTimersByTime(1);
      expect(q.length()).toBe(1);
      jest.advanceTimersByTime(1000);
      expect(q.length()).toBe(1);
    } finally {
      jest.useRealTimers();
    }
  });

  test('shutDown releases waiting workers and drops pending work', async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.shutDown();
    expect(await waiting).toBeUndefined();
    q.add('late');
    expect(await q.get()).toBeUndefined();
  });
});
