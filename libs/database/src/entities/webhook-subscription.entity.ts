import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'webhook_subscriptions' })
export class WebhookSubscription {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** The tenant whose users' events it receives; any of the tenant's keys manages it. */
  @Column({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  /** The key that created it: revoking that key disables it. */
  @Column({ name: 'api_key_id', type: 'uuid' })
  apiKeyId!: string;

  @Column({ type: 'text' })
  url!: string;

  @Column({ type: 'text', array: true })
  events!: string[];

  /**
   * The subscriber's `whsec_` signing secret (needed in clear to compute HMACs); never returned after
   * creation or rotation.
   */
  @Column({ type: 'text', select: false })
  secret!: string;

  /** The secret rotated out last; deliveries are signed with it too until it expires. */
  @Column({ name: 'previous_secret', type: 'text', nullable: true, select: false })
  previousSecret!: string | null;

  @Column({ name: 'previous_secret_expires_at', type: 'timestamptz', nullable: true })
  previousSecretExpiresAt!: Date | null;

  /** Converted from the pre-Standard-Webhooks format by a migration (which can convert it back). */
  @Column({ name: 'secret_from_legacy', type: 'boolean', default: false, select: false })
  secretFromLegacy!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;
}

/**
 * The subscriptions that may receive deliveries, as alias `s`, for a `SELECT … FROM` followed by more
 * `AND` conditions: not deleted, the key that created it not revoked, its tenant not suspended. Fan-out
 * and each delivery attempt use this one definition, so a revocation or suspension stops both.
 */
export const ENABLED_WEBHOOK_SUBSCRIPTIONS = `webhook_subscriptions s
  JOIN api_keys k ON k.id = s.api_key_id AND k.revoked_at IS NULL
  JOIN tenants t ON t.id = s.tenant_id AND t.suspended_at IS NULL
 WHERE s.deleted_at IS NULL`;
