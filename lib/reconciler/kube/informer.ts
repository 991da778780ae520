/**
 * An informer: a paginated list, then a watch with bookmarks, kept running across disconnects (resume from the
 * last resourceVersion; list again after 410 Gone). Objects are stored as projections (see objects.ts), with
 * secondary indexes, and handlers are told about adds, updates and deletes.
 */
import { Logger } from '../log';
import { ApiError, isGone, KubeClient, WatchEventType } from './client';
import { objectKey } from '../../core/kube-objects';

interface HasMeta {
  readonly metadata: { readonly name?: string; readonly namespace?: string; readonly resourceVersion?: string };
}

export interface InformerHandlers<T> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T): void;
}

export interface InformerOptions<T> {
  readonly name: string;
  readonly client: KubeClient;
  /** Collection path, e.g. `/apis/apps/v1/statefulsets` (all namespaces). */
  readonly path: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Keeps only what the reconciler reads. */
  readonly transform: (raw: unknown) => T;
  readonly logger: Logger;
  readonly pageSize?: number;
  /** Server-side watch timeout; the watch is then resumed. */
  readonly watchTimeoutSeconds?: number;
}

type IndexFn<T> = (obj: T) => readonly string[];

export class Informer<T extends HasMeta> {
  private readonly store = new Map<string, T>();
  private readonly indexes = new Map<string, { fn: IndexFn<T>; map: Map<string, Set<string>> }>();
  private readonly handlers: InformerHandlers<T>[] = [];
  private resourceVersion = '';
  private synced = false;
  private readonly abort = new AbortController();
  private running?: Promise<void>;
  private syncedWaiters: (() => void)[] = [];

  constructor(private readonly options: InformerOptions<T>) {}

  addHandlers(handlers: InformerHandlers<T>): void {
    this.handlers.push(handlers);
  }

  /** Adds an index; must be called before `start`. */
  addIndex(name: string, fn: IndexFn<T>): void {
    this.indexes.set(name, { fn, map: new Map() });
  }

  /** Starts listing and watching; resolves once the first list is in the cache. */
  start(): Promise<void> {
    if (!this.running) {
      this.running = this.run();
    }
    return this.waitForSync();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  /** The resourceVersion the cache is current to: of the last list, watch event or bookmark. */
  get lastResourceVersion(): string {
    return this.resourceVersion;
  }

  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncedWaiters.push(resolve));
  }

  get(key: string): T | undefined {
    return this.store.get(key);
  }

  values(): IterableIterator<T> {
    return this.store.values();
  }

  get size(): number {
    return this.store.size;
  }

  byIndex(name: string, value: string): T[] {
    const index = this.indexes.get(name);
    if (!index) throw new Error(`informer ${this.options.name} has no index ${name}`);
    const keys = index.map.get(value);
    if (!keys) return [];
    const out: T[] = [];
    for (const key of keys) {
      const obj = this.store.get(key);
      if (obj) out.push(obj);
    }
    return out;
  }

  /**
   * Puts an object the reconciler just created into the cache if the watch has not delivered it yet, so that a
   * pass running before the watch event does not create it again. Handlers are not called.
   */
  addIfAbsent(raw: unknown): void {
    const obj = this.options.transform(raw);
    const key = objectKey(obj.metadata);
    if (!this.store.has(key)) this.put(key, obj);
  }

  /**
   * Replaces a cached object with the response of a write that was based on `basedOn` (a resourceVersion), unless the
   * watch already delivered something newer. Handlers are not called: the writer already acted on it.
   */
  replaceIfUnchanged(raw: unknown, basedOn: string | undefined): void {
    const obj = this.options.transform(raw);
    const key = objectKey(obj.metadata);
    if (this.store.get(key)?.metadata.resourceVersion === basedOn) this.put(key, obj);
  }

  private put(key: string, obj: T): void {
    const old = this.store.get(key);
    if (old) this.unindex(key, old);
    this.store.set(key, obj);
    this.index(key, obj);
  }

  private async run(): Promise<void> {
    const log = this.options.logger.with({ informer: this.options.name });
    let failures = 0;
    while (!this.abort.signal.aborted) {
      try {
        if (!this.resourceVersion) {
          await this.list();
          if (!this.synced) {
            this.synced = true;
            for (const w of this.syncedWaiters.splice(0)) w();
            log.debug('cache synced', { objects: this.store.size });
          }
        }
        await this.watch();
        failures = 0;
      } catch (err) {
        if (this.abort.signal.aborted) break;
        if (isGone(err)) {
          this.resourceVersion = '';
          continue;
        }
        failures += 1;
        const delay = Math.min(1000 * 2 ** Math.min(failures - 1, 5), 30_000);
        log.warn('list/watch failed; retrying', { error: (err as Error).message, retryInMs: delay });
        await sleep(delay, this.abort.signal);
      }
    }
  }

  private async list(): Promise<void> {
    const seen = new Set<string>();
    let continueToken: string | undefined;
    let listVersion = '';
    do {
      const page = await this.options.client.get<{ metadata?: { resourceVersion?: string; continue?: string }; items?: unknown[] }>(
        this.options.path,
        {
          query: {
            limit: this.options.pageSize ?? 500,
            continue: continueToken,
            labelSelector: this.options.labelSelector,
            fieldSelector: this.options.fieldSelector,
          },
          signal: this.abort.signal,
          timeoutMs: 120_000,
        },
      );
      for (const raw of page.items ?? []) {
        const obj = this.options.transform(raw);
        const key = objectKey(obj.metadata);
        seen.add(key);
        this.upsert(key, obj);
      }
      listVersion = page.metadata?.resourceVersion ?? listVersion;
      continueToken = page.metadata?.continue || undefined;
    } while (continueToken);
    for (const [key, obj] of [...this.store]) {
      if (!seen.has(key)) this.remove(key, obj);
    }
    this.resourceVersion = listVersion;
  }

  private async watch(): Promise<void> {
    const watchAbort = new AbortController();
    const onStop = (): void => watchAbort.abort();
    this.abort.signal.addEventListener('abort', onStop, { once: true });
    let gone = false;
    try {
      await this.options.client.watch(
        this.options.path,
        {
          resourceVersion: this.resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds: this.options.watchTimeoutSeconds ?? 300 + Math.floor(Math.random() * 60),
          labelSelector: this.options.labelSelector,
          fieldSelector: this.options.fieldSelector,
        },
        (type: WatchEventType, raw: any) => {
          if (type === 'ERROR') {
            if (raw?.code === 410) gone = true;
            else this.options.logger.warn('watch error event', { informer: this.options.name, status: raw?.message });
            watchAbort.abort();
            return;
          }
          const version = raw?.metadata?.resourceVersion;
          if (type === 'BOOKMARK') {
            if (version) this.resourceVersion = version;
            return;
          }
          const obj = this.options.transform(raw);
          const key = objectKey(obj.metadata);
          if (type === 'DELETED') {
            const old = this.store.get(key);
            if (old) this.remove(key, old);
          } else {
            this.upsert(key, obj);
          }
          if (version) this.resourceVersion = version;
        },
        watchAbort.signal,
      );
    } finally {
      this.abort.signal.removeEventListener('abort', onStop);
    }
    if (gone) {
      throw new ApiError(410, 'Expired', `watch ${this.options.path}: resourceVersion too old`, 'GET', this.options.path);
    }
  }

  private upsert(key: string, obj: T): void {
    const old = this.store.get(key);
    if (old && old.metadata.resourceVersion === obj.metadata.resourceVersion) return;
    this.put(key, obj);
    for (const h of this.handlers) {
      if (old) h.onUpdate?.(old, obj);
      else h.onAdd?.(obj);
    }
  }

  private remove(key: string, obj: T): void {
    this.store.delete(key);
    this.unindex(key, obj);
    for (const h of this.handlers) h.onDelete?.(obj);
  }

  private index(key: string, obj: T): void {
    for (const { fn, map } of this.indexes.values()) {
      for (const value of fn(obj)) {
        let keys = map.get(value);
        if (!keys) map.set(value, (keys = new Set()));
        keys.add(key);
      }
    }
  }

  private unindex(key: string, obj: T): void {
    for (const { fn, map } of this.indexes.values()) {
      for (const value of fn(obj)) {
        const keys = map.get(value);
        keys?.delete(key);
        if (keys?.size === 0) map.delete(value);
      }
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
