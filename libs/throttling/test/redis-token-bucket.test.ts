import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisTokenBucket } from '@platform/throttling';
import { LOCAL_REDIS, randomSuffix } from '../../../test/support';

describe('the token-bucket Lua script on the real Redis', () => {
  let redis: Redis;
  let bucket: RedisTokenBucket;
  const prefix = `test:${randomSuffix()}:`;

  beforeAll(() => {
    redis = new Redis(LOCAL_REDIS);
    bucket = new RedisTokenBucket(redis, prefix);
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
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

  it('looking (cost 0) creates nothing; a missing bucket is full', async () => {
    const look = await bucket.take('fresh', { burst: 7, ratePerMinute: 60 }, 0);
    expect(look).toMatchObject({ allowed: true, remaining: 7, source: 'redis' });
    expect(await redis.exists(`${prefix}rl:fresh`)).toBe(0);
  });
});
