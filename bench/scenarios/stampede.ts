import { setTimeout as sleep } from 'node:timers/promises';
import { createCache } from 'cache-manager';
import { CACHE_L2_BREAKER, TieredCache } from '@platform/cache';
import { currentEnv, loadConfig, type AppConfig } from '@platform/config';
import { closeRedis, createRedis, waitUntilReady } from '@platform/redis';
import { CircuitBreakerRegistry } from '@platform/resilience';
import { randomBytes } from 'node:crypto';
import type { BenchResult, Scenario } from '../bench-contract';

/**
 * Concurrent cold misses → loads. For each of `--keys` cold keys, `--concurrency` callers (1000 by
 * default) ask for it at once; the loader stands for a database read of `--load-ms`. Compared, in one
 * run, against the same Redis:
 * - baseline: cache-manager 7 used the common way (get; on a miss load, then set), no single-flight;
 * - cache-manager's own `wrap` (it coalesces within one process);
 * - TieredCache.wrap on one instance, and on two instances sharing Redis (half the callers each).
 * Needs the local Redis (REDIS_URL); keys go under a random prefix and are deleted afterwards.
 */

interface Variant {
  name: string;
  /** Answers one caller for `key`, counting loads through `loader`. */
  get(key: string, loader: () => Promise<unknown>): Promise<unknown>;
}

interface Measured {
  name: string;
  loadsPerKey: number;
  maxLoadsPerKey: number;
  msPerKey: number;
}

async function measure(
  variant: Variant,
  keys: number,
  concurrency: number,
  loadMs: number,
): Promise<Measured> {
  let totalLoads = 0;
  let maxLoads = 0;
  const started = performance.now();
  for (let k = 0; k < keys; k += 1) {
    const key = `stampede:${variant.name}:${k}:${randomBytes(4).toString('hex')}`;
    let loads = 0;
    const loader = async () => {
      loads += 1;
      await sleep(loadMs);
      return { key, payload: 'x'.repeat(200) };
    };
    await Promise.all(Array.from({ length: concurrency }, () => variant.get(key, loader)));
    totalLoads += loads;
    maxLoads = Math.max(maxLoads, loads);
  }
  return {
    name: variant.name,
    loadsPerKey: totalLoads / keys,
    maxLoadsPerKey: maxLoads,
    msPerKey: (performance.now() - started) / keys,
  };
}

async function openTiered(config: AppConfig, breakers: CircuitBreakerRegistry) {
  const settings = {
    url: config.redis.url,
    commandTimeoutMs: config.redis.commandTimeoutMs,
    connectionName: 'bench',
  };
  const redis = createRedis('commands', settings);
  const subscriber = createRedis('subscriber', settings);
  await Promise.all([waitUntilReady(redis, 2_000), waitUntilReady(subscriber, 2_000)]);
  const cache = new TieredCache(
    { keyPrefix: config.redis.keyPrefix, ...config.cache },
    redis,
    subscriber,
    breakers.get(CACHE_L2_BREAKER),
  );
  await cache.start();
  return {
    cache,
    redis,
    close: async () => {
      await cache.stop();
      await Promise.all([closeRedis(redis), closeRedis(subscriber)]);
    },
  };
}

export const run: Scenario = async (options): Promise<BenchResult> => {
  const keys = Number(options.flags.keys ?? 20);
  const concurrency = Number(options.flags.concurrency ?? 1000);
  const loadMs = Number(options.flags['load-ms'] ?? 5);
  const prefix = `bench:stampede:${randomBytes(4).toString('hex')}:`;
  const config = loadConfig({ ...currentEnv(), REDIS_KEY_PREFIX: prefix, LOG_LEVEL: 'warn' });
  const breakers = new CircuitBreakerRegistry(config);
  const one = await openTiered(config, breakers);
  const two = await openTiered(config, breakers);
  const manager = createCache({ ttl: 60_000 });
  try {
    let turn = 0;
    const variants: Variant[] = [
      {
        name: 'baseline: cache-manager get → load → set',
        get: async (key, loader) => {
          const hit = await manager.get(key);
          if (hit !== undefined) return hit;
          const value = await loader();
          await manager.set(key, value);
          return value;
        },
      },
      { name: 'cache-manager wrap', get: (key, loader) => manager.wrap(key, loader) },
      { name: 'TieredCache.wrap, 1 instance', get: (key, loader) => one.cache.wrap(key, loader) },
      {
        name: 'TieredCache.wrap, 2 instances',
        get: (key, loader) => ((turn += 1) % 2 === 0 ? one : two).cache.wrap(key, loader),
      },
    ];
    const measured: Measured[] = [];
    for (const variant of variants) {
      options.progress(`stampede: ${variant.name}`);
      measured.push(await measure(variant, keys, concurrency, loadMs));
    }
    const [baseline, , tiered, tieredTwo] = measured;
    return {
      scenario: 'stampede',
      rows: measured.map((m) => ({
        variant: m.name,
        'loads/key': m.loadsPerKey,
        'max loads/key': m.maxLoadsPerKey,
        'ms/key (all callers answered)': m.msPerKey.toFixed(1),
      })),
      figures: {
        keys,
        concurrency,
        loadMs,
        loadsPerKey: tiered.loadsPerKey,
        loadsPerKeyTwoInstances: tieredTwo.loadsPerKey,
        cacheManagerWrapLoadsPerKey: measured[1].loadsPerKey,
        msPerKey: Number(tiered.msPerKey.toFixed(2)),
        baseline: {
          variant: baseline.name,
          loadsPerKey: baseline.loadsPerKey,
          msPerKey: Number(baseline.msPerKey.toFixed(2)),
        },
        // How many times fewer loads than the baseline.
        ratio: Number((baseline.loadsPerKey / tiered.loadsPerKey).toFixed(1)),
      },
    };
  } finally {
    const leftovers = await one.redis.keys(`${prefix}*`);
    if (leftovers.length > 0) await one.redis.del(...leftovers);
    await one.close();
    await two.close();
    breakers.onApplicationShutdown();
  }
};
