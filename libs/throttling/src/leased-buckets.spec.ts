import { describe, expect, it } from 'vitest';
import { takeTokens, type BucketLimits, type BucketState } from './bucket-math';
import { LeasedBuckets, type LeaseFetch } from './leased-buckets';

/**
 * A fake Redis bucket with the lease script's arithmetic (pure logic, fake clock): lets the tests
 * count Redis calls and compare admissions with and without leases.
 */
function fakeRedis(clock: { now: number }) {
  const buckets = new Map<string, BucketState>();
  let calls = 0;
  const fetch: LeaseFetch = async (key, limits, want, required) => {
    calls++;
    const { state } = takeTokens(buckets.get(key), limits, 0, clock.now);
    let granted = 0;
    if (state.tokens >= required) {
      granted = Math.min(want, Math.max(required, Math.floor(state.tokens / 4)));
      state.tokens -= granted;
    }
    buckets.set(key, state);
    const perMs = limits.ratePerMinute / 60_000;
    return {
      granted,
      remaining: Math.floor(state.tokens),
      retryAfterMs: granted === 0 ? Math.ceil((required - state.tokens) / perMs) : 0,
      resetMs: Math.ceil((limits.burst - state.tokens) / perMs),
    };
  };
  return { fetch, calls: () => calls };
}

const settings = { maxTokens: 100, ttlMs: 1_000, maxKeys: 1_000 };

describe('LeasedBuckets', () => {
  it('a quiet key leases one token per request', async () => {
    const clock = { now: 0 };
    const redis = fakeRedis(clock);
    const buckets = new LeasedBuckets(settings, redis.fetch, () => clock.now);
    const limits = { burst: 150, ratePerMinute: 100 };
    for (let i = 0; i < 5; i++) {
      clock.now += 10_000;
      expect((await buckets.take('k', limits, 1)).allowed).toBe(true);
    }
    expect(redis.calls()).toBe(5);
  });

  it('a busy key spends most requests locally, synchronously', async () => {
    const clock = { now: 0 };
    const redis = fakeRedis(clock);
    const buckets = new LeasedBuckets(settings, redis.fetch, () => clock.now);
    const limits: BucketLimits = { burst: 10_000, ratePerMinute: 600_000 };
    let sync = 0;
    for (let i = 0; i < 5_000; i++) {
      clock.now += 1; // 1,000 requests per second
      const local = buckets.tryTake('hot', limits, 1);
      if (local) sync++;
      else expect((await buckets.take('hot', limits, 1)).allowed).toBe(true);
    }
    expect(sync).toBeGreaterThan(4_800);
    expect(redis.calls()).toBeLessThan(200);
  });

  it('admits exactly the burst at once, and refuses the rest without asking Redis each time', async () => {
    const clock = { now: 0 };
    const redis = fakeRedis(clock);
    const buckets = new LeasedBuckets(settings, redis.fetch, () => clock.now);
    const limits = { burst: 150, ratePerMinute: 100 };
    const decisions = await Promise.all(Array.from({ length: 400 }, () => buckets.take('k', limits, 1)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(150);
    const refused = decisions.find((d) => !d.allowed)!;
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    const callsAfterBurst = redis.calls();
    for (let i = 0; i < 100; i++) expect(buckets.tryTake('k', limits, 1)?.allowed).toBe(false);
    expect(redis.calls()).toBe(callsAfterBurst);
  });

  it('never admits more than the Redis bucket granted, over time and across processes', async () => {
    const clock = { now: 0 };
    const redis = fakeRedis(clock);
    const processes = [1, 2, 3].map(() => new LeasedBuckets(settings, redis.fetch, () => clock.now));
    const limits = { burst: 100, ratePerMinute: 6_000 }; // 100 per second
    let admitted = 0;
    const durationMs = 10_000;
    for (let t = 0; t < durationMs; t += 2) {
      clock.now = t;
      for (const p of processes) if ((await p.take('shared', limits, 1)).allowed) admitted++;
    }
    expect(admitted).toBeLessThanOrEqual(100 + (100 * durationMs) / 1_000);
    // Leases cost at most one lease per process of what a single bucket would admit.
    expect(admitted).toBeGreaterThanOrEqual(100 + (100 * durationMs) / 1_000 - 3 * settings.maxTokens);
  });

  it('lets unspent tokens expire with their lease', async () => {
    const clock = { now: 0 };
    const redis = fakeRedis(clock);
    const buckets = new LeasedBuckets({ ...settings, ttlMs: 100 }, redis.fetch, () => clock.now);
    const limits: BucketLimits = { burst: 1_000, ratePerMinute: 60 };
    for (let i = 0; i < 50; i++) {
      clock.now += 1;
      await buckets.take('k', limits, 1);
    }
    expect(buckets.tryTake('k', limits, 1)).toBeDefined();
    clock.now += 101;
    expect(buckets.tryTake('k', limits, 1)).toBeUndefined();
  });

  it('shares one Redis call among concurrent requests and rejects them all if Redis fails', async () => {
    let calls = 0;
    const buckets = new LeasedBuckets(settings, async () => {
      calls++;
      throw new Error('redis down');
    });
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => buckets.take('k', { burst: 10, ratePerMinute: 60 }, 1)),
    );
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(calls).toBe(1);
  });
});
