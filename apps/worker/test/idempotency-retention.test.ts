import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '@platform/database';
import {
  createTestDatabase,
  deleteRedisKeys,
  startInProcess,
  testEnv,
  type RunningApp,
  type TestDatabase,
} from '../../../test/support';
import { IdempotencyRetention } from '../src/retention/idempotency-retention';

describe('idempotency key retention (real worker, Postgres)', () => {
  let db: TestDatabase;
  let worker: RunningApp;
  let env: Record<string, string | undefined>;

  beforeAll(async () => {
    db = await createTestDatabase();
    env = testEnv({ DATABASE_URL: db.url });
    worker = await startInProcess('worker', env);
  });
  afterAll(async () => {
    await worker?.close();
    await db?.drop();
    await deleteRedisKeys(env?.REDIS_KEY_PREFIX);
  });

  it('deletes keys older than a day and keeps the rest', async () => {
    const { id } = await issueApiKey(db.dataSource, 'retention', 'free');
    await db.dataSource.query(
      `INSERT INTO event_requests (api_key_id, idempotency_key, request_hash, response, created_at)
       SELECT $1::uuid, 'old-' || g, 'h', '{}'::jsonb, now() - interval '25 hours' FROM generate_series(1, 30) g
       UNION ALL
       SELECT $1::uuid, 'new-' || g, 'h', '{}'::jsonb, now() - interval '23 hours' FROM generate_series(1, 5) g`,
      [id],
    );
    expect(await worker.app.get(IdempotencyRetention).pruneOnce()).toBe(30);
    const left = await db.dataSource.query<Array<{ idempotency_key: string }>>(
      `SELECT idempotency_key FROM event_requests ORDER BY idempotency_key`,
    );
    expect(left.map((r) => r.idempotency_key)).toEqual(['new-1', 'new-2', 'new-3', 'new-4', 'new-5']);
  });
});
