import { Inject, Module, type OnApplicationShutdown, type OnModuleInit, type Provider } from '@nestjs/common';
import { CACHE_MANAGER } from '@nestjs/cache-manager';
import { createCache } from 'cache-manager';
import { Keyv } from 'keyv';
import { APP_CONFIG, BREAKERS, type AppConfig } from '@platform/config';
import { REDIS_COMMANDS, REDIS_SUBSCRIBER, type RedisClient } from '@platform/redis';
import { CircuitBreakerRegistry } from '@platform/resilience';
import { HttpCacheInterceptor } from './http-cache.interceptor';
import { READ_FENCE, type ReadFence } from './read-fence';
import { TieredCache } from './tiered-cache';
import { TieredKeyvStore } from './tiered-keyv-store';

/** The breaker guarding every L2 call; tune with CIRCUIT_BREAKERS={"cache-l2":{...}}. */
export const CACHE_L2_BREAKER = BREAKERS.cacheL2;

const tieredCacheProvider: Provider = {
  provide: TieredCache,
  // The database module provides the read fence (reloads after an invalidation wait for its write);
  // without one, as in tests and tools that have no database, the cache works as before.
  inject: [
    APP_CONFIG,
    REDIS_COMMANDS,
    REDIS_SUBSCRIBER,
    CircuitBreakerRegistry,
    { token: READ_FENCE, optional: true },
  ],
  useFactory: (
    config: AppConfig,
    redis: RedisClient,
    subscriber: RedisClient,
    breakers: CircuitBreakerRegistry,
    fence: ReadFence | undefined,
  ) =>
    new TieredCache(
      { keyPrefix: config.redis.keyPrefix, ...config.cache },
      redis,
      subscriber,
      // A cache read must never wait long for Redis: give up after a short timeout and, once Redis
      // keeps failing, stop asking for a while (L1 and the loaders serve meanwhile).
      breakers.get(CACHE_L2_BREAKER, { timeoutMs: 500, volumeThreshold: 5, resetTimeoutMs: 5_000 }),
      fence,
    ),
};

/**
 * `CACHE_MANAGER` as users of @nestjs/cache-manager know it, backed by the tiered cache (its own
 * `wrap` coalesces concurrent calls too). `TieredCache` itself adds tags and per-layer TTLs.
 */
const cacheManagerProvider: Provider = {
  provide: CACHE_MANAGER,
  inject: [TieredCache],
  useFactory: (cache: TieredCache) =>
    createCache({
      stores: [
        new Keyv({
          store: new TieredKeyvStore(cache),
          serialize: undefined,
          deserialize: undefined,
          useKeyPrefix: false,
        }),
      ],
    }),
};

/**
 * Imported by each module that reads through the cache (a static module: they all share one
 * TieredCache). Not global, so its hooks run before the global Redis module's: the cache stops before
 * its connections close.
 */
@Module({
  providers: [tieredCacheProvider, cacheManagerProvider, HttpCacheInterceptor],
  exports: [TieredCache, CACHE_MANAGER, HttpCacheInterceptor],
})
export class TieredCacheModule implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(TieredCache) private readonly cache: TieredCache) {}

  async onModuleInit(): Promise<void> {
    await this.cache.start();
  }

  // Before RedisModule closes the connections (that happens in onApplicationShutdown).
  // After the HTTP server has drained (Nest runs onModuleDestroy before closing it), so requests that
  // finish during the drain still receive invalidations.
  async onApplicationShutdown(): Promise<void> {
    await this.cache.stop();
  }
}
