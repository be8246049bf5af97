import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '@platform/database';
import {
  createTestDatabase,
  jsonClient,
  PrivateRedis,
  startInProcess,
  testEnv,
  TEST_ADMIN_TOKEN,
  type RunningApp,
  type TestDatabase,
} from '../support';

const MiB = 1024 * 1024;
const MAXMEMORY = 64 * MiB;
const RATIO = 0.8;
const FLOOD_MS = 25_000;
const FLOOD_MAX_REQUESTS = 6_000;
/** The flood stops early once the guard has refused this many jobs (the point is made). */
const ENOUGH_REFUSALS = 400;
const CONNECTIONS = 24;
/** What the cache and other tenants already hold, so the flood reaches the threshold on a busy machine. */
const PREFILL = 24 * MiB;

/**
 * The proof that API keys cannot fill Redis: a private redis-server with 64 MB and noeviction (what
 * production runs), the real API on it, and several keys flooding POST /v1/jobs with the largest jobs
 * their contracts allow (and some over). Redis must stay under the memory guard's threshold plus a
 * small margin, every answer must be 202/413/429/503 (never a 500), and afterwards reads and the
 * token bucket (Redis writes of their own) must still work.
 */
describe('a flood of maximal jobs on a 64 MB Redis', () => {
  let redis: PrivateRedis;
  let probe: Redis;
  let db: TestDatabase;
  let api: RunningApp;
  let floodKeys: string[];
  let freeKey: string;

  beforeAll(async () => {
    redis = await PrivateRedis.start(['--maxmemory', String(MAXMEMORY), '--maxmemory-policy', 'noeviction']);
    probe = new Redis(redis.url);
    probe.on('error', () => undefined);
    db = await createTestDatabase();
    const env = testEnv({
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      REDIS_CLUSTER_NODES: undefined,
      REDIS_MEMORY_GUARD_RATIO: String(RATIO),
      JOBS_MAX_PENDING_PER_KEY: '400',
    });
    api = await startInProcess('api', env);
    // The internal tier's bucket (burst 10 000) lets a key flood; the free key checks the bucket after.
    floodKeys = await Promise.all(
      Array.from(
        { length: 5 },
        async (_, i) => (await issueApiKey(db.dataSource, `flood-${i}`, 'internal')).key,
      ),
    );
    freeKey = (await issueApiKey(db.dataSource, 'bucket-check', 'free')).key;
  });
  afterAll(async () => {
    await api?.close();
    probe?.disconnect();
    await redis?.destroy();
    await db?.drop();
  });

  const usedMemory = async () => Number(/^used_memory:(\d+)/m.exec(await probe.info('memory'))![1]);

  it('keeps Redis under the guard threshold, answers only 202/413/429/503, and still serves reads', async () => {
    const threshold = MAXMEMORY * RATIO;
    const empty = await usedMemory();
    const chunk = 'c'.repeat(MiB);
    for (let i = 0; i < PREFILL / MiB; i += 1) await probe.set(`filler:${i}`, chunk);
    const before = await usedMemory();
    let peak = before;
    const sampler = setInterval(() => {
      usedMemory().then(
        (used) => (peak = Math.max(peak, used)),
        () => undefined,
      );
    }, 50);

    // The largest jobs the contracts allow, and one over (413).
    const values = Array.from({ length: 4_000 }, (_, i) => 100_000 + i); // ~28 KB, ~57 KB with 32 parts
    const bodies = [
      { type: 'digest.compute', payload: { text: 'x'.repeat(32_000) } },
      { type: 'report.aggregate', payload: { values, parts: 32 } },
      { type: 'digest.compute', payload: { text: 'x'.repeat(32_000) }, delayMs: 3_600_000 },
      { type: 'digest.compute', payload: { text: '€'.repeat(20_000) } },
    ];
    const answers = new Map<string, number>();
    const accepted: Array<{ key: string; id: string }> = [];
    let sent = 0;
    const deadline = Date.now() + FLOOD_MS;
    const started = Date.now();
    const going = () =>
      Date.now() < deadline &&
      sent < FLOOD_MAX_REQUESTS &&
      (answers.get('503 redis_memory_high') ?? 0) < ENOUGH_REFUSALS;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async (_, c) => {
        for (let k = 0; going(); k += 1) {
          sent += 1;
          const key = floodKeys[(c + k) % floodKeys.length];
          const res = await jsonClient(api.baseUrl, key).post('/v1/jobs', bodies[(c + k) % bodies.length]);
          const body = await res.json();
          const label = `${res.status} ${res.status === 202 ? body.status : body.error}`;
          answers.set(label, (answers.get(label) ?? 0) + 1);
          if (res.status === 202) accepted.push({ key, id: body.id });
        }
      }),
    );
    const floodSeconds = (Date.now() - started) / 1000;
    clearInterval(sampler);
    const after = await usedMemory();
    peak = Math.max(peak, after);

    // Reads still work: liveness, a cached DB-backed route, a job's state (Postgres + Redis).
    const health = await fetch(`${api.baseUrl}/health`);
    const me = await jsonClient(api.baseUrl, floodKeys[0]).get('/v1/me');
    const job = await jsonClient(api.baseUrl, accepted[0].key).get(`/v1/jobs/${accepted[0].id}`);
    // New jobs are still refused while Redis stays full (no worker drains it here).
    const refusedNow = await jsonClient(api.baseUrl, floodKeys[1]).post('/v1/jobs', bodies[0]);
    // Operators see it: the gauges and /health/detailed.
    const metrics = await (await fetch(`${api.baseUrl}/metrics`)).text();
    const detailed = (await (
      await fetch(`${api.baseUrl}/health/detailed`, {
        headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
      })
    ).json()) as {
      details: { redisMemory: { status: string; maxBytes: number; limitBytes: number; usedBytes: number } };
    };
    // The token bucket (its own Redis writes) still counts: a free key's burst of 150 runs out.
    const bucket: number[] = [];
    for (let i = 0; i < 170; i += 1)
      bucket.push((await jsonClient(api.baseUrl, freeKey).get('/v1/me')).status);

    const figures = {
      redisBytesEmpty: empty,
      redisBytesBefore: before,
      redisBytesAfter: after,
      redisBytesPeak: peak,
      thresholdBytes: threshold,
      maxmemoryBytes: MAXMEMORY,
      requests: sent,
      seconds: floodSeconds,
      answers: Object.fromEntries([...answers].sort()),
      afterwards: {
        health: health.status,
        me: me.status,
        jobState: job.status,
        newJob: refusedNow.status,
        bucket: `${bucket.filter((s) => s === 200).length} x 200, ${bucket.filter((s) => s === 429).length} x 429`,
      },
    };
    console.log(`redis memory flood: ${JSON.stringify(figures, null, 2)}`);

    expect([...answers.keys()].every((label) => /^(202|413|429|503) /.test(label))).toBe(true);
    expect(answers.get('503 redis_memory_high')).toBeGreaterThan(0);
    expect(answers.get('413 job_too_large')).toBeGreaterThan(0);
    expect(peak).toBeLessThan(threshold + 2 * MiB);
    expect(health.status).toBe(200);
    expect(me.status).toBe(200);
    expect(job.status).toBe(200);
    expect(refusedNow.status).toBe(503);
    expect(await refusedNow.json()).toMatchObject({ error: 'redis_memory_high' });
    expect(refusedNow.headers.get('retry-after')).toBe('5');
    expect(metrics).toMatch(/^redis_memory_used_bytes \d+$/m);
    expect(metrics).toMatch(new RegExp(`^redis_memory_max_bytes ${MAXMEMORY}$`, 'm'));
    expect(metrics).toMatch(/^redis_memory_guard_rejections_total [1-9]\d*$/m);
    // Read after the flood: Redis may have freed client buffers since, so the state follows the reading.
    const memory = detailed.details.redisMemory;
    expect(memory).toMatchObject({ maxBytes: MAXMEMORY, limitBytes: Math.floor(threshold) });
    expect(memory.status).toBe(memory.usedBytes > Math.floor(threshold) ? 'degraded' : 'up');
    expect(bucket.slice(0, 100).every((s) => s === 200)).toBe(true);
    expect(bucket.slice(-10).every((s) => s === 429)).toBe(true);
  });
});
