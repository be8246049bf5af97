import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A job to enqueue, written in the same transaction as the change that asks for it. Its id becomes
 * the BullMQ job id, so enqueueing it twice is a no-op. `dispatchedAt` is set once it is in the queue.
 * `ownerId`, `idempotencyKey` and `requestHash` are set when a client asked for the job (POST /v1/jobs).
 */
@Entity({ name: 'outbox' })
export class OutboxEntry {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  queue!: string;

  @Column({ name: 'job_name', type: 'text' })
  jobName!: string;

  @Column({ type: 'jsonb' })
  payload!: unknown;

  /** BullMQ priority (a number, never 0) and delay. */
  @Column({ type: 'integer' })
  priority!: number;

  @Column({ name: 'delay_ms', type: 'integer', default: 0 })
  delayMs!: number;

  @Column({ name: 'owner_id', type: 'text', nullable: true })
  ownerId!: string | null;

  @Column({ name: 'idempotency_key', type: 'text', nullable: true })
  idempotencyKey!: string | null;

  @Column({ name: 'request_hash', type: 'text', nullable: true })
  requestHash!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'dispatched_at', type: 'timestamptz', nullable: true })
  dispatchedAt!: Date | null;

  /** The BullMQ job carrying this row's work: its own id, or the job it coalesced into. */
  @Column({ name: 'job_id', type: 'text', nullable: true })
  jobId!: string | null;

  @Column({ name: 'dispatch_attempts', type: 'integer', default: 0 })
  dispatchAttempts!: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  /** `{ "x-request-id", traceparent?, tracestate? }` of the request that asked for the job. */
  @Column({ name: 'trace_context', type: 'jsonb', nullable: true })
  traceContext!: Record<string, string> | null;
}
