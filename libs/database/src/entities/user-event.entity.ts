import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const EVENT_TYPES = ['search', 'purchase'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

@Entity({ name: 'user_events' })
export class UserEvent {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  /** The tenant the user belongs to: (tenant_id, user_id) is one user. */
  @Column({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @Column({ name: 'user_id', type: 'text' })
  userId!: string;

  @Column({ type: 'text' })
  type!: EventType;

  @Column({ type: 'text' })
  category!: string;

  @Column({ name: 'occurred_at', type: 'timestamptz', default: () => 'now()' })
  occurredAt!: Date;

  @Column({ name: 'api_key_id', type: 'uuid' })
  apiKeyId!: string;
}
