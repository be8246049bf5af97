import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey, PRE_TENANCY_TENANT_ID } from '@platform/database';
import { createTestDatabase, undoMigrationsThrough, type TestDatabase } from '../../../test/support/libs';

const TENANTS = 'Tenants1765000000000';

/**
 * A database that holds rows from before tenants: the migration moves every row into one tenant made
 * for them (nothing lost, the same key still sees the same users), and `down` gives the old schema
 * back with the rows intact.
 */
describe('migration to tenants', () => {
  let db: TestDatabase;
  const q = <T = Record<string, unknown>>(sql: string, params?: unknown[]) =>
    db.dataSource.query<T[]>(sql, params);
  const columns = async (table: string) =>
    (
      await q<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_name = $1`,
        [table],
      )
    ).map((c) => c.column_name);

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  it('moves existing keys, events, recommendations, subscriptions and pending jobs into one tenant, and reverts', async () => {
    await undoMigrationsThrough(db.dataSource, TENANTS);
    const [{ id: keyId }] = await q<{ id: string }>(
      `INSERT INTO api_keys (name, key_hash, key_prefix, tier) VALUES ('old', repeat('a', 64), 'pk_a', 'free')
       RETURNING id`,
    );
    await q(
      `INSERT INTO user_events (user_id, type, category, api_key_id)
       SELECT 'user-' || (i % 10), 'search', 'books', $1 FROM generate_series(1, 100) i`,
      [keyId],
    );
    await q(
      `INSERT INTO recommendations (user_id, body) VALUES ('user-1', '{"a":1}'), ('user-2', '{"b":2}')`,
    );
    await q(
      `INSERT INTO webhook_subscriptions (api_key_id, url, events, secret)
       VALUES ($1, 'https://hooks.example.com', '{recommendations.updated}', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')`,
      [keyId],
    );
    const [{ id: pendingJob }] = await q<{ id: string }>(
      `INSERT INTO outbox (queue, job_name, payload, priority, owner_id)
       VALUES ('recommendations', 'recommendations.recompute', '{"userId":"user-1"}', 2, $1) RETURNING id`,
      [keyId],
    );

    await db.dataSource.runMigrations();

    expect(await q(`SELECT id, name FROM tenants`)).toEqual([
      { id: PRE_TENANCY_TENANT_ID, name: 'pre-tenancy' },
    ]);
    for (const [table, rows] of [
      ['api_keys', 1],
      ['user_events', 100],
      ['recommendations', 2],
      ['webhook_subscriptions', 1],
    ] as const) {
      expect(await q(`SELECT tenant_id, count(*)::int AS n FROM ${table} GROUP BY tenant_id`), table).toEqual(
        [{ tenant_id: PRE_TENANCY_TENANT_ID, n: rows }],
      );
    }
    const [job] = await q<{ payload: unknown }>(`SELECT payload FROM outbox WHERE id = $1`, [pendingJob]);
    expect(job.payload).toEqual({ userId: 'user-1', tenantId: PRE_TENANCY_TENANT_ID });

    // New keys get tenants of their own, beside the old one; the same user id can now exist twice.
    const fresh = await issueApiKey(db.dataSource, 'new', 'free');
    expect(fresh.tenant).not.toBe(PRE_TENANCY_TENANT_ID);
    await q(`INSERT INTO recommendations (tenant_id, user_id, body) VALUES ($1, 'user-1', '{"c":3}')`, [
      fresh.tenant,
    ]);
    // ...which one table without tenants cannot hold: down refuses and changes nothing.
    await expect(undoMigrationsThrough(db.dataSource, TENANTS)).rejects.toThrow(/same user id/);
    expect(await columns('recommendations')).toContain('tenant_id');

    await q(`DELETE FROM recommendations WHERE tenant_id = $1`, [fresh.tenant]);
    await q(`DELETE FROM api_keys WHERE id = $1`, [fresh.id]);
    await q(`DELETE FROM tenants WHERE id = $1`, [fresh.tenant]);
    await undoMigrationsThrough(db.dataSource, TENANTS);
    for (const table of ['api_keys', 'user_events', 'recommendations', 'webhook_subscriptions']) {
      expect(await columns(table), table).not.toContain('tenant_id');
    }
    expect(await q(`SELECT to_regclass('tenants') AS t`)).toEqual([{ t: null }]);
    expect(await q(`SELECT count(*)::int AS n FROM user_events`)).toEqual([{ n: 100 }]);
    expect(await q(`SELECT user_id FROM recommendations ORDER BY user_id`)).toEqual([
      { user_id: 'user-1' },
      { user_id: 'user-2' },
    ]);
    const [reverted] = await q<{ payload: unknown }>(`SELECT payload FROM outbox WHERE id = $1`, [
      pendingJob,
    ]);
    expect(reverted.payload).toEqual({ userId: 'user-1' });

    await db.dataSource.runMigrations();
    expect(
      await q(`SELECT count(*)::int AS n FROM user_events WHERE tenant_id = $1`, [PRE_TENANCY_TENANT_ID]),
    ).toEqual([{ n: 100 }]);
  });

  it('creates no tenant on an empty database', async () => {
    const empty = await createTestDatabase();
    try {
      expect(await empty.dataSource.query(`SELECT count(*)::int AS n FROM tenants`)).toEqual([{ n: 0 }]);
    } finally {
      await empty.drop();
    }
  });
});
