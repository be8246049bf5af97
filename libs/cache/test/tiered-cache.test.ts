import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomSuffix, waitFor } from '../../../test/support/libs';
import { openTestCache, type TestCache } from './open-test-cache';

/** Every test gets its own keys; the prefix is shared by the two instances A and B. */
let n = 0;
const freshKey = () => `k${(n += 1)}:${randomSuffix()}`;

describe('TieredCache against real Redis', () => {
  const prefix = `test:${randomSuffix()}:`;
  let a: TestCache;
  let b: TestCache;

  beforeAll(async () => {
    a = await openTestCache({ REDIS_KEY_PREFIX: prefix });
    b = await openTestCache({ REDIS_KEY_PREFIX: prefix });
  });
  afterAll(async () => {
    const keys = await a?.redis.keys(`${prefix}*`);
    if (keys?.length) await a.redis.del(...keys);
    await a?.close();
    await b?.close();
  });

  it('expires entries after their TTL in both layers', async () => {
    const key = freshKey();
    await a.cache.set(key, { v: 1 }, { ttlMs: 150 });
    expect(await a.cache.lookup(key)).toEqual({ value: { v: 1 }, source: 'l1' });
    expect(await b.cache.lookup(key)).toEqual({ value: { v: 1 }, source: 'l2' });
    await sleep(250);
    expect(await a.cache.get(key)).toBeUndefined();
    expect(await b.cache.get(key)).toBeUndefined();
    expect(await a.redis.exists(`${prefix}{cache}:v:${key}`)).toBe(0);
  });

  it('getMany reads L1, then the rest from L2 in one round trip, refilling L1', async () => {
    const [inL1, inL2, absent] = [freshKey(), freshKey(), freshKey()];
    await b.cache.set(inL1, 'one');
    await a.cache.set(inL2, { two: 2 });
    await b.cache.get(inL1);
    const found = await b.cache.getMany([inL1, inL2, absent]);
    expect([...found]).toEqual([
      [inL1, 'one'],
      [inL2, { two: 2 }],
    ]);
    expect(await b.cache.lookup(inL2)).toEqual({ value: { two: 2 }, source: 'l1' });
  });

  it("fill stores in both layers without dropping other instances' copies", async () => {
    const key = freshKey();
    await a.cache.set(key, 'old');
    // The set's own broadcast must reach B before B reads, or it would drop B's copy afterwards.
    await sleep(100);
    expect(await b.cache.lookup(key)).toEqual({ value: 'old', source: 'l2' });
    await a.cache.fill(key, 'read again');
    await sleep(100);
    // B keeps its copy (a fill is not a change); a new reader gets the filled value from L2.
    expect(await b.cache.lookup(key)).toEqual({ value: 'old', source: 'l1' });
    const c = await openTestCache({ REDIS_KEY_PREFIX: prefix });
    try {
      expect(await c.cache.lookup(key)).toEqual({ value: 'read again', source: 'l2' });
    } finally {
      await c.close();
    }
  });

  it('an L2 hit refills L1, for no longer than the entry has left in L2', async () => {
    const key = freshKey();
    await a.cache.set(key, 'hello', { ttlMs: 400 });
    expect(await b.cache.lookup(key)).toEqual({ value: 'hello', source: 'l2' });
    expect(await b.cache.lookup(key)).toEqual({ value: 'hello', source: 'l1' });
    // B's default L1 TTL is 60 s, but its copy goes when the L2 entry does.
    await sleep(500);
    expect(await b.cache.lookup(key)).toBeUndefined();
  });

  it('a shorter L1 TTL sends reads back to L2, which refills L1', async () => {
    const key = freshKey();
    await a.cache.set(key, 42, { l1TtlMs: 50, l2TtlMs: 10_000 });
    await sleep(100);
    expect(await a.cache.lookup(key)).toEqual({ value: 42, source: 'l2' });
    expect(await a.cache.lookup(key)).toEqual({ value: 42, source: 'l1' });
  });

  it('bounds L1 by entry count: the least recently used falls back to L2', async () => {
    const small = await openTestCache({ REDIS_KEY_PREFIX: prefix, CACHE_L1_MAX_ENTRIES: '3' });
    try {
      const keys = [freshKey(), freshKey(), freshKey(), freshKey()];
      for (const key of keys) await small.cache.set(key, key);
      expect(small.cache.l1Entries).toBe(3);
      expect(await small.cache.lookup(keys[0])).toEqual({ value: keys[0], source: 'l2' });
      expect(await small.cache.lookup(keys[3])).toEqual({ value: keys[3], source: 'l1' });
    } finally {
      await small.close();
    }
  });

  it('bounds L1 by bytes', async () => {
    const small = await openTestCache({ REDIS_KEY_PREFIX: prefix, CACHE_L1_MAX_BYTES: '10000' });
    try {
      const keys = Array.from({ length: 10 }, () => freshKey());
      for (const key of keys) await small.cache.set(key, 'x'.repeat(898)); // 900 bytes of JSON each
      expect(small.cache.l1Bytes).toBeLessThanOrEqual(10_000);
      expect(small.cache.l1Entries).toBe(10);
      for (const key of keys) await small.cache.set(`${key}:more`, 'y'.repeat(898));
      expect(small.cache.l1Bytes).toBeLessThanOrEqual(10_000);
      expect(small.cache.l1Entries).toBe(11);
      // The evicted ones are still in L2.
      expect(await small.cache.lookup(keys[0])).toEqual({ value: 'x'.repeat(898), source: 'l2' });
    } finally {
      await small.close();
    }
  });

  it('stores a value over 1 KiB in fewer bytes than its JSON and reads it back intact', async () => {
    const key = freshKey();
    const value = {
      userId: 7,
      recommended_categories: Array.from({ length: 80 }, (_, i) => ({
        category: `category-${i % 13}`,
        score: Math.round((i / 80) * 1000) / 1000,
        reason: 'recent searches and purchases',
      })),
    };
    const jsonBytes = Buffer.byteLength(JSON.stringify(value));
    await a.cache.set(key, value);
    const stored = await a.l2.storedBytes(key);
    expect(jsonBytes).toBeGreaterThan(1024);
    expect(stored).toBeLessThan(jsonBytes / 3);
    expect(await b.cache.lookup(key)).toEqual({ value, source: 'l2' });
    // A small value is stored as it is (one byte of header).
    const small = freshKey();
    await a.cache.set(small, { a: 1 });
    expect(await a.l2.storedBytes(small)).toBe(Buffer.byteLength('{"a":1}') + 1);
  });

  it('1000 concurrent wraps of a cold key run the loader once', async () => {
    const key = freshKey();
    let loads = 0;
    const loader = async () => {
      loads += 1;
      await sleep(20);
      return { loadedAt: Date.now() };
    };
    const results = await Promise.all(Array.from({ length: 1000 }, () => a.cache.wrap(key, loader)));
    expect(loads).toBe(1);
    expect(new Set(results.map((r) => r.loadedAt)).size).toBe(1);
    // Then it is cached: no further load, here or on the other instance.
    await a.cache.wrap(key, loader);
    await b.cache.wrap(key, loader);
    expect(loads).toBe(1);
  });

  it("a loader's error reaches every waiter and is not cached", async () => {
    const key = freshKey();
    let loads = 0;
    const failing = async () => {
      loads += 1;
      await sleep(20);
      throw new Error('database down');
    };
    const results = await Promise.allSettled(Array.from({ length: 1000 }, () => a.cache.wrap(key, failing)));
    expect(loads).toBe(1);
    expect(
      results.every((r) => r.status === 'rejected' && (r.reason as Error).message === 'database down'),
    ).toBe(true);
    expect(await a.redis.exists(`${prefix}{cache}:v:${key}`)).toBe(0);
    expect(await a.cache.wrap(key, async () => 'recovered')).toBe('recovered');
    expect(loads).toBe(1);
  });

  it('null is a value: stored and found in both layers', async () => {
    const key = freshKey();
    await a.cache.set(key, null);
    expect(await a.cache.lookup(key)).toEqual({ value: null, source: 'l1' });
    expect(await b.cache.lookup(key)).toEqual({ value: null, source: 'l2' });
  });

  it('undefined from a loader is returned but not stored', async () => {
    const key = freshKey();
    let loads = 0;
    const loader = async () => {
      loads += 1;
      return undefined;
    };
    expect(await a.cache.wrap(key, loader)).toBeUndefined();
    expect(await a.cache.wrap(key, loader)).toBeUndefined();
    expect(loads).toBe(2);
  });

  it('a TTL that depends on the value: "not found" is remembered for less long than what was found', async () => {
    const [found, missing] = [freshKey(), freshKey()];
    const ttlMs = (value: string | null) => (value === null ? 150 : 60_000);
    await a.cache.wrap(found, async () => 'here', { ttlMs });
    await a.cache.wrap(missing, async () => null, { ttlMs });
    expect(await b.cache.lookup(missing)).toEqual({ value: null, source: 'l2' });
    const ttl = await a.redis.pttl(`${prefix}{cache}:v:${missing}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(150);
    await sleep(250);
    expect(await a.cache.lookup(missing)).toBeUndefined();
    expect(await b.cache.lookup(missing)).toBeUndefined();
    expect(await a.cache.lookup(found)).toEqual({ value: 'here', source: 'l1' });
    expect(await a.redis.pttl(`${prefix}{cache}:v:${found}`)).toBeGreaterThan(59_000);
  });

  /** Resolves with the ms until `check` holds, polling on every turn of the event loop. */
  async function timeUntil(check: () => boolean, limitMs = 2_000): Promise<number> {
    const start = performance.now();
    while (!check()) {
      if (performance.now() - start > limitMs) throw new Error(`not within ${limitMs} ms`);
      await new Promise((r) => setImmediate(r));
    }
    return performance.now() - start;
  }

  it('invalidating a key on one instance drops it from the other L1 (timed)', async () => {
    const timings: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      const key = freshKey();
      await a.cache.set(key, i);
      await b.cache.get(key); // refills B's L1
      expect((await b.cache.lookup(key))?.source).toBe('l1');
      const entries = b.cache.l1Entries;
      const started = performance.now();
      await a.cache.del(key);
      await timeUntil(() => b.cache.l1Entries < entries);
      timings.push(performance.now() - started);
      expect(await b.cache.get(key)).toBeUndefined();
    }
    timings.sort((x, y) => x - y);
    const median = timings[Math.floor(timings.length / 2)];
    console.log(
      `key invalidation reached the other instance: median ${median.toFixed(2)} ms, max ${timings.at(-1)!.toFixed(2)} ms`,
    );
    // Well under 100 ms on loopback; the bound is loose for a loaded 2-core machine.
    expect(median).toBeLessThan(100);
  });

  it('invalidating a tag drops every entry carrying it, on both instances (timed)', async () => {
    const tag = `user:${randomSuffix()}`;
    const keys = [freshKey(), freshKey(), freshKey()];
    const untagged = freshKey();
    for (const key of keys) await a.cache.wrap(key, async () => key, { tags: [tag] });
    await a.cache.set(untagged, 'stays');
    for (const key of [...keys, untagged]) await b.cache.get(key);
    const entries = b.cache.l1Entries;
    const started = performance.now();
    await a.cache.invalidateTags([tag]);
    const elapsed = await timeUntil(() => b.cache.l1Entries <= entries - keys.length);
    console.log(
      `tag invalidation (3 keys) reached the other instance in ${(performance.now() - started).toFixed(2)} ms`,
    );
    expect(elapsed).toBeLessThan(1_000);
    for (const key of keys) {
      expect(await a.cache.get(key)).toBeUndefined();
      expect(await b.cache.get(key)).toBeUndefined();
    }
    expect(await b.cache.lookup(untagged)).toEqual({ value: 'stays', source: 'l1' });
    expect(await a.redis.exists(`${prefix}{cache}:tz:${tag}`)).toBe(0);
  });

  it('tags that depend on the loaded value are indexed on an L2 refill too', async () => {
    const key = freshKey();
    const id = randomBytes(4).toString('hex');
    const options = { tags: (v: { id: string }) => [`item:${v.id}`] };
    await a.cache.wrap(key, async () => ({ id }), options);
    expect((await b.cache.wrapWithSource(key, async () => ({ id: 'never' }), options)).source).toBe('l2');
    await b.cache.invalidateTags([`item:${id}`]);
    // The message reaches A a moment later; L2 is already gone, so A reloads once L1 has dropped it.
    const start = performance.now();
    while (await a.cache.get(key)) {
      if (performance.now() - start > 2_000) throw new Error('A kept its copy');
      await sleep(1);
    }
    expect(await a.cache.wrapWithSource(key, async () => ({ id: 'reloaded' }), options)).toEqual({
      value: { id: 'reloaded' },
      source: 'loader',
    });
  });

  it('set on one instance makes the other drop its older L1 copy', async () => {
    const key = freshKey();
    await a.cache.set(key, 'v1');
    await b.cache.get(key);
    await a.cache.set(key, 'v2');
    const start = performance.now();
    while ((await b.cache.get(key)) !== 'v2') {
      if (performance.now() - start > 2_000) throw new Error('B kept v1');
      await sleep(1);
    }
  });

  describe('bounded tag indexes', () => {
    const capped = `test:${randomSuffix()}:`;
    let c: TestCache;
    let d: TestCache;
    beforeAll(async () => {
      c = await openTestCache({ REDIS_KEY_PREFIX: capped, CACHE_MAX_TAG_ENTRIES: '20' });
      d = await openTestCache({ REDIS_KEY_PREFIX: capped, CACHE_MAX_TAG_ENTRIES: '20' });
    });
    afterAll(async () => {
      const keys = await c?.redis.keys(`${capped}*`);
      if (keys?.length) await c.redis.del(...keys);
      await c?.close();
      await d?.close();
    });

    it('keeps at most CACHE_MAX_TAG_ENTRIES per tag, evicting the soonest to expire on every instance', async () => {
      const tag = `busy-${randomSuffix()}`;
      const keys = Array.from({ length: 50 }, (_, i) => `cap:${tag}:${i}`);
      // Later entries live longer, so the first ones are the soonest to expire. `fill` (not `set`):
      // a set's own broadcast would drop D's copies too, and this test is about the evictions'.
      const fill = (i: number) => c.cache.fill(keys[i], i, { ttlMs: 60_000 + i * 1_000, tags: [tag] });
      for (let i = 0; i < 20; i += 1) await fill(i);
      for (const key of keys.slice(0, 20)) await d.cache.get(key);
      expect(await d.cache.lookup(keys[0])).toEqual({ value: 0, source: 'l1' });
      for (let i = 20; i < 50; i += 1) await fill(i);
      expect(await c.l2.tagSize(tag)).toBe(20);
      for (const key of keys.slice(0, 30)) expect(await c.cache.lookup(key), key).toBeUndefined();
      // D held the first 20 in its L1: the evictions' broadcast drops them (a cluster delivers later).
      await waitFor(
        async () => (await Promise.all(keys.slice(0, 20).map((k) => d.cache.lookup(k)))).every((r) => !r),
        "D's copies of the evicted entries dropped",
        5_000,
      );
      expect(await d.cache.lookup(keys[49])).toEqual({ value: 49, source: 'l2' });
    });

    it('prunes expired entries from a tag as new ones arrive', async () => {
      const tag = `short-${randomSuffix()}`;
      for (let i = 0; i < 10; i += 1) await c.cache.set(`short:${tag}:${i}`, i, { ttlMs: 50, tags: [tag] });
      await sleep(120);
      await c.cache.set(`short:${tag}:last`, 'x', { ttlMs: 60_000, tags: [tag] });
      expect(await c.l2.tagSize(tag)).toBe(1);
    });
  });

  it('invalidates a tag of thousands of entries in bounded chunks, leaving none', async () => {
    const tag = `large-${randomSuffix()}`;
    const keys = Array.from({ length: 2_000 }, (_, i) => `large:${tag}:${i}`);
    for (let i = 0; i < keys.length; i += 200) {
      await Promise.all(
        keys.slice(i, i + 200).map((key) => a.cache.set(key, 1, { ttlMs: 60_000, tags: [tag] })),
      );
    }
    expect(await a.l2.tagSize(tag)).toBe(2_000);
    await a.cache.invalidateTags([tag]);
    expect(await a.l2.tagSize(tag)).toBe(0);
    const left = await a.redis.exists(...keys.map((key) => `${prefix}{cache}:v:${key}`));
    expect(left).toBe(0);
  });
});
