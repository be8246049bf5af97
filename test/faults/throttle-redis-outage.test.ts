import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '@platform/database';
import {
  createTestDatabase,
  PrivateRedis,
  startInProcess,
  testEnv,
  type RunningApp,
  type TestDatabase,
} from '../support';

/** Fires `n` requests for `key`, `concurrency` at a time; returns every status and RateLimit-Limit seen. */
async function traffic(api: RunningApp, key: string, n: number, concurrency = 10) {
  const statuses: number[] = [];
  const limits = new Set<string | null>();
  let next = 0;
  const lane = async () => {
    while (next < n) {
      next += 1;
      const res = await fetch(`${api.baseUrl}/v1/me`, { headers: { 'x-api-key': key } });
      await res.arrayBuffer();
      statuses.push(res.status);
      limits.add(res.headers.get('ratelimit-limit'));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { statuses, limits, admitted: statuses.filter((s) => s === 200).length };
}

/** Polls with fresh keys until a response shows the Redis bucket (full capacity) deciding again. */
async function waitForRedisBucket(api: RunningApp, db: TestDatabase, timeoutMs = 20_000): Promise<number> {
  const { key } = await issueApiKey(db.dataSource, 'probe', 'free');
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const res = await fetch(`${api.baseUrl}/v1/me`, { headers: { 'x-api-key': key } });
    await res.arrayBuffer();
    expect(res.status).toBeLessThan(500);
    if (res.headers.get('ratelimit-limit') === '150') return Date.now() - started;
    await sleep(100);
  }
  throw new Error('the Redis bucket never took over again');
}

async function metric(api: RunningApp, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${api.baseUrl}/metrics`)).text();
  const match = pattern.exec(text);
  return match ? Number(match[1]) : NaN;
}

describe('throttling while its Redis is paused or stopped', () => {
  let db: TestDatabase;
  let redis: PrivateRedis;
  let api: RunningApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = await PrivateRedis.start();
    api = await startInProcess(
      'api',
      testEnv({
        DATABASE_URL: db.url,
        REDIS_URL: redis.url,
        THROTTLE_EXPECTED_INSTANCES: '3', // the local bucket allows 150 / 3 = 50 per key
        CIRCUIT_BREAKERS: JSON.stringify({ 'redis-throttle': { resetTimeoutMs: 1_000 } }),
      }),
    );
  });
  afterAll(async () => {
    await api?.close();
    await redis?.destroy();
    await db?.drop();
  });

  for (const fault of ['paused', 'stopped'] as const) {
    it(`Redis ${fault} mid-traffic: no 5xx, the local bucket limits, then Redis buckets resume`, async () => {
      const before = await issueApiKey(db.dataSource, `before-${fault}`, 'free');
      const during = await issueApiKey(db.dataSource, `during-${fault}`, 'free');
      const warm = await traffic(api, before.key, 20);
      expect(warm.limits).toEqual(new Set(['150']));
      expect((await fetch(`${api.baseUrl}/v1/me`, { headers: { 'x-api-key': during.key } })).status).toBe(
        200,
      );
      const fallbacksBefore = await metric(api, /^ratelimit_local_fallback_total (\d+)/m);

      // The fault lands while traffic is flowing.
      const inFlight = traffic(api, before.key, 60);
      await sleep(20);
      if (fault === 'paused') redis.pause();
      else await redis.stop();
      const mixed = await inFlight;
      expect(mixed.statuses.every((s) => s === 200 || s === 429)).toBe(true);

      const outageStarted = performance.now();
      const outage = await traffic(api, during.key, 120);
      // The local share refills at 100/3 per minute while the traffic runs.
      const localRefill = Math.floor(((performance.now() - outageStarted) * 100) / 3 / 60_000);
      expect(outage.statuses.every((s) => s === 200 || s === 429)).toBe(true);
      expect(outage.limits).toEqual(new Set(['50']));
      // 50 from the local bucket (the one admission made through Redis before is not known locally).
      expect(outage.admitted).toBeGreaterThanOrEqual(50);
      expect(outage.admitted).toBeLessThanOrEqual(51 + localRefill);
      expect(await metric(api, /^ratelimit_local_fallback_total (\d+)/m)).toBeGreaterThan(fallbacksBefore);
      // Open, or half-open when its reset timeout passed during the outage traffic (the probe it
      // then lets through fails and reopens it): never closed while Redis is away.
      expect(
        await metric(api, /^circuit_breaker_state\{breaker="redis-throttle"\} (\d)/m),
      ).toBeGreaterThanOrEqual(1);
      expect((await fetch(`${api.baseUrl}/health`)).status).toBe(200);

      if (fault === 'paused') redis.unpause();
      else await redis.resume();
      await waitForRedisBucket(api, db);
      expect(await metric(api, /^circuit_breaker_state\{breaker="redis-throttle"\} (\d)/m)).toBe(0);
      // The key used before the outage is back on its Redis bucket, which remembers what it spent.
      const after = await fetch(`${api.baseUrl}/v1/me`, { headers: { 'x-api-key': before.key } });
      expect(after.headers.get('ratelimit-limit')).toBe('150');
    });
  }
});
