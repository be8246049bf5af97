import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The reference domain: user events, computed recommendations, webhook subscriptions. */
export class CreateDomainTables1764115200000 implements MigrationInterface {
  name = 'CreateDomainTables1764115200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE user_events (
        id           bigserial PRIMARY KEY,
        user_id      text NOT NULL CHECK (user_id ~ '^[A-Za-z0-9_.:-]{1,64}$'),
        type         text NOT NULL CHECK (type IN ('search', 'purchase')),
        category     text NOT NULL CHECK (char_length(category) BETWEEN 1 AND 64),
        occurred_at  timestamptz NOT NULL DEFAULT now(),
        api_key_id   uuid NOT NULL REFERENCES api_keys(id)
      )`);
    // Recompute reads one user's recent events, newest first.
    await q.query(`CREATE INDEX user_events_user_time_idx ON user_events (user_id, occurred_at DESC)`);
    // Popular categories: a time-bounded scan that never touches the heap for the category.
    await q.query(
      `CREATE INDEX user_events_time_category_idx ON user_events (occurred_at) INCLUDE (category)`,
    );

    await q.query(`
      CREATE TABLE recommendations (
        user_id       text PRIMARY KEY,
        body          jsonb NOT NULL,
        version       integer NOT NULL DEFAULT 1,
        computed_at   timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE webhook_subscriptions (
        id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        api_key_id  uuid NOT NULL REFERENCES api_keys(id),
        url         text NOT NULL CHECK (char_length(url) <= 2048),
        events      text[] NOT NULL CHECK (cardinality(events) > 0),
        secret      text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        deleted_at  timestamptz
      )`);
    // Fan-out looks up live subscriptions by event name; listing is per key.
    await q.query(
      `CREATE INDEX webhook_subscriptions_live_events_idx ON webhook_subscriptions USING gin (events) WHERE deleted_at IS NULL`,
    );
    await q.query(
      `CREATE INDEX webhook_subscriptions_live_key_idx ON webhook_subscriptions (api_key_id, created_at) WHERE deleted_at IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_subscriptions`);
    await q.query(`DROP TABLE recommendations`);
    await q.query(`DROP TABLE user_events`);
  }
}
