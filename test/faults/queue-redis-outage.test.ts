import { Queue } from 'bullmq';
import { bullPrefix } from '@platform/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '@platform/database';
import {
  createTestDatabase,
  jsonClient,
  PrivateRedis,
  spawnApp,
  startInProcess,
  testEnv,
  waitFor,
  type RunningApp,
  type SpawnedApp,
  type TestDatabase,
} from '../support';

/** Redis stops while clients start jobs: the outbox keeps them, the relay enqueues them later. */
describe('jobs accepted while Redis is down', () => {
  let db: TestDatabase;
  let redis: PrivateRedis;
  let api: RunningApp;
  let worker: SpawnedApp;
  let queue: Queue;
  let env: Record<string, string | undefined>;

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = await PrivateRedis.start();
    env = testEnv({ DATABASE_URL: db.url, REDIS_URL: redis.url, OUTBOX_RELAY_INTERVAL_MS: '200' });
    api = await startInProcess('api', env);
    worker = await spawnApp('worker', env);
    queue = new Queue('jobs', {
      connection: { url: redis.url },
      prefix: bullPrefix({ redis: { keyPrefix: env.REDIS_KEY_PREFIX! } }),
    });
    queue.on('error', () => undefined);
  });
  afterAll(async () => {
    await worker?.stop('SIGTERM');
    await api?.close();
    await queue?.close();
    await redis?.destroy();
    await db?.drop();
  });

  it('accepts (202) while Redis is stopped, enqueues once it is back, nothing lost or doubled', async () => {
    const client = jsonClient(api.baseUrl, (await issueApiKey(db.dataSource, 'outage', 'internal')).key);
    const before = await client.post('/v1/jobs', {
      type: 'diagnostics.sleep',
      payload: { ms: 0, counter: 'outage' },
    });
    const first = await before.json();
    expect(first.status).toBe('queued');
    // This Redis keeps nothing across a restart (no AOF here), so let the first job finish first.
    await waitFor(async () => (await queue.getJobState(first.id)) === 'completed', 'the first job');

    await redis.stop();
    const accepted: string[] = [];
    for (let i = 0; i < 25; i += 1) {
      const res = await client.post('/v1/jobs', {
        type: 'diagnostics.sleep',
        payload: { ms: 0, counter: 'outage' },
      });
      expect(res.status).toBe(202);
      const body = await res.json();
      expect(body.status).toBe('accepted');
      accepted.push(body.id);
    }
    // Durable, and visible to their owner as accepted.
    expect((await client.get(`/v1/jobs/${accepted[0]}`)).status).toBe(200);
    expect((await (await client.get(`/v1/jobs/${accepted[0]}`)).json()).status).toBe('accepted');
    const pending = await db.dataSource.query(
      `SELECT count(*)::int AS n FROM outbox WHERE dispatched_at IS NULL`,
    );
    expect(pending[0].n).toBe(25);

    await redis.resume(); // an empty Redis: the first job's record went with the old one
    await waitFor(
      async () => (await queue.getJobCounts('completed')).completed === 25,
      'the relay to enqueue and the worker to run all 25',
      60_000,
      250,
    );
    const counts = await queue.getJobCounts(
      'completed',
      'failed',
      'waiting',
      'prioritized',
      'active',
      'delayed',
    );
    // 25: the jobs accepted during the outage, each once (their ids are the outbox ids).
    expect(counts).toEqual({ completed: 25, failed: 0, waiting: 0, prioritized: 0, active: 0, delayed: 0 });
    for (const id of accepted) expect(await queue.getJobState(id)).toBe('completed');
    expect(
      (await db.dataSource.query(`SELECT count(*)::int AS n FROM outbox WHERE dispatched_at IS NULL`))[0].n,
    ).toBe(0);
    const [{ value }] = await db.dataSource.query(
      `SELECT value FROM diagnostic_counters WHERE name = 'outage'`,
    );
    expect(Number(value)).toBe(26);
    // Each job ran exactly once (a doubled enqueue would show as an extra run here).
    const metrics = await (await fetch(`${worker.baseUrl}/metrics`)).text();
    const runs =
      /queue_job_duration_seconds_count\{queue="jobs",name="diagnostics.sleep",status="completed"\} (\d+)/.exec(
        metrics,
      );
    expect(Number(runs?.[1])).toBe(26);
    expect(metrics).toMatch(/^outbox_pending 0$/m);
  });
});
