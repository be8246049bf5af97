import { Queue } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { issueApiKey } from '@platform/database';
import {
  createTestDatabase,
  deleteRedisKeys,
  jsonClient,
  spawnApp,
  startInProcess,
  testEnv,
  waitFor,
  type RunningApp,
  type SpawnedApp,
  type TestDatabase,
  openTestQueue,
} from '../support';

/** Worker processes killed and stopped mid-job (the built dist: run `npm run build` first). */
describe('worker crash and drain', () => {
  let db: TestDatabase;
  let api: RunningApp | undefined;
  const workers: SpawnedApp[] = [];
  let queue: Queue | undefined;
  let env: Record<string, string | undefined>;
  let client: ReturnType<typeof jsonClient>;

  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) await w.stop('SIGKILL');
    await api?.close();
    await queue?.close();
    await db?.drop();
    await deleteRedisKeys(env?.REDIS_KEY_PREFIX);
  });

  async function start(overrides: Record<string, string>) {
    env = testEnv({ DATABASE_URL: db.url, ...overrides });
    api = await startInProcess('api', env);
    client = jsonClient(api.baseUrl, (await issueApiKey(db.dataSource, 'drill', 'internal')).key);
    queue = openTestQueue('jobs', env.REDIS_KEY_PREFIX!);
  }
  const startWorker = async () => {
    const w = await spawnApp('worker', env);
    workers.push(w);
    return w;
  };
  const counter = async (name: string) =>
    Number(
      (await db.dataSource.query(`SELECT value FROM diagnostic_counters WHERE name = $1`, [name]))[0]
        ?.value ?? 0,
    );
  const sleepJob = async (ms: number, counterName: string) => {
    const res = await client.post('/v1/jobs', {
      type: 'diagnostics.sleep',
      payload: { ms, counter: counterName },
    });
    expect(res.status).toBe(202);
    return (await res.json()).id as string;
  };
  const state = (id: string) => queue!.getJobState(id);

  it('a job whose worker is SIGKILLed runs again after the stall interval and applies its effect once', async () => {
    await start({ QUEUE_STALLED_INTERVAL_MS: '1000' });
    const first = await startWorker();
    const id = await sleepJob(2_000, 'crash-drill');
    await waitFor(async () => (await state(id)) === 'active', 'the job to start');
    expect(await first.stop('SIGKILL')).toBeNull();
    expect(await state(id)).toBe('active'); // its lock is still held by the dead worker

    await startWorker();
    await waitFor(async () => (await state(id)) === 'completed', 'the job to run again and complete', 30_000);
    const job = (await queue!.getJob(id))!;
    expect(job.attemptsStarted).toBeGreaterThanOrEqual(2); // it did start twice
    expect(await counter('crash-drill')).toBe(1);

    // Run the very same job once more (as a redelivery would): its effect is not applied again.
    await job.retry('completed');
    await waitFor(async () => (await state(id)) === 'completed', 'the rerun', 30_000);
    expect((await queue!.getJob(id))!.returnvalue).toMatchObject({ applied: false });
    expect(await counter('crash-drill')).toBe(1);
  });

  it('SIGTERM: active jobs shorter than the deadline finish, then the worker exits 0', async () => {
    await start({ QUEUE_CONCURRENCY: '4', WORKER_SHUTDOWN_DEADLINE_MS: '8000' });
    const worker = await startWorker();
    const ids = await Promise.all([1, 2, 3, 4].map(() => sleepJob(1_500, 'drain-drill')));
    await waitFor(async () => (await queue!.getJobCounts('active')).active === 4, 'four active jobs');
    const started = Date.now();
    expect(await worker.stop('SIGTERM')).toBe(0);
    expect(Date.now() - started).toBeLessThan(8_000);
    for (const id of ids) expect(await state(id)).toBe('completed');
    expect(await counter('drain-drill')).toBe(4);
  });

  it('SIGTERM: jobs still running at the deadline go back to the queue at once, and the worker exits 0', async () => {
    await start({
      QUEUE_CONCURRENCY: '3',
      WORKER_SHUTDOWN_DEADLINE_MS: '1000',
      QUEUE_STALLED_INTERVAL_MS: '60000',
    });
    const worker = await startWorker();
    const ids = await Promise.all([1, 2, 3].map(() => sleepJob(4_000, 'return-drill')));
    await waitFor(async () => (await queue!.getJobCounts('active')).active === 3, 'three active jobs');
    const started = Date.now();
    expect(await worker.stop('SIGTERM')).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    for (const id of ids) {
      expect(['waiting', 'prioritized']).toContain(await state(id));
      expect((await queue!.getJob(id))!.attemptsMade).toBe(0); // returned, not failed
    }
    expect(await counter('return-drill')).toBe(0);
    // Not after a 60 s stall interval: the next worker takes them at once.
    await startWorker();
    await waitFor(
      async () => (await Promise.all(ids.map(state))).every((s) => s === 'completed'),
      'the returned jobs to complete',
      20_000,
    );
    expect(await counter('return-drill')).toBe(3);
  });
});
