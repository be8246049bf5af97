import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
// The queue owns the vocabulary of priorities; a tier only stores which one its jobs get by default.
import type { PriorityClass } from '@platform/queue';

/** A rate-limit and quota tier; API keys belong to one. */
@Entity({ name: 'tiers' })
export class Tier {
  @PrimaryColumn({ type: 'text' })
  name!: string;

  @Column({ name: 'rate_per_minute', type: 'integer' })
  ratePerMinute!: number;

  @Column({ type: 'integer' })
  burst!: number;

  @Column({ name: 'default_priority', type: 'text' })
  defaultPriority!: PriorityClass;

  @Column({ name: 'max_batch', type: 'integer' })
  maxBatch!: number;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
