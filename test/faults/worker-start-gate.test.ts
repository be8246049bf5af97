import { Queue } from 'bullmq';
import { bullPrefix } from '@platform/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@platform/config';
import { dropDatabase, ensureDatabase, runMigrations } from '@platform/database';
import {
  LOCAL_POSTGRES,
  PrivateRedis,
  randomSuffix,
  spawnApp,
  testEnv,
  TEST_ADMIN_TOKEN,
  waitFor,
  type JobBody,
  type SpawnedApp,
} from '../support';

/** Workers take jobs only once both Redis and Postgres answer. */
describe('worker start gate', () => {
  let redis: PrivateRedis;
  let worker: SpawnedApp;
  let queue: Queue;
  const dbUrl = `${LOCAL_POSTGRES}/test_gate_${randomSuffix()}`;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
  });
  afterAll(async () => {
    await worker?.stop('SIGTERM');
    await queue?.close();
    await redis?.destroy();
    await dropDatabase(dbUrl);
  });

  const workersState = async () => {
    const res = await fetch(`${worker.baseUrl}/health/detailed`, {
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });
    return ((await res.json()) as JobBody).details?.workers?.state as string | undefined;
  };

  it('stays paused while Redis or Postgres is missing, then starts and works', async () => {
    const env = testEnv({ DATABASE_URL: dbUrl, REDIS_URL: redis.url });
    await redis.stop();
    // Neither dependency is there: its database does not exist yet and Redis is stopped.
    worker = await spawnApp('worker', env);
    expect(await workersState()).toBe('starting');

    await redis.resume();
    queue = new Queue('jobs', {
      connection: { url: redis.url },
      prefix: bullPrefix({ redis: { keyPrefix: env.REDIS_KEY_PREFIX! } }),
    });
    queue.on('error', () => undefined);
    const job = await queue.add('digest.compute', { text: 'gate' }, { priority: 100 });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await workersState()).toBe('starting'); // Redis is back, Postgres still is not
    expect(await job.getState()).toBe('prioritized');

    await ensureDatabase(dbUrl);
    await runMigrations(loadConfig({ DATABASE_URL: dbUrl }));
    await waitFor(async () => (await workersState()) === 'running', 'the workers to start', 20_000);
    await waitFor(async () => (await job.getState()) === 'completed', 'the job to run', 20_000);
  });
});
