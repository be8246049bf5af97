import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateOutboxAndProcessedJobs1764100000000 implements MigrationInterface {
  name = 'CreateOutboxAndProcessedJobs1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE outbox (
        id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        queue             text NOT NULL,
        job_name          text NOT NULL,
        payload           jsonb NOT NULL,
        priority          integer NOT NULL CHECK (priority BETWEEN 1 AND 2097151),
        delay_ms          integer NOT NULL DEFAULT 0 CHECK (delay_ms >= 0),
        owner_id          text,
        idempotency_key   text,
        request_hash      text,
        created_at        timestamptz NOT NULL DEFAULT now(),
        dispatched_at     timestamptz,
        -- The BullMQ job carrying this row's work: its own id, or the job it coalesced into.
        job_id            text,
        dispatch_attempts integer NOT NULL DEFAULT 0,
        last_error        text
      )`);
    // The relay scans only what is still to be enqueued, oldest first.
    await q.query(`CREATE INDEX outbox_pending_idx ON outbox (created_at) WHERE dispatched_at IS NULL`);
    // One job per (caller, idempotency key).
    await q.query(
      `CREATE UNIQUE INDEX outbox_owner_idempotency_uq ON outbox (owner_id, idempotency_key)
       WHERE idempotency_key IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX outbox_dispatched_at_idx ON outbox (dispatched_at) WHERE dispatched_at IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE processed_jobs (
        job_key      text PRIMARY KEY,
        result       jsonb,
        processed_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Effects of the diagnostics job type (fault drills count applications here).
    await q.query(`
      CREATE TABLE diagnostic_counters (
        name  text PRIMARY KEY,
        value bigint NOT NULL DEFAULT 0
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE diagnostic_counters`);
    await q.query(`DROP TABLE processed_jobs`);
    await q.query(`DROP TABLE outbox`);
  }
}
