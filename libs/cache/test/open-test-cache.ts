import { TieredCache, CACHE_L2_BREAKER, type ReadFence } from '@platform/cache';
import { loadConfig, type AppConfig } from '@platform/config';
import { closeRedis, createRedis, waitUntilReady, type RedisClient } from '@platform/redis';
import { CircuitBreakerRegistry } from '@platform/resilience';
import { testEnv } from '../../../test/support/libs';
import { L2RedisStore } from '../src/l2-redis-store';

/**
 * What Redis holds for a cache with this key prefix (stored bytes of a key, entries a tag indexes),
 * read through the L2 store's own key layout rather than through TieredCache, which has no test-only
 * methods.
 */
export function l2Inspector(
  redis: RedisClient,
  keyPrefix: string,
): Pick<L2RedisStore, 'storedBytes' | 'tagSize'> {
  // Compression threshold and tag bound only matter for writes, which the inspector never does.
  return new L2RedisStore(redis, keyPrefix, Number.MAX_SAFE_INTEGER, 1);
}

export interface TestCache {
  cache: TieredCache;
  /** Reads what this cache stored in Redis. */
  l2: Pick<L2RedisStore, 'storedBytes' | 'tagSize'>;
  redis: RedisClient;
  /** The connection invalidation messages arrive on. */
  subscriber: RedisClient;
  config: AppConfig;
  close(): Promise<void>;
}

/**
 * A TieredCache wired as TieredCacheModule wires it (real Redis connections, a registry breaker),
 * without an app around it. Two of them with the same REDIS_KEY_PREFIX behave as two instances.
 */
export async function openTestCache(
  env: Record<string, string | undefined>,
  fence?: ReadFence,
): Promise<TestCache> {
  const config = loadConfig(testEnv(env));
  const settings = {
    url: config.redis.url,
    topology: config.redis.topology,
    commandTimeoutMs: config.redis.commandTimeoutMs,
    connectionName: 'cache-test',
  };
  const redis = createRedis('commands', settings);
  const subscriber = createRedis('subscriber', settings);
  for (const client of [redis, subscriber]) client.on('error', () => undefined);
  await Promise.all([waitUntilReady(redis, 2_000), waitUntilReady(subscriber, 2_000)]);
  const breakers = new CircuitBreakerRegistry(config);
  const cache = new TieredCache(
    { keyPrefix: config.redis.keyPrefix, ...config.cache },
    redis,
    subscriber,
    breakers.get(CACHE_L2_BREAKER, { timeoutMs: 500, volumeThreshold: 5, resetTimeoutMs: 5_000 }),
    fence,
  );
  const channel = `${config.redis.keyPrefix}cache:invalidate`;
  const before = await subscribers(redis, channel);
  await cache.start();
  // Subscribing is asynchronous; wait until Redis confirms it so a test's first publish is heard.
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline && (await subscribers(redis, channel)) <= before) {
    await new Promise((r) => setTimeout(r, 10));
  }
  return {
    cache,
    l2: l2Inspector(redis, config.redis.keyPrefix),
    redis,
    subscriber,
    config,
    close: async () => {
      await cache.stop();
      breakers.onApplicationShutdown();
      await Promise.all([closeRedis(redis), closeRedis(subscriber)]);
    },
  };
}

async function subscribers(redis: RedisClient, channel: string): Promise<number> {
  const reply = (await redis.pubsub('NUMSUB', channel).catch(() => [channel, -1])) as [string, number];
  return Number(reply[1]);
}
