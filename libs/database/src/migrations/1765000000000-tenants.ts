import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The tenant that receives every row written before tenants existed (a fixed id, so `down` finds it). */
export const PRE_TENANCY_TENANT_ID = '00000000-0000-4000-8000-000000000001';

/**
 * Tenants: every API key belongs to one, and users, events, recommendations and webhook
 * subscriptions are scoped by it (the same user id in two tenants is two users). Rows written before
 * tenants existed move into one tenant created for them, so existing keys keep seeing exactly what
 * they saw. `down` drops the scoping again; it refuses when two tenants hold the same user id, since
 * merging them back would mix their users' data.
 */
export class Tenants1765000000000 implements MigrationInterface {
  name = 'Tenants1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tenants (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name          text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
        created_at    timestamptz NOT NULL DEFAULT now(),
        suspended_at  timestamptz
      )`);
    const [{ existing }] = (await q.query(
      `SELECT (EXISTS (SELECT 1 FROM api_keys) OR EXISTS (SELECT 1 FROM user_events)
               OR EXISTS (SELECT 1 FROM recommendations)) AS existing`,
    )) as Array<{ existing: boolean }>;
    if (existing) {
      await q.query(`INSERT INTO tenants (id, name) VALUES ($1, 'pre-tenancy')`, [PRE_TENANCY_TENANT_ID]);
    }
    for (const table of ['api_keys', 'user_events', 'recommendations', 'webhook_subscriptions']) {
      await q.query(`ALTER TABLE ${table} ADD COLUMN tenant_id uuid`);
      await q.query(`UPDATE ${table} SET tenant_id = $1`, [PRE_TENANCY_TENANT_ID]);
      await q.query(`ALTER TABLE ${table} ALTER COLUMN tenant_id SET NOT NULL`);
    }
    // Recompute jobs not yet handed to the queue name their user's tenant from now on.
    await q.query(
      `UPDATE outbox SET payload = payload || jsonb_build_object('tenantId', $1::text)
        WHERE job_name = 'recommendations.recompute' AND dispatched_at IS NULL`,
      [PRE_TENANCY_TENANT_ID],
    );
    await q.query(`ALTER TABLE api_keys ADD FOREIGN KEY (tenant_id) REFERENCES tenants(id)`);
    await q.query(`CREATE INDEX api_keys_tenant_idx ON api_keys (tenant_id, created_at)`);
    await q.query(`ALTER TABLE webhook_subscriptions ADD FOREIGN KEY (tenant_id) REFERENCES tenants(id)`);
    // Events and recommendations are the hot tables: their tenant is their key's, checked by the app
    // (a foreign key would add a lookup to every event insert).

    await q.query(`DROP INDEX user_events_user_time_idx`);
    await q.query(
      `CREATE INDEX user_events_user_time_idx ON user_events (tenant_id, user_id, occurred_at DESC)`,
    );
    // Popular categories are per tenant: a tenant's recent events, category from the index alone.
    await q.query(`DROP INDEX user_events_time_category_idx`);
    await q.query(
      `CREATE INDEX user_events_time_category_idx ON user_events (tenant_id, occurred_at) INCLUDE (category)`,
    );
    await q.query(`ALTER TABLE recommendations DROP CONSTRAINT recommendations_pkey`);
    await q.query(`ALTER TABLE recommendations ADD PRIMARY KEY (tenant_id, user_id)`);
    await q.query(`DROP INDEX webhook_subscriptions_live_key_idx`);
    await q.query(
      `CREATE INDEX webhook_subscriptions_live_tenant_idx ON webhook_subscriptions (tenant_id, created_at) WHERE deleted_at IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    const [{ shared }] = (await q.query(
      `SELECT EXISTS (SELECT 1 FROM recommendations GROUP BY user_id HAVING count(*) > 1) AS shared`,
    )) as Array<{ shared: boolean }>;
    if (shared) {
      throw new Error(
        'Cannot revert tenants: several tenants hold recommendations for the same user id, which one table without tenants cannot keep apart',
      );
    }
    await q.query(`DROP INDEX webhook_subscriptions_live_tenant_idx`);
    await q.query(
      `CREATE INDEX webhook_subscriptions_live_key_idx ON webhook_subscriptions (api_key_id, created_at) WHERE deleted_at IS NULL`,
    );
    await q.query(`ALTER TABLE recommendations DROP CONSTRAINT recommendations_pkey`);
    await q.query(`ALTER TABLE recommendations ADD PRIMARY KEY (user_id)`);
    await q.query(`DROP INDEX user_events_time_category_idx`);
    await q.query(
      `CREATE INDEX user_events_time_category_idx ON user_events (occurred_at) INCLUDE (category)`,
    );
    await q.query(`DROP INDEX user_events_user_time_idx`);
    await q.query(`CREATE INDEX user_events_user_time_idx ON user_events (user_id, occurred_at DESC)`);
    await q.query(`DROP INDEX api_keys_tenant_idx`);
    await q.query(
      `UPDATE outbox SET payload = payload - 'tenantId'
        WHERE job_name = 'recommendations.recompute' AND dispatched_at IS NULL`,
    );
    for (const table of ['webhook_subscriptions', 'recommendations', 'user_events', 'api_keys']) {
      await q.query(`ALTER TABLE ${table} DROP COLUMN tenant_id`);
    }
    await q.query(`DROP TABLE tenants`);
  }
}
