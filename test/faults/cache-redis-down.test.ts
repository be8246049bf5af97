import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TieredCache } from '@platform/cache';
import { issueApiKey } from '@platform/database';
import { Redis } from 'ioredis';
import {
  createTestDatabase,
  PrivateRedis,
  randomSuffix,
  startInProcess,
  testEnv,
  type RunningApp,
  type TestDatabase,
} from '../support';

/** Runs `total` calls of `fn`, `concurrency` at a time; returns every result. */
async function load<T>(total: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = (next += 1) - 1;
        results[i] = await fn(i);
      }
    }),
  );
  return results;
}

describe('cache with its Redis stopped (private redis-server)', () => {
  let redis: PrivateRedis;
  let db: TestDatabase;
  let api: RunningApp;
  let cache: TieredCache;
  let otherApi: RunningApp;
  let other: TieredCache;
  let inspect: Redis;
  let warmKeys: string[];
  const prefix = `test:${randomSuffix()}:`;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    db = await createTestDatabase();
    const env = { DATABASE_URL: db.url, REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix };
    [api, otherApi] = await Promise.all([
      startInProcess('api', testEnv(env)),
      startInProcess('api', testEnv(env)),
    ]);
    cache = api.app.get(TieredCache);
    other = otherApi.app.get(TieredCache);
    inspect = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    inspect.on('error', () => undefined);
    warmKeys = await Promise.all(
      ['a', 'b', 'c'].map(async (n) => (await issueApiKey(db.dataSource, n, 'free')).key),
    );
  });
  afterAll(async () => {
    inspect?.disconnect();
    await otherApi?.close();
    await api?.close();
    await db?.drop();
    await redis?.destroy();
  });

  const me = (key: string) => fetch(`${api.baseUrl}/v1/me`, { headers: { 'x-api-key': key } });

  it('serves L1, calls loaders on misses and fails no request; uses L2 again once Redis is back', async () => {
    for (const key of warmKeys) expect((await me(key)).status).toBe(200);
    for (const key of warmKeys) expect((await me(key)).headers.get('x-cache')).toBe('HIT-L1');
    await cache.set('warm', { v: 1 });
    const coldKeys = await Promise.all(
      Array.from({ length: 5 }, async (_, i) => (await issueApiKey(db.dataSource, `cold${i}`, 'free')).key),
    );

    await redis.stop();

    // HTTP under load: warm callers (L1 all the way) and cold ones (API key, response from Postgres).
    const started = performance.now();
    const responses = await load(600, 30, async (i) => {
      const key = i % 4 === 3 ? coldKeys[i % coldKeys.length] : warmKeys[i % warmKeys.length];
      const res = await me(key);
      return { status: res.status, xCache: res.headers.get('x-cache') };
    });
    const elapsed = performance.now() - started;
    const statuses = new Map<number, number>();
    for (const r of responses) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    console.log(`600 requests with Redis stopped in ${elapsed.toFixed(0)} ms:`, Object.fromEntries(statuses));
    expect(statuses.get(200)).toBe(600);
    expect(responses.filter((r) => r.xCache === 'HIT-L1').length).toBeGreaterThan(400);
    expect(cache.breakerState).toBe('open');

    // The cache API directly: L1 answers, a miss calls the loader (once for concurrent callers).
    expect(await cache.lookup('warm')).toEqual({ value: { v: 1 }, source: 'l1' });
    let loads = 0;
    const values = await Promise.all(
      Array.from({ length: 100 }, () =>
        cache.wrapWithSource('cold', async () => {
          loads += 1;
          await sleep(10);
          return 'loaded';
        }),
      ),
    );
    expect(loads).toBe(1);
    expect(values.every((v) => v.value === 'loaded' && v.source === 'loader')).toBe(true);
    expect(await cache.lookup('cold')).toEqual({ value: 'loaded', source: 'l1' });
    // Invalidation still works locally while Redis is gone.
    await cache.del('cold');
    expect(await cache.get('cold')).toBeUndefined();

    await redis.resume();
    // Another instance writes to L2; this one reads it from L2 once its breaker lets calls through.
    await other.set('after', 'from-l2').catch(() => undefined);
    const back = performance.now();
    let seen: unknown;
    while (performance.now() - back < 30_000) {
      await other.set('after', 'from-l2');
      seen = await cache.lookup('after');
      if ((seen as { source?: string } | undefined)?.source === 'l2') break;
      await sleep(200);
    }
    console.log(`L2 in use again ${(performance.now() - back).toFixed(0)} ms after Redis came back`);
    expect(seen).toEqual({ value: 'from-l2', source: 'l2' });
    expect(cache.breakerState).toBe('closed');
    // Invalidations sent while the subscription was down were lost, so L1 was cleared on resubscribe.
    const metrics = await (await fetch(`${api.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/cache_invalidations_total\{scope="all",origin="local"\} [1-9]/);
    // And the HTTP path writes to L2 again: a response cached here is a HIT-L2 on the other side.
    const fresh = (await issueApiKey(db.dataSource, 'fresh', 'free')).key;
    expect((await me(fresh)).headers.get('x-cache')).toBe('MISS');
    const keys = await inspect.keys(`${prefix}{cache}:v:http:*`);
    expect(keys.length).toBeGreaterThan(0);

    // Invalidation reaches the other instance again: its subscription came back with Redis.
    await cache.set('again', 1);
    expect(await other.lookup('again')).toEqual({ value: 1, source: 'l2' });
    expect(await other.lookup('again')).toEqual({ value: 1, source: 'l1' });
    await cache.del('again');
    const deleted = performance.now();
    while ((await other.lookup('again')) !== undefined) {
      if (performance.now() - deleted > 2_000) throw new Error('the other instance kept its copy');
      await sleep(1);
    }
  });

  it('an invalidation made while Redis hangs is replayed once it answers again', async () => {
    await cache.set('paused', 'old');
    expect(await other.lookup('paused')).toEqual({ value: 'old', source: 'l2' }); // now in other's L1 too
    redis.pause();
    try {
      const started = performance.now();
      await cache.del('paused'); // times out against the hung server; kept to replay
      console.log(`del with Redis paused returned after ${(performance.now() - started).toFixed(0)} ms`);
      expect(await cache.get('paused')).toBeUndefined(); // this instance forgot it at once
    } finally {
      redis.unpause();
    }
    // The replay deletes L2 and tells the other instance, without a reconnect to trigger it.
    const resumed = performance.now();
    while (
      (await inspect.exists(`${prefix}{cache}:v:paused`)) === 1 ||
      (await other.get('paused')) !== undefined
    ) {
      if (performance.now() - resumed > 10_000) throw new Error('the invalidation was not replayed');
      await sleep(50);
    }
    console.log(`replayed ${(performance.now() - resumed).toFixed(0)} ms after Redis answered again`);
  });
});
