import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateTiersAndApiKeys1764028800000 implements MigrationInterface {
  name = 'CreateTiersAndApiKeys1764028800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tiers (
        name             text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
        rate_per_minute  integer NOT NULL CHECK (rate_per_minute > 0),
        burst            integer NOT NULL CHECK (burst > 0),
        default_priority text NOT NULL CHECK (default_priority IN ('critical', 'high', 'normal', 'low')),
        max_batch        integer NOT NULL CHECK (max_batch > 0),
        updated_at       timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE api_keys (
        id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name        text NOT NULL,
        key_hash    char(64) NOT NULL,
        key_prefix  text NOT NULL,
        tier        text NOT NULL REFERENCES tiers(name) ON UPDATE CASCADE ON DELETE RESTRICT,
        created_at  timestamptz NOT NULL DEFAULT now(),
        revoked_at  timestamptz
      )`);
    // Lookups are by hash of a live key; a revoked key may share nothing with a live one.
    await q.query(
      `CREATE UNIQUE INDEX api_keys_live_hash_uq ON api_keys (key_hash) WHERE revoked_at IS NULL`,
    );
    await q.query(`CREATE INDEX api_keys_tier_idx ON api_keys (tier)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE api_keys`);
    await q.query(`DROP TABLE tiers`);
  }
}
