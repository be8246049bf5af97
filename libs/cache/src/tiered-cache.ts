import { Logger } from '@nestjs/common';
import type { NamedBreaker } from '@platform/resilience';
import type { RedisClient } from '@platform/redis';
import {
  cacheInvalidationsCounter,
  cacheLoadHistogram,
  cacheRequestsCounter,
  registerL1Gauges,
  trackL1,
} from './cache-metrics';
import { FencedLoads } from './fenced-loads';
import { InvalidationBus, type InvalidationMessage } from './invalidation-bus';
import { L1Cache } from './l1-cache';
import { L2RedisStore } from './l2-redis-store';
import { laterPosition, type ReadFence } from './read-fence';
import { SingleFlight, type Flight } from './single-flight';

export interface TieredCacheSettings {
  keyPrefix: string;
  l1MaxEntries: number;
  l1MaxBytes: number;
  l1TtlMs: number;
  l2TtlMs: number;
  compressOverBytes: number;
  /** Live entries one tag may index in L2; more evicts those that expire first. */
  maxTagEntries: number;
}

export interface CacheEntryOptions<T = unknown> {
  /**
   * TTL for both layers (ms); `l1TtlMs` / `l2TtlMs` override it per layer. A function when it
   * depends on the value (a lookup that remembers "not found" for less long than what it found).
   */
  ttlMs?: number | ((value: T) => number);
  l1TtlMs?: number;
  l2TtlMs?: number;
  /**
   * Tags to invalidate this entry by (`invalidateTags`), on every instance; a function when the tags
   * depend on the loaded value (an API key's id, found by its hash).
   */
  tags?: readonly string[] | ((value: T) => readonly string[]);
}

/** Where a value came from: L1, L2 (and copied into L1), or the loader (a miss). */
export type CacheSource = 'l1' | 'l2' | 'loader';

const PENDING_LIMIT = 10_000;
const PENDING_RETRY_MS = 1_000;

/**
 * Two layers: L1 in process (lru-cache, bounded by count and bytes), L2 in Redis (shared by every
 * instance, compressed over a threshold). Reads go L1 → L2 (refilling L1) → loader; concurrent misses
 * for one key share one L2 read and one load. Invalidation deletes L2 and tells every instance over
 * pub/sub to drop its L1 copy. Every Redis call goes through the L2 breaker: when Redis fails, the
 * cache serves L1 and calls loaders, and never fails the caller because of Redis.
 *
 * With a `ReadFence` (read replicas), each invalidation carries the write position it follows, and
 * every instance keeps it per key and tag for a while: a reload of such an entry reads at or after
 * that position, so a lagging replica cannot put the old value back in the cache.
 */
export class TieredCache {
  private readonly logger = new Logger('TieredCache');
  private readonly l1: L1Cache;
  private readonly l2: L2RedisStore;
  private readonly flights = new SingleFlight<{ value: unknown; source: CacheSource }>();
  private readonly bus: InvalidationBus;
  private readonly requests = cacheRequestsCounter();
  // Bound once: these two are counted on almost every request.
  private readonly l1Hits = this.requests.labels('l1', 'hit');
  private readonly l1Misses = this.requests.labels('l1', 'miss');
  private readonly loads = cacheLoadHistogram();
  private readonly invalidations = cacheInvalidationsCounter();
  private readonly untrack: () => void;
  /** Invalidations that could not reach Redis; sent again when the command connection is back. */
  private readonly pending = {
    keys: new Set<string>(),
    tags: new Set<string>(),
    position: undefined as string | undefined,
  };
  /** Invalidation positions and loads at or after them (only with a fence). */
  private readonly fenced: FencedLoads;
  private readonly onRedisReady = () => void this.flushPending();
  private retryTimer?: NodeJS.Timeout;

  constructor(
    private readonly settings: TieredCacheSettings,
    private readonly redis: RedisClient,
    subscriber: RedisClient,
    private readonly breaker: NamedBreaker,
    fence?: ReadFence,
  ) {
    this.l1 = new L1Cache({ maxEntries: settings.l1MaxEntries, maxBytes: settings.l1MaxBytes });
    this.fenced = new FencedLoads(fence, this.logger);
    this.l2 = new L2RedisStore(redis, settings.keyPrefix, settings.compressOverBytes, settings.maxTagEntries);
    this.bus = new InvalidationBus(redis, subscriber, settings.keyPrefix, {
      onRemote: (message) => this.dropLocal(message, 'remote'),
      onResubscribed: () => {
        this.dropAllLocal('missed invalidations while the subscription was down');
        // The missed messages' positions are lost too: every reload waits for the current position.
        void this.fenced.rememberEverything();
      },
    });
    registerL1Gauges();
    this.untrack = trackL1(this);
  }

  async start(): Promise<void> {
    this.redis.on('ready', this.onRedisReady);
    await this.bus.start();
  }

  async stop(): Promise<void> {
    this.redis.off('ready', this.onRedisReady);
    clearTimeout(this.retryTimer);
    this.untrack();
    await this.bus.stop();
  }

  get l1Entries(): number {
    return this.l1.entries;
  }

  get l1Bytes(): number {
    return this.l1.bytes;
  }

  get breakerState(): string {
    return this.breaker.state;
  }

  /** L1 size and the L2 breaker's state, as /health/detailed shows them (`cache`). */
  status(): { l1Entries: number; l1Bytes: number; l2Breaker: string } {
    return { l1Entries: this.l1Entries, l1Bytes: this.l1Bytes, l2Breaker: this.breakerState };
  }

  /**
   * The L1 copy, synchronously, or undefined (then look up with `get`/`wrap`, which count the miss).
   * For the cached-read fast path: L1 is kept exact by the invalidation bus.
   */
  peek<T>(key: string): T | undefined {
    const local = this.l1.get(key);
    // A miss is counted by the lookup that follows, not here.
    if (local) this.l1Hits.inc();
    return local?.value as T | undefined;
  }

  async get<T>(key: string): Promise<T | undefined> {
    return (await this.lookup<T>(key))?.value;
  }

  /** Like `get`, and says which layer answered. */
  async lookup<T>(key: string): Promise<{ value: T; source: 'l1' | 'l2' } | undefined> {
    const local = this.fromL1<T>(key);
    if (local) return local;
    const remote = await this.readL2<T>(key, this.settings.l1TtlMs, () => []);
    // `null` is a value like any other; only `undefined` means absent.
    return remote === undefined ? undefined : { value: remote, source: 'l2' };
  }

  /**
   * Many keys at once: L1 first, then one Redis round trip for the rest (refilling L1). Absent keys
   * are missing from the map. For batch reads, instead of one `get` (and one round trip) per key.
   */
  async getMany<T>(keys: readonly string[]): Promise<Map<string, T>> {
    const found = new Map<string, T>();
    const misses: string[] = [];
    for (const key of keys) {
      const local = this.fromL1<T>(key);
      if (local) found.set(key, local.value);
      else misses.push(key);
    }
    if (misses.length === 0) return found;
    try {
      const remote = await this.breaker.execute(() => this.l2.getMany<T>(misses));
      remote.forEach((entry, i) => {
        this.requests.inc({ layer: 'l2', result: entry ? 'hit' : 'miss' });
        if (!entry) return;
        this.l1.set(
          misses[i],
          entry.value,
          entry.jsonBytes,
          Math.min(this.settings.l1TtlMs, entry.remainingMs),
        );
        found.set(misses[i], entry.value);
      });
    } catch {
      this.requests.inc({ layer: 'l2', result: 'error' }, misses.length);
    }
    return found;
  }

  /**
   * Stores a value just read from its source of truth, in both layers, without telling other
   * instances to drop their copies (nothing changed; `set` is for changes). Never throws because of Redis.
   * With a fence, not stored while an invalidation of its key or tags is recent: the read may predate it.
   */
  async fill<T>(key: string, value: T, options: CacheEntryOptions<T> = {}): Promise<void> {
    if (value === undefined) return;
    const { l1TtlMs, l2TtlMs } = this.resolve(options, value);
    const loadedAt = this.fenced.retainMs === undefined ? undefined : '';
    await this.store(key, value, l1TtlMs, l2TtlMs, tagsFor(options, value), loadedAt);
  }

  /** Stores in both layers. `undefined` is not a value and is not stored. */
  async set<T>(key: string, value: T, options: CacheEntryOptions<T> = {}): Promise<void> {
    if (value === undefined) return;
    const { l1TtlMs, l2TtlMs } = this.resolve(options, value);
    const tags = tagsFor(options, value);
    // Invalidate loads in flight: what they bring back is older than this value.
    this.flights.invalidate(key);
    await this.store(key, value, l1TtlMs, l2TtlMs, tags);
    // Other instances may hold the previous value in L1: they drop it and refill from L2. Best effort,
    // through the breaker, so a write does not wait on a Redis known to be failing.
    await this.breaker.execute(() => this.bus.publish({ keys: [key], tags: [] })).catch(() => undefined);
  }

  /** The cached value, or the loader's (stored, unless `undefined`); one load per key at a time. */
  async wrap<T>(key: string, loader: () => Promise<T>, options: CacheEntryOptions<T> = {}): Promise<T> {
    return (await this.wrapWithSource(key, loader, options)).value;
  }

  async wrapWithSource<T>(
    key: string,
    loader: () => Promise<T>,
    options: CacheEntryOptions<T> = {},
  ): Promise<{ value: T; source: CacheSource }> {
    const local = this.fromL1<T>(key);
    if (local) return local;
    const { promise } = this.flights.run(key, async (flight) => {
      const remote = await this.readL2<T>(
        key,
        (value) => this.resolve(options, value).l1TtlMs,
        (value) => tagsFor(options, value),
        () => flight.invalidated,
      );
      if (remote !== undefined) return { value: remote, source: 'l2' };
      return { value: await this.loadAndStore(key, loader, options, flight), source: 'loader' };
    });
    return (await promise) as { value: T; source: CacheSource };
  }

  /** Deletes keys from L2 and from the L1 of every instance. Never throws because of Redis. */
  async del(keys: string | readonly string[]): Promise<void> {
    const list = typeof keys === 'string' ? [keys] : [...keys];
    const message = { keys: list, tags: [], position: await this.fenced.position() };
    this.dropLocal(message, 'local');
    await this.invalidateShared(message);
  }

  /**
   * Deletes every entry stored with one of these tags, on every instance. Call it after the write
   * committed: reloads then read at or after the write (with a fence), wherever they run.
   */
  async invalidateTags(tags: readonly string[]): Promise<void> {
    const message = { keys: [], tags: [...tags], position: await this.fenced.position() };
    this.dropLocal(message, 'local');
    await this.invalidateShared(message);
  }

  /** The L1 copy, counting the hit or the miss: the one way every read path consults L1. */
  private fromL1<T>(key: string): { value: T; source: 'l1' } | undefined {
    const local = this.l1.get(key);
    if (!local) {
      this.l1Misses.inc();
      return undefined;
    }
    this.l1Hits.inc();
    return { value: local.value as T, source: 'l1' };
  }

  private resolve<T>(options: CacheEntryOptions<T>, value: T) {
    const ttlMs = typeof options.ttlMs === 'function' ? options.ttlMs(value) : options.ttlMs;
    const l2TtlMs = options.l2TtlMs ?? ttlMs ?? this.settings.l2TtlMs;
    // An L1 copy never outlives the shared one, or it would serve what L2 has already dropped.
    const l1TtlMs = Math.min(options.l1TtlMs ?? ttlMs ?? this.settings.l1TtlMs, l2TtlMs);
    return { l1TtlMs, l2TtlMs };
  }

  private async readL2<T>(
    key: string,
    l1TtlMs: number | ((value: T) => number),
    tags: (value: T) => readonly string[],
    invalidated: () => boolean = () => false,
  ): Promise<T | undefined> {
    try {
      const found = await this.breaker.execute(() => this.l2.get<T>(key));
      this.requests.inc({ layer: 'l2', result: found ? 'hit' : 'miss' });
      if (!found) return undefined;
      if (!invalidated()) {
        const l1Ttl = typeof l1TtlMs === 'function' ? l1TtlMs(found.value) : l1TtlMs;
        this.l1.set(key, found.value, found.jsonBytes, Math.min(l1Ttl, found.remainingMs), tags(found.value));
      }
      return found.value;
    } catch {
      this.requests.inc({ layer: 'l2', result: 'error' });
      return undefined;
    }
  }

  /**
   * Loads (at or after the last invalidation's position) and stores, unless invalidated meanwhile. If
   * Redis refuses the value as read before an invalidation this instance has not heard of yet (its
   * message is still on the way), it is loaded once more at that position.
   */
  private async loadAndStore<T>(
    key: string,
    loader: () => Promise<T>,
    options: CacheEntryOptions<T>,
    flight: Flight<unknown>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      const { value, loadedAt } = await this.timeLoad(() => this.fenced.load(key, loader, options.tags));
      if (value === undefined || flight.invalidated) return value;
      const { l1TtlMs, l2TtlMs } = this.resolve(options, value);
      const refusedBy = await this.store(key, value, l1TtlMs, l2TtlMs, tagsFor(options, value), loadedAt);
      if (refusedBy === undefined || attempt === 2) return value;
      this.fenced.rememberKey(key, refusedBy);
    }
  }

  /**
   * `loadedAt`: the position a fenced load read at ('' when it needed none). Redis then refuses the
   * value if an invalidation of its key or tags carried a later position (it was read before that
   * write): it is kept out of L1 too, and that position is returned.
   */
  private async store(
    key: string,
    value: unknown,
    l1TtlMs: number,
    l2TtlMs: number,
    tags: readonly string[],
    loadedAt?: string,
  ): Promise<string | undefined> {
    try {
      const stored = await this.breaker.execute(() => this.l2.set(key, value, l2TtlMs, tags, loadedAt));
      if ('refusedBy' in stored) return stored.refusedBy;
      this.l1.set(key, value, stored.jsonBytes, l1TtlMs, tags);
      if (stored.evicted.length > 0) this.dropEvicted(stored.evicted);
    } catch {
      // Redis unavailable: L1 alone. The size is measured here since L2 did not.
      this.l1.set(key, value, Buffer.byteLength(JSON.stringify(value)), l1TtlMs, tags);
    }
    return undefined;
  }

  /** Entries L2 evicted to keep a tag bounded: no instance may keep serving its L1 copy. */
  private dropEvicted(keys: string[]): void {
    const message = { keys, tags: [] };
    this.dropLocal(message, 'local');
    void this.breaker.execute(() => this.bus.publish(message)).catch(() => undefined);
  }

  private async timeLoad<T>(loader: () => Promise<T>): Promise<T> {
    const end = this.loads.startTimer();
    try {
      const value = await loader();
      end({ result: 'success' });
      return value;
    } catch (error) {
      end({ result: 'error' });
      throw error;
    }
  }

  private dropLocal(message: InvalidationMessage, origin: 'local' | 'remote'): void {
    // First, so that no load starting after this can read below the position.
    this.fenced.remember(message);
    for (const key of message.keys) {
      this.l1.delete(key);
      this.flights.invalidate(key);
      this.invalidations.inc({ scope: 'key', origin });
    }
    for (const tag of message.tags) {
      this.l1.deleteTag(tag);
      this.invalidations.inc({ scope: 'tag', origin });
    }
    // A load in flight may carry a tag being dropped; its tags are not tracked, so stop them all.
    if (message.tags.length > 0) this.flights.invalidateAll();
  }

  private dropAllLocal(reason: string): void {
    this.logger.warn({ reason }, 'clearing L1');
    this.l1.clear();
    this.flights.invalidateAll();
    this.invalidations.inc({ scope: 'all', origin: 'local' });
  }

  private async invalidateShared(message: InvalidationMessage): Promise<void> {
    try {
      // Not through the breaker: an invalidation must be attempted even while reads are shed.
      // Marked first: from then on Redis refuses values loaded before the position (see store).
      const retainMs = this.fenced.retainMs;
      if (message.position !== undefined && retainMs !== undefined) {
        await this.l2.mark(message.keys, message.tags, message.position, retainMs);
      }
      const tagged = await Promise.all(message.tags.map((tag) => this.l2.deleteTag(tag)));
      await this.l2.delete(message.keys);
      await this.bus.publish({
        keys: [...message.keys, ...tagged.flat()],
        tags: message.tags,
        position: message.position,
      });
    } catch (error) {
      this.remember(message);
      this.logger.warn({ err: (error as Error).message }, 'invalidation kept to retry when Redis is back');
    }
  }

  private remember(message: InvalidationMessage): void {
    for (const key of message.keys) this.pending.keys.add(key);
    for (const tag of message.tags) this.pending.tags.add(tag);
    this.pending.position = laterPosition(this.pending.position, message.position);
    if (this.pending.keys.size + this.pending.tags.size > PENDING_LIMIT) {
      // Too much to replay key by key: the L2 entries left behind expire on their TTL.
      this.logger.error({ limit: PENDING_LIMIT }, 'pending invalidations over the limit; dropped');
      this.pending.keys.clear();
      this.pending.tags.clear();
      this.pending.position = undefined;
      return;
    }
    // A reconnect triggers a replay at once ('ready'); a Redis that hung and recovered without
    // dropping the connection does not, so retry on a timer as well.
    this.retryTimer ??= setTimeout(() => {
      this.retryTimer = undefined;
      void this.flushPending();
    }, PENDING_RETRY_MS).unref();
  }

  private async flushPending(): Promise<void> {
    if (this.pending.keys.size === 0 && this.pending.tags.size === 0) return;
    const message = {
      keys: [...this.pending.keys],
      tags: [...this.pending.tags],
      position: this.pending.position,
    };
    this.pending.keys.clear();
    this.pending.tags.clear();
    this.pending.position = undefined;
    this.logger.log({ keys: message.keys.length, tags: message.tags.length }, 'replaying invalidations');
    await this.invalidateShared(message);
  }
}

function tagsFor<T>(options: CacheEntryOptions<T>, value: T): readonly string[] {
  return typeof options.tags === 'function' ? options.tags(value) : (options.tags ?? []);
}
