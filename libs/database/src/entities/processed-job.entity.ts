import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * Jobs whose effect has been applied: a handler inserts its job id here in the same transaction as
 * the effect, so a job run twice (BullMQ is at-least-once) changes things once.
 */
@Entity({ name: 'processed_jobs' })
export class ProcessedJob {
  @PrimaryColumn({ name: 'job_key', type: 'text' })
  jobKey!: string;

  @Column({ type: 'jsonb', nullable: true })
  result!: unknown;

  @CreateDateColumn({ name: 'processed_at', type: 'timestamptz' })
  processedAt!: Date;
}
