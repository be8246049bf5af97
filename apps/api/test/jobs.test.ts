import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '@platform/database';
import {
  createTestDatabase,
  deleteRedisKeys,
  jsonClient,
  type JobBody,
  TEST_ADMIN_TOKEN,
  startInProcess,
  testEnv,
  waitFor,
  type RunningApp,
  type TestDatabase,
} from '../../../test/support';

describe('POST /v1/jobs and GET /v1/jobs/:id (real API + worker, Postgres, Redis)', () => {
  let db: TestDatabase;
  let api: RunningApp;
  let worker: RunningApp;
  let free: ReturnType<typeof jsonClient>;
  let pro: ReturnType<typeof jsonClient>;
  let env: Record<string, string | undefined>;

  beforeAll(async () => {
    db = await createTestDatabase();
    env = testEnv({ DATABASE_URL: db.url, QUEUE_CONCURRENCY: '4' });
    api = await startInProcess('api', env);
    worker = await startInProcess('worker', env);
    free = jsonClient(api.baseUrl, (await issueApiKey(db.dataSource, 'free-caller', 'free')).key);
    pro = jsonClient(api.baseUrl, (await issueApiKey(db.dataSource, 'pro-caller', 'pro')).key);
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await db?.drop();
    await deleteRedisKeys(env?.REDIS_KEY_PREFIX);
  });

  const finished = (client: typeof free, id: string) =>
    waitFor(async () => {
      const body = (await (await client.get(`/v1/jobs/${id}`)).json()) as JobBody;
      return ['completed', 'failed'].includes(body.status) ? body : undefined;
    }, `job ${id} to finish`);

  it('runs a job and reports its result to its owner', async () => {
    const res = await free.post('/v1/jobs', { type: 'digest.compute', payload: { text: 'abc' } });
    expect(res.status).toBe(202);
    const { id, status } = await res.json();
    expect(status).toBe('queued');
    const done = await finished(free, id);
    expect(done).toMatchObject({
      id,
      type: 'digest.compute',
      status: 'completed',
      priority: 'normal', // the free tier's default
      attempts: { made: 1, max: 3 },
      result: {
        algorithm: 'sha256',
        digest: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      },
    });
  });

  it('uses the tier default priority, or the one given', async () => {
    const tierDefault = await (
      await pro.post('/v1/jobs', { type: 'digest.compute', payload: { text: 'x' } })
    ).json();
    expect((await finished(pro, tierDefault.id)).priority).toBe('high');
    const given = await (
      await pro.post('/v1/jobs', { type: 'digest.compute', payload: { text: 'x' }, priority: 'low' })
    ).json();
    expect((await finished(pro, given.id)).priority).toBe('low');
  });

  it('fans report.aggregate out as parallel parts and aggregates them', async () => {
    const values = Array.from({ length: 1000 }, (_, i) => i + 1);
    const res = await free.post('/v1/jobs', { type: 'report.aggregate', payload: { values, parts: 5 } });
    expect(res.status).toBe(202);
    const { id } = await res.json();
    const done = await finished(free, id);
    expect(done.status).toBe('completed');
    expect(done.result).toEqual({ parts: 5, count: 1000, sum: 500500, min: 1, max: 1000, mean: 500.5 });
  });

  it("hides another owner's job (404), and unknown ids (404)", async () => {
    const { id } = await (
      await free.post('/v1/jobs', { type: 'digest.compute', payload: { text: 'mine' } })
    ).json();
    const res = await pro.get(`/v1/jobs/${id}`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'job_not_found' });
    expect((await free.get('/v1/jobs/00000000-0000-0000-0000-000000000000')).status).toBe(404);
    expect((await free.get('/v1/jobs/not-a-uuid')).status).toBe(404);
  });

  it('rejects unknown types, bad payloads and bad priorities with 400 and the fields', async () => {
    const before = await db.dataSource.query(`SELECT count(*)::int AS n FROM outbox`);
    const cases: Array<[unknown, string]> = [
      [{ type: 'nope', payload: {} }, 'body.type'],
      [{ type: 'report.part', payload: { index: 0, values: [] } }, 'body.type'], // internal type
      [{ type: 'digest.compute', payload: { text: 1 } }, 'body.payload.text'],
      [{ type: 'digest.compute', payload: { text: 'a', extra: true } }, 'body.payload'],
      [{ type: 'digest.compute', payload: { text: 'a' }, priority: 'urgent' }, 'body.priority'],
      [{ type: 'digest.compute', payload: { text: 'a' }, delayMs: -1 }, 'body.delayMs'],
      [{ type: 'diagnostics.sleep', payload: { ms: 10 }, surprise: 1 }, 'body'],
    ];
    for (const [body, field] of cases) {
      const res = await free.post('/v1/jobs', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const error = await res.json();
      expect(error.error).toBe('validation_failed');
      expect((error.fields as Array<{ field: string }>).map((f) => f.field)).toContain(field);
    }
    expect(await db.dataSource.query(`SELECT count(*)::int AS n FROM outbox`)).toEqual(before);
  });

  it('an idempotency key returns the first job; reused with another body it is 409', async () => {
    const body = { type: 'digest.compute', payload: { text: 'once' }, idempotencyKey: 'order-42' };
    const first = await free.post('/v1/jobs', body);
    const again = await free.post('/v1/jobs', body);
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    const [a, b] = [await first.json(), await again.json()];
    expect(b.id).toBe(a.id);
    const conflict = await free.post('/v1/jobs', { ...body, payload: { text: 'twice' } });
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toMatchObject({ error: 'idempotency_conflict' });
    // Keys are per caller: another caller may use the same key.
    expect((await pro.post('/v1/jobs', body)).status).toBe(202);
  });

  it('a delayed job waits', async () => {
    const { id } = await (
      await free.post('/v1/jobs', { type: 'digest.compute', payload: { text: 'later' }, delayMs: 60_000 })
    ).json();
    expect((await (await free.get(`/v1/jobs/${id}`)).json()).status).toBe('delayed');
  });

  it('shows queue depths and worker state in /health/detailed and /metrics', async () => {
    const headers = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
    const api_ = (await (await fetch(`${api.baseUrl}/health/detailed`, { headers })).json()) as JobBody;
    expect(api_.details.queues.status).toBe('up');
    expect(api_.details.queues.queues.jobs).toMatchObject({
      highWaterMark: 10_000,
      completed: expect.any(Number),
    });
    const worker_ = (await (await fetch(`${worker.baseUrl}/health/detailed`, { headers })).json()) as JobBody;
    expect(worker_.details.workers).toMatchObject({
      status: 'up',
      state: 'running',
      queues: expect.arrayContaining([
        expect.objectContaining({ queue: 'jobs', running: true, concurrency: 4 }),
      ]),
    });
    const metrics = await (await fetch(`${worker.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^queue_jobs\{queue="jobs",state="completed"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^queue_jobs\{queue="webhooks",state="waiting"\} 0$/m);
    expect(metrics).toMatch(/^outbox_pending 0$/m);
    expect(metrics).toMatch(
      /queue_job_duration_seconds_count\{queue="jobs",name="digest.compute",status="completed"\} \d+/,
    );
  });

  it('needs an API key', async () => {
    expect((await fetch(`${api.baseUrl}/v1/jobs/x`)).status).toBe(401);
  });
});
