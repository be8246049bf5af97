import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The first answer to a POST /v1/events sent with an Idempotency-Key (kept for a day). */
@Entity({ name: 'event_requests' })
export class EventRequest {
  @PrimaryColumn({ name: 'api_key_id', type: 'uuid' })
  apiKeyId!: string;

  @PrimaryColumn({ name: 'idempotency_key', type: 'text' })
  idempotencyKey!: string;

  @Column({ name: 'request_hash', type: 'text' })
  requestHash!: string;

  @Column({ type: 'jsonb' })
  response!: unknown;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
