import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  deleteRedisKeys,
  startInProcess,
  testEnv,
  waitFor,
  type RunningApp,
  type TestDatabase,
  openTestQueue,
} from '../../../test/support';

/** The relay enqueues rows their eager dispatch never did (here: rows written straight into the table). */
describe('outbox relay (real worker, Postgres, Redis)', () => {
  let db: TestDatabase;
  let worker: RunningApp;
  let queue: Queue;
  let prefix: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = testEnv({ DATABASE_URL: db.url, OUTBOX_RELAY_INTERVAL_MS: '100', OUTBOX_RELAY_BATCH: '2' });
    prefix = env.REDIS_KEY_PREFIX!;
    worker = await startInProcess('worker', env);
    queue = openTestQueue('jobs', prefix);
  });
  afterAll(async () => {
    await worker?.close();
    await queue?.close();
    await db?.drop();
    await deleteRedisKeys(prefix);
  });

  it('enqueues pending rows in batches with jobId = outbox id, and sets aside a payload its contract refuses', async () => {
    const insert = (payload: unknown, ageSeconds: number) =>
      db.dataSource.query<Array<{ id: string }>>(
        `INSERT INTO outbox (queue, job_name, payload, priority, created_at)
         VALUES ('jobs', 'digest.compute', $1, 1000, now() - make_interval(secs => $2)) RETURNING id`,
        [JSON.stringify(payload), ageSeconds],
      );
    const good: string[] = [];
    for (let i = 0; i < 5; i += 1) good.push((await insert({ text: `relay ${i}` }, 60))[0].id);
    const [bad] = await insert({ text: 42 }, 60);
    const [young] = await insert({ text: 'still being dispatched eagerly' }, 0);

    await waitFor(
      async () =>
        (await Promise.all(good.map((id) => queue.getJobState(id)))).every((s) => s === 'completed'),
      'the relayed jobs to complete',
    );
    const job = (await queue.getJob(good[0]))!;
    expect(job.opts.priority).toBe(1000); // the stored priority (low)
    // A job may complete before its batch's transaction commits (on a cluster the relay first waits
    // for a replica to have the jobs), and that transaction is the one setting the bad row aside.
    const aside = await waitFor(async () => {
      const [row] = await db.dataSource.query<Array<{ dispatched_at: Date | null; last_error: string }>>(
        `SELECT dispatched_at, last_error FROM outbox WHERE id = $1`,
        [bad.id],
      );
      return row.dispatched_at ? row : undefined;
    }, 'the bad row set aside');
    expect(aside.last_error).toMatch(/^not enqueued: Invalid payload for digest.compute: text/);
    expect(await queue.getJobState(bad.id)).toBe('unknown');
    // A row younger than the grace period is left to its eager dispatch, then relayed.
    expect(await queue.getJobState(young.id)).toBe('unknown');
    await waitFor(async () => (await queue.getJobState(young.id)) === 'completed', 'the young row', 20_000);
  });
});
