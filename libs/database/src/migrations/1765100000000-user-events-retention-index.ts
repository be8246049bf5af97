import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retention deletes user events by age across all tenants; the other indexes lead with the tenant.
 * A BRIN index on occurred_at is a few pages for millions of rows and nearly free to maintain, and
 * events mostly arrive in time order, which is what BRIN needs to skip old blocks.
 */
export class UserEventsRetentionIndex1765100000000 implements MigrationInterface {
  name = 'UserEventsRetentionIndex1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX user_events_occurred_brin ON user_events USING brin (occurred_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX user_events_occurred_brin`);
  }
}
