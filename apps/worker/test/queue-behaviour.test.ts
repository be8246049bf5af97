import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { issueApiKey } from '@platform/database';
import { AdmittedProducer, bullPrefix } from '@platform/queue';
import {
  createTestDatabase,
  deleteRedisKeys,
  jsonClient,
  type JobBody,
  openTestRedis,
  spawnApp,
  startInProcess,
  testEnv,
  waitFor,
  type RunningApp,
  type SpawnedApp,
  type TestDatabase,
  openTestQueue,
} from '../../../test/support';

/**
 * Priorities, backpressure and timeouts with a real worker process (the built dist; run
 * `npm run build` first), the real API in process, real Redis and Postgres.
 */
describe('queue behaviour (real worker process)', () => {
  let db: TestDatabase;
  let api: RunningApp | undefined;
  let worker: SpawnedApp | undefined;
  let probe: Queue | undefined;
  let prefix: string | undefined;

  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    await worker?.stop('SIGTERM');
    await api?.close();
    await probe?.close();
    await db?.drop();
    await deleteRedisKeys(prefix);
    worker = api = probe = prefix = undefined;
  });

  async function start(env: Record<string, string | undefined>, { startWorker = true } = {}) {
    prefix = env.REDIS_KEY_PREFIX;
    api = await startInProcess('api', env);
    if (startWorker) worker = await spawnApp('worker', env);
    probe = openTestQueue('jobs', env.REDIS_KEY_PREFIX!);
    return { api, probe };
  }

  it('100 critical jobs added behind 10k low ones all complete before 95 % of the low ones', async () => {
    const env = testEnv({
      DATABASE_URL: db.url,
      QUEUE_CONCURRENCY: '10',
      QUEUE_OVERRIDES: JSON.stringify({ jobs: { highWaterMark: 50_000, keepCompleted: 50_000 } }),
    });
    const { api, probe } = await start(env, { startWorker: false });
    const producer = api.app.get(AdmittedProducer);
    const lows: string[] = [];
    for (let chunk = 0; chunk < 10; chunk += 1) {
      const added = await producer.enqueueBulk(
        Array.from({ length: 1_000 }, () => ({
          name: 'diagnostics.sleep' as const,
          payload: { ms: 1 },
          priority: 'low' as const,
        })),
      );
      lows.push(...added.map((a) => a.id));
    }
    expect((await probe.getJobCounts('prioritized')).prioritized).toBe(10_000);
    // The worker is busy with the low ones when the critical ones arrive.
    worker = await spawnApp('worker', env);
    await waitFor(
      async () => (await probe.getJobCounts('completed')).completed >= 100,
      'the first lows',
      30_000,
      20,
    );
    const criticals = await producer.enqueueBulk(
      Array.from({ length: 100 }, () => ({
        name: 'diagnostics.sleep' as const,
        payload: { ms: 1 },
        priority: 'critical' as const,
      })),
    );
    await waitFor(
      async () => (await probe.getJobCounts('completed')).completed === 10_100,
      'all 10 100 jobs',
      120_000,
      250,
    );
    const client = openTestRedis();
    const scores = new Map<string, number>();
    const flat = await client.zrange(
      `${bullPrefix({ redis: { keyPrefix: env.REDIS_KEY_PREFIX! } })}:jobs:completed`,
      0,
      -1,
      'WITHSCORES',
    );
    client.disconnect();
    for (let i = 0; i < flat.length; i += 2) scores.set(flat[i], Number(flat[i + 1]));
    const lastCritical = Math.max(...criticals.map((c) => scores.get(c.id)!));
    const lowsBefore = lows.filter((id) => scores.get(id)! <= lastCritical).length;
    console.log(`lows finished at or before the last critical: ${lowsBefore} of 10000`);
    expect(lowsBefore).toBeLessThanOrEqual(500);
  });

  it('refuses producers above the high-water mark (503 + Retry-After), and runs every accepted job', async () => {
    // Workers drain at most ~20 jobs/s (one at a time, 50 ms each), far slower than 30 producers
    // even on a loaded machine.
    const highWaterMark = 200;
    const env = testEnv({
      DATABASE_URL: db.url,
      QUEUE_CONCURRENCY: '1',
      QUEUE_DEPTH_CACHE_MS: '250',
      QUEUE_OVERRIDES: JSON.stringify({ jobs: { highWaterMark, lowWaterMark: 100, keepCompleted: 50_000 } }),
    });
    const { api, probe } = await start(env);
    const client = jsonClient(api.baseUrl, (await issueApiKey(db.dataSource, 'flood', 'internal')).key);

    let sampling = true;
    let maxDepth = 0;
    const sampler = (async () => {
      while (sampling) {
        const c = await probe.getJobCounts('waiting', 'prioritized');
        maxDepth = Math.max(maxDepth, c.waiting + c.prioritized);
        await sleep(20);
      }
    })();

    let accepted = 0;
    const refusals: Array<string | null> = [];
    const codes = new Set<string>();
    const other: number[] = [];
    const until = Date.now() + 8_000;
    await Promise.all(
      Array.from({ length: 30 }, async () => {
        while (Date.now() < until) {
          const res = await client.post('/v1/jobs', { type: 'diagnostics.sleep', payload: { ms: 50 } });
          const text = await res.text();
          if (res.status === 202) accepted += 1;
          else if (res.status === 503) {
            refusals.push(res.headers.get('retry-after'));
            codes.add((JSON.parse(text) as { error: string }).error);
            await sleep(10);
          } else other.push(res.status);
        }
      }),
    );
    sampling = false;
    await sampler;
    console.log(`accepted ${accepted}, refused ${refusals.length}, max waiting depth ${maxDepth}`);

    expect(other).toEqual([]);
    expect(refusals.length).toBeGreaterThan(0);
    expect([...codes]).toEqual(['queue_overloaded']);
    for (const retryAfter of refusals) expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(maxDepth).toBeGreaterThan(highWaterMark * 0.5); // the flood did reach the mark
    expect(maxDepth).toBeLessThanOrEqual(highWaterMark * 1.05);
    const metrics = await (await fetch(`${api.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/queue_backpressure_rejections_total\{queue="jobs"\} [1-9]/);

    await waitFor(
      async () => {
        const c = await probe.getJobCounts('completed', 'failed');
        return c.completed + c.failed >= accepted;
      },
      'every accepted job to finish',
      120_000,
      250,
    );
    const counts = await probe.getJobCounts(
      'completed',
      'failed',
      'waiting',
      'prioritized',
      'active',
      'delayed',
    );
    expect(counts).toMatchObject({
      completed: accepted,
      failed: 0,
      waiting: 0,
      prioritized: 0,
      active: 0,
      delayed: 0,
    });
  });

  it('a job past its timeout fails, is retried per policy, and its final failure keeps the reason', async () => {
    const env = testEnv({
      DATABASE_URL: db.url,
      QUEUE_OVERRIDES: JSON.stringify({ jobs: { timeoutMs: 300, attempts: 2, backoffDelayMs: 100 } }),
    });
    const { api } = await start(env);
    const client = jsonClient(api.baseUrl, (await issueApiKey(db.dataSource, 'slow', 'free')).key);
    const res = await client.post('/v1/jobs', {
      type: 'diagnostics.sleep',
      payload: { ms: 3_000, counter: 'timeout-drill' },
    });
    const { id } = await res.json();
    const failed = await waitFor(async () => {
      const body = (await (await client.get(`/v1/jobs/${id}`)).json()) as JobBody;
      return body.status === 'failed' ? body : undefined;
    }, 'the job to fail for good');
    expect(failed).toMatchObject({
      attempts: { made: 2, max: 2 },
      failedReason: 'Job timed out after 300 ms',
    });
    expect(Date.parse(failed.finishedAt) - Date.parse(failed.startedAt)).toBeLessThan(3_000);
    // The handler's signal fired: the aborted sleeps never reached their effect.
    await sleep(3_500);
    expect(await db.dataSource.query(`SELECT * FROM diagnostic_counters`)).toEqual([]);
    const metrics = await (await fetch(`${worker!.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /queue_job_duration_seconds_count\{queue="jobs",name="diagnostics.sleep",status="timeout"\} 2/,
    );
  });
});
