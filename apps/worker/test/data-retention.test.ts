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
import { DataRetention } from '../src/retention/data-retention';

describe('data retention (real worker, Postgres)', () => {
  let db: TestDatabase;
  let worker: RunningApp;
  let env: Record<string, string | undefined>;

  beforeAll(async () => {
    db = await createTestDatabase();
    env = testEnv({ DATABASE_URL: db.url, USER_EVENTS_RETENTION_DAYS: '30' });
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
    expect((await worker.app.get(DataRetention).pruneOnce()).event_requests).toBe(30);
    const left = await db.dataSource.query<Array<{ idempotency_key: string }>>(
      `SELECT idempotency_key FROM event_requests ORDER BY idempotency_key`,
    );
    expect(left.map((r) => r.idempotency_key)).toEqual(['new-1', 'new-2', 'new-3', 'new-4', 'new-5']);
  });

  it('deletes user events older than USER_EVENTS_RETENTION_DAYS, across tenants, in batches', async () => {
    const a = await issueApiKey(db.dataSource, 'tenant-a', 'free');
    const b = await issueApiKey(db.dataSource, 'tenant-b', 'free');
    await db.dataSource.query(
      `INSERT INTO user_events (tenant_id, user_id, type, category, occurred_at, api_key_id)
       SELECT k.tenant_id, 'u' || g, 'search', 'books', now() - make_interval(days => d), k.id
         FROM api_keys k, generate_series(1, 6000) g, (VALUES (31), (29)) AS age(d)
        WHERE k.id IN ($1, $2)`,
      [a.id, b.id],
    );
    // 2 tenants × 6,000 old events: more than one batch of 5,000.
    expect((await worker.app.get(DataRetention).pruneOnce()).user_events).toBe(12_000);
    const [{ left, oldest }] = await db.dataSource.query<Array<{ left: number; oldest: number }>>(
      `SELECT count(*)::int AS left, max(now()::date - occurred_at::date) AS oldest FROM user_events`,
    );
    expect(left).toBe(12_000);
    expect(oldest).toBe(29);
  });
});
