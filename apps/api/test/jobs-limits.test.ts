import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '@platform/database';
import { bullPrefix } from '@platform/queue';
import {
  createTestDatabase,
  deleteRedisKeys,
  jsonClient,
  openTestRedis,
  startInProcess,
  testEnv,
  waitFor,
  type JobBody,
  type RunningApp,
  type TestDatabase,
} from '../../../test/support';

/**
 * What one API key may put into the jobs queue (real API ×2 + worker, Postgres, Redis): byte caps
 * (413), priorities above the tier's (403), diagnostics off (403), and at most N jobs queued or
 * delayed per key (429), counted in Redis so a second API instance agrees.
 */
describe('POST /v1/jobs limits per job and per caller', () => {
  const CAP = 3;
  const TENANT_CAP = 5;
  let db: TestDatabase;
  let api: RunningApp;
  let api2: RunningApp;
  let worker: RunningApp;
  let env: Record<string, string | undefined>;
  let n = 0;
  const newKey = async (tier = 'free', tenant?: string) => {
    const issued = await issueApiKey(db.dataSource, `caller-${(n += 1)}`, tier, tenant);
    return { ...issued, on: (app: RunningApp) => jsonClient(app.baseUrl, issued.key) };
  };
  const outboxRows = async () =>
    (await db.dataSource.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM outbox`))[0].n;

  beforeAll(async () => {
    db = await createTestDatabase();
    env = testEnv({
      DATABASE_URL: db.url,
      QUEUE_CONCURRENCY: '4',
      JOBS_MAX_PENDING_PER_KEY: String(CAP),
      TENANT_MAX_PENDING_JOBS: String(TENANT_CAP),
      JOBS_DIAGNOSTICS: 'false',
    });
    [api, api2, worker] = await Promise.all([
      startInProcess('api', env),
      startInProcess('api', env),
      startInProcess('worker', env),
    ]);
  });
  afterAll(async () => {
    await worker?.close();
    await api2?.close();
    await api?.close();
    await db?.drop();
    await deleteRedisKeys(env?.REDIS_KEY_PREFIX);
  });

  it('refuses a job over its byte cap with 413 job_too_large, counting the parts a report creates', async () => {
    const client = (await newKey()).on(api);
    const before = await outboxRows();
    // 20 000 characters pass the schema; three bytes each are 60 KB, over digest.compute's 32 KiB.
    const digest = await client.post('/v1/jobs', {
      type: 'digest.compute',
      payload: { text: '€'.repeat(20_000) },
    });
    expect(digest.status).toBe(413);
    const body = await digest.json();
    expect(body).toMatchObject({ error: 'job_too_large', requestId: expect.any(String) });
    expect(body.message).toMatch(/digest\.compute.*32768 bytes/);
    // ~36 KB of values is under 64 KiB alone, over it with the 32 parts that copy them.
    const values = Array.from({ length: 6_000 }, (_, i) => 100_000 + i);
    const report = await client.post('/v1/jobs', {
      type: 'report.aggregate',
      payload: { values, parts: 32 },
    });
    expect(report.status).toBe(413);
    expect(await outboxRows()).toBe(before);
    const fits = await client.post('/v1/jobs', {
      type: 'digest.compute',
      payload: { text: 'a'.repeat(32_000) },
    });
    expect(fits.status).toBe(202);
  });

  it("refuses a priority above the tier's default with 403 priority_not_allowed", async () => {
    const free = (await newKey('free')).on(api); // default normal
    const pro = (await newKey('pro')).on(api); // default high
    const ask = (c: typeof free, priority: string) =>
      c.post('/v1/jobs', { type: 'digest.compute', payload: { text: 'p' }, priority });
    const refused = await ask(free, 'high');
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({
      error: 'priority_not_allowed',
      message: 'Tier free may ask for priority normal or low, not high',
    });
    expect((await ask(pro, 'critical')).status).toBe(403);
    expect((await ask(free, 'low')).status).toBe(202);
    expect((await ask(pro, 'high')).status).toBe(202);
  });

  it('refuses diagnostics.* jobs with 403 job_type_disabled when JOBS_DIAGNOSTICS is off', async () => {
    const res = await (
      await newKey()
    )
      .on(api)
      .post('/v1/jobs', { type: 'diagnostics.sleep', payload: { ms: 1 } });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: 'job_type_disabled' });
  });

  it('caps the jobs one key has queued or delayed (429 + Retry-After) on every instance; other keys go on', async () => {
    const a = await newKey();
    const later = (i: number) => ({
      type: 'digest.compute',
      payload: { text: `later-${i}` },
      delayMs: 600_000,
    });
    const first = [];
    for (let i = 0; i < CAP; i += 1) {
      const res = await a.on(i % 2 ? api2 : api).post('/v1/jobs', { ...later(i), idempotencyKey: `k-${i}` });
      expect(res.status).toBe(202);
      first.push(await res.json());
    }
    const before = await outboxRows();
    for (const instance of [api, api2]) {
      const res = await a.on(instance).post('/v1/jobs', later(99));
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await res.json()).toMatchObject({ error: 'too_many_pending_jobs' });
    }
    expect(await outboxRows()).toBe(before); // refused means nothing written
    // A replay of an accepted request is its first answer, not a new job.
    const replay = await a.on(api).post('/v1/jobs', { ...later(0), idempotencyKey: 'k-0' });
    expect(replay.status).toBe(202);
    expect((await replay.json()).id).toBe(first[0].id);
    // Another key is not affected.
    expect((await (await newKey()).on(api2).post('/v1/jobs', later(0))).status).toBe(202);

    // The count lives in one sorted set per key, under the queues' hash tag, with an expiry.
    const redis = openTestRedis();
    try {
      const key = `${bullPrefix({ redis: { keyPrefix: env.REDIS_KEY_PREFIX! } })}:pending:key:${a.id}`;
      expect(await redis.zcard(key)).toBe(CAP);
      expect(await redis.pttl(key)).toBeGreaterThan(600_000);
    } finally {
      redis.disconnect();
    }
  });

  it("caps the jobs of all of a tenant's keys together; other tenants go on", async () => {
    const first = await newKey();
    const second = await newKey('free', first.tenant);
    const later = (i: number) => ({ type: 'digest.compute', payload: { text: `t-${i}` }, delayMs: 600_000 });
    for (let i = 0; i < CAP; i += 1)
      expect((await first.on(api).post('/v1/jobs', later(i))).status).toBe(202);
    for (let i = 0; i < TENANT_CAP - CAP; i += 1) {
      expect((await second.on(api2).post('/v1/jobs', later(10 + i))).status).toBe(202);
    }
    const before = await outboxRows();
    // The second key is under its own cap, but the tenant is at its cap.
    const refused = await second.on(api).post('/v1/jobs', later(99));
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: 'too_many_pending_jobs' });
    expect(await outboxRows()).toBe(before);
    expect((await (await newKey()).on(api).post('/v1/jobs', later(0))).status).toBe(202);
  });

  it('frees a slot when the worker finishes a job', async () => {
    const c = await newKey();
    const ids: string[] = [];
    for (let i = 0; i < CAP; i += 1) {
      const res = await c.on(api).post('/v1/jobs', { type: 'digest.compute', payload: { text: `now-${i}` } });
      expect(res.status).toBe(202);
      ids.push((await res.json()).id);
    }
    for (const id of ids) {
      await waitFor(async () => {
        const job = (await (await c.on(api).get(`/v1/jobs/${id}`)).json()) as JobBody;
        return job.status === 'completed';
      }, `job ${id} to complete`);
    }
    // Released by the worker right after completing (asynchronously: poll briefly).
    const accepted = await waitFor(async () => {
      const res = await c.on(api2).post('/v1/jobs', { type: 'digest.compute', payload: { text: 'again' } });
      return res.status === 202 ? res : undefined;
    }, 'a slot to be released');
    expect(accepted.status).toBe(202);
  });
});
