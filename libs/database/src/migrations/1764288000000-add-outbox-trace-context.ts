import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The request id and W3C trace context of the request that asked for a job, so the job (enqueued at
 * once or later by the relay) runs with that request's id in its log lines and joins its trace.
 */
export class AddOutboxTraceContext1764288000000 implements MigrationInterface {
  name = 'AddOutboxTraceContext1764288000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox ADD COLUMN trace_context jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox DROP COLUMN trace_context`);
  }
}
