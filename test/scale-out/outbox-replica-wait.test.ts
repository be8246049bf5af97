import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '@platform/database';
import { Outbox } from '@platform/queue';
import {
  createTestDatabase,
  deleteRedisKeys,
  openTestQueue,
  startInProcess,
  testEnv,
  type RunningApp,
  type TestDatabase,
} from '../support';

const BATCH = 500;
const ROUNDS = 10;

/**
 * The outbox's replica confirmation on the private Redis Cluster (each master has one replica): what
 * a relay batch costs with and without WAIT, rows left pending when fewer replicas than required
 * answer, and the two cases of the relay's retry: the job is still in Redis (not added twice) or the
 * failover lost it (added anew). API apps (no workers, no relay) so jobs stay where they were put.
 */
describe('outbox: rows marked dispatched once a replica has their jobs (private Redis Cluster)', () => {
  let db: TestDatabase;
  let prefix: string;
  let queue: Queue;
  const apps: RunningApp[] = [];
  const outbox: Record<'none' | 'one' | 'two', Outbox> = {} as never;

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = testEnv({ DATABASE_URL: db.url });
    prefix = env.REDIS_KEY_PREFIX!;
    for (const [name, replicas] of [
      ['none', '0'],
      ['one', '1'],
      ['two', '2'], // more than the cluster has: never confirmed
    ] as const) {
      const app = await startInProcess('api', { ...env, QUEUE_DISPATCH_REPLICAS: replicas });
      apps.push(app);
      outbox[name] = app.app.get(Outbox, { strict: false });
    }
    queue = openTestQueue('jobs', prefix);
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    await queue?.close();
    await db?.drop();
    await deleteRedisKeys(prefix);
  });

  const insertRows = async (count: number, ownerId: string | null = null): Promise<string[]> =>
    (
      await db.dataSource.query<Array<{ id: string }>>(
        `INSERT INTO outbox (queue, job_name, payload, priority, owner_id, created_at)
         SELECT 'jobs', 'digest.compute', jsonb_build_object('text', 'row ' || g), 1000, $2,
                now() - interval '1 minute'
           FROM generate_series(1, $1) g
         RETURNING id`,
        [count, ownerId],
      )
    ).map((r) => r.id);
  const rows = (ids: string[]) =>
    db.dataSource.query<Array<{ dispatched_at: Date | null; dispatch_attempts: number; last_error: string }>>(
      `SELECT dispatched_at, dispatch_attempts, last_error FROM outbox WHERE id = ANY($1::uuid[])`,
      [ids],
    );

  it('costs one WAIT per relay batch: times a batch of 500 with and without it', async () => {
    const timings: Record<'none' | 'one', number[]> = { none: [], one: [] };
    for (let round = 0; round <= ROUNDS; round += 1) {
      // Alternated, so both see the same machine load; round 0 warms up connections and scripts.
      for (const name of ['none', 'one'] as const) {
        await insertRows(BATCH);
        const started = performance.now();
        expect(await outbox[name].dispatchPending(BATCH)).toBe(BATCH);
        if (round > 0) timings[name].push(performance.now() - started);
      }
    }
    const summary = (ms: number[]) => {
      const sorted = [...ms].sort((a, b) => a - b);
      return `median ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} ms (${sorted[0].toFixed(1)}–${sorted.at(-1)!.toFixed(1)})`;
    };
    console.log(
      `relay batch of ${BATCH} rows on the cluster, ${ROUNDS} rounds: without WAIT ${summary(timings.none)}; ` +
        `with WAIT 1 ${summary(timings.one)}`,
    );
    expect(await outbox.none.pendingCount()).toBe(0);
  });

  it('leaves rows pending while fewer replicas than required confirm; a retry does not add the job twice', async () => {
    const owner = await issueApiKey(db.dataSource, 'replica-wait', 'internal');
    const ids = await insertRows(3, owner.id);
    expect(await outbox.two.dispatchPending(BATCH)).toBe(0);
    expect(await outbox.two.dispatchPending(BATCH)).toBe(0);
    for (const row of await rows(ids)) {
      expect(row.dispatched_at).toBeNull();
      expect(row.dispatch_attempts).toBe(2);
      expect(row.last_error).toMatch(/^added, but 1 of 2 replicas had it after \d+ ms$/);
    }
    // Its owner sees the job as it is in the queue, not as "accepted" (never enqueued).
    const res = await fetch(`${apps[2].baseUrl}/v1/jobs/${ids[0]}`, { headers: { 'x-api-key': owner.key } });
    expect(((await res.json()) as { status: string }).status).toBe('prioritized');
    // The jobs are in the queue all the same (they run); added twice, they are there once.
    const counts = await queue.getJobCounts('prioritized', 'waiting');
    for (const id of ids) expect(await queue.getJobState(id)).toBe('prioritized');
    expect(await outbox.one.dispatchPending(BATCH)).toBe(3);
    expect(await queue.getJobCounts('prioritized', 'waiting')).toEqual(counts);
    for (const row of await rows(ids)) expect(row.dispatched_at).not.toBeNull();
  });

  it('adds a job anew when Redis lost it before any replica confirmed it (a failover)', async () => {
    const [id] = await insertRows(1);
    expect(await outbox.two.dispatchPending(BATCH)).toBe(0);
    expect(await queue.getJobState(id)).toBe('prioritized');
    await queue.remove(id); // what a promoted replica that never received the job looks like
    expect(await queue.getJobState(id)).toBe('unknown');
    expect(await outbox.one.dispatchPending(BATCH)).toBe(1);
    expect(await queue.getJobState(id)).toBe('prioritized');
  });
});
