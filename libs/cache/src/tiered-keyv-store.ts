import { EventEmitter } from 'node:events';
import type { KeyvStoreAdapter, StoredData } from 'keyv';
import type { TieredCache } from './tiered-cache';

/**
 * Lets cache-manager (and so `CACHE_MANAGER`) run on the tiered cache: a Keyv store whose get / set /
 * delete are TieredCache's, so code written against cache-manager gets L1 refill, the breaker and
 * cross-instance invalidation on `del`. Keyv hands over `{ value, expires }` objects (serialization
 * is off), which are stored as they are.
 */
export class TieredKeyvStore extends EventEmitter implements KeyvStoreAdapter {
  opts: Record<string, unknown> = {};
  namespace?: string;

  constructor(private readonly cache: TieredCache) {
    super();
  }

  get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    return this.cache.get<StoredData<Value>>(key);
  }

  async set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    await this.cache.set(key, value, ttl ? { ttlMs: ttl } : {});
    return true;
  }

  async delete(key: string): Promise<boolean> {
    await this.cache.del(key);
    return true;
  }

  /** Clearing every instance's cache is not offered: invalidate by key or tag instead. */
  async clear(): Promise<void> {
    throw new Error('TieredKeyvStore.clear is not supported; use del or TieredCache.invalidateTags');
  }
}
