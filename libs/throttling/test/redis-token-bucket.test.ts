import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisTokenBucket } from '@platform/throttling';
import type { RedisClient } from '@platform/redis';
import { deleteRedisKeys, openTestRedis, randomSuffix } from '../../../test/support/libs';

describe('the token-bucket Lua script on the real Redis', () => {
  let redis: RedisClient;
  let bucket: RedisTokenBucket;
  const prefix = `test:${randomSuffix()}:`;

  beforeAll(() => {
    redis = openTestRedis();
    bucket = new RedisTokenBucket(redis, prefix);
  });
  afterAll(async () => {
    await deleteRedisKeys(prefix);
    redis.disconnect();
  });

  it('keeps one small hash per bucket, whatever the number of hits, and lets it expire once full', async () => {
    const limits = { burst: 5, ratePerMinute: 600 }; // full again 0.5 s after the last take
    const results = await Promise.all(Array.from({ length: 1_000 }, () => bucket.take('k', limits, 1)));
    expect(results.filter((r) => r.allowed).length).toBeLessThanOrEqual(5 + 1);
    expect(await redis.hlen(`${prefix}rl:k`)).toBe(2);
    const ttl = await redis.pttl(`${prefix}rl:k`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(500 + 1_000);
  });

  it('gives back what a take took, never above the burst', async () => {
    const limits = { burst: 3, ratePerMinute: 1 };
    for (let i = 0; i < 3; i += 1) expect((await bucket.take('refund', limits, 1)).allowed).toBe(true);
    expect((await bucket.take('refund', limits, 1)).allowed).toBe(false);
    await bucket.giveBack('refund', limits, 1);
    expect(await bucket.take('refund', limits, 1)).toMatchObject({ allowed: true, remaining: 0 });
    await bucket.giveBack('refund', limits, 10);
    expect(await bucket.take('refund', limits, 0)).toMatchObject({ allowed: true, remaining: 3 });
  });

  it('looking (cost 0) creates nothing; a missing bucket is full', async () => {
    const look = await bucket.take('fresh', { burst: 7, ratePerMinute: 60 }, 0);
    expect(look).toMatchObject({ allowed: true, remaining: 7, source: 'redis' });
    expect(await redis.exists(`${prefix}rl:fresh`)).toBe(0);
  });
});
