import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency keys of POST /v1/events: a client that did not see the answer to a write may send it
 * again with the same `Idempotency-Key` and gets the first answer back instead of a second write.
 */
export class CreateEventRequests1764201600000 implements MigrationInterface {
  name = 'CreateEventRequests1764201600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE event_requests (
        api_key_id      uuid NOT NULL REFERENCES api_keys(id),
        idempotency_key text NOT NULL CHECK (char_length(idempotency_key) BETWEEN 1 AND 255),
        request_hash    text NOT NULL,
        response        jsonb NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (api_key_id, idempotency_key)
      )`);
    // Retention deletes the oldest first.
    await q.query(`CREATE INDEX event_requests_created_at_idx ON event_requests (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE event_requests`);
  }
}
