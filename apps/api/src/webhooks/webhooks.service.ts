import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository, SelectQueryBuilder } from 'typeorm';
import { InjectConfig, type AppConfig } from '@platform/config';
import { ApiKey, WebhookSubscription } from '@platform/database';
import { ApiError } from '@platform/http';
import { checkWebhookUrl, generateWebhookSecret, WebhookTargetError } from '@platform/webhooks';
import type { Caller } from '../auth/caller';
import {
  type CreateWebhook,
  type RotatedSecret,
  type RotateSecret,
  type SubscriptionView,
} from './webhooks.schemas';

/**
 * Webhook subscriptions belong to a tenant: any of its keys lists, rotates and removes them, and their
 * deliveries carry only that tenant's users. Another tenant's subscription is simply not found. A
 * subscription is disabled (listed, never delivered to) once the key that created it is revoked.
 */
@Injectable()
export class WebhooksService {
  constructor(
    @InjectRepository(WebhookSubscription) private readonly subscriptions: Repository<WebhookSubscription>,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async create(caller: Caller, input: CreateWebhook): Promise<SubscriptionView & { secret: string }> {
    try {
      const { allowPrivate, allowHttp } = this.config.webhooks;
      checkWebhookUrl(input.url, { allowPrivate, allowHttp });
    } catch (error) {
      if (!(error instanceof WebhookTargetError)) throw error;
      throw new ApiError(400, 'validation_failed', `Invalid webhook url: ${error.message}`, {
        fields: [{ field: 'body.url', message: error.message }],
      });
    }
    // Disabled subscriptions do not count: the tenant may replace them before deleting them.
    const max = this.config.tenants.maxWebhookSubscriptions;
    const live = await this.ofTenant(caller.tenantId).andWhere('k.revoked_at IS NULL').getCount();
    if (live >= max) {
      throw new ApiError(409, 'subscription_limit', `At most ${max} webhooks per tenant`);
    }
    const secret = input.secret ?? generateWebhookSecret();
    const saved = await this.subscriptions.save({
      tenantId: caller.tenantId,
      apiKeyId: caller.apiKeyId,
      url: input.url,
      events: input.events,
      secret,
      deletedAt: null,
    });
    return { ...view({ ...saved, revoked_at: null }), secret };
  }

  async list(caller: Caller): Promise<SubscriptionView[]> {
    const rows = await this.ofTenant(caller.tenantId)
      .addSelect('k.revoked_at', 'revoked_at')
      .orderBy('s.created_at', 'ASC')
      .addOrderBy('s.id', 'ASC')
      .getRawAndEntities();
    return rows.entities.map((row, i) =>
      view({ ...row, revoked_at: (rows.raw[i] as { revoked_at: Date | null }).revoked_at }),
    );
  }

  /**
   * Replaces the secret; the old one keeps signing (a second `v1,` signature) for the configured
   * window, so receivers can switch without refusing deliveries. Only the last secret is kept: a
   * second rotation inside the window ends the first one's grace at once.
   */
  async rotateSecret(caller: Caller, id: string, input: RotateSecret): Promise<RotatedSecret> {
    const secret = input.secret ?? generateWebhookSecret();
    const result = await this.subscriptions
      .createQueryBuilder()
      .update()
      .set({
        // SET reads the row as it was: the current secret becomes the previous one.
        previousSecret: () => 'secret',
        previousSecretExpiresAt: () => 'now() + make_interval(secs => :window)',
        secret,
        secretFromLegacy: false,
      })
      .where('id = :id AND tenant_id = :tenantId AND deleted_at IS NULL', {
        id,
        tenantId: caller.tenantId,
        window: this.config.webhooks.secretRotationWindowSeconds,
      })
      .returning('previous_secret_expires_at')
      .execute();
    const row = (result.raw as Array<{ previous_secret_expires_at: Date }>)[0];
    if (!row) throw new ApiError(404, 'webhook_not_found', 'No such webhook subscription');
    return { id, secret, previousSecretExpiresAt: new Date(row.previous_secret_expires_at).toISOString() };
  }

  async remove(caller: Caller, id: string): Promise<void> {
    const result = await this.subscriptions
      .createQueryBuilder()
      .update()
      .set({ deletedAt: () => 'now()' })
      .where('id = :id AND tenant_id = :tenantId AND deleted_at IS NULL', { id, tenantId: caller.tenantId })
      .execute();
    if (!result.affected) throw new ApiError(404, 'webhook_not_found', 'No such webhook subscription');
  }

  /** The tenant's subscriptions that are not deleted, with the key that created each (alias `k`). */
  private ofTenant(tenantId: string): SelectQueryBuilder<WebhookSubscription> {
    return this.subscriptions
      .createQueryBuilder('s')
      .innerJoin(ApiKey, 'k', 'k.id = s.api_key_id')
      .where('s.tenant_id = :tenantId AND s.deleted_at IS NULL', { tenantId });
  }
}

function view(row: WebhookSubscription & { revoked_at: Date | null }): SubscriptionView {
  return {
    id: row.id,
    url: row.url,
    events: row.events as SubscriptionView['events'],
    status: row.revoked_at ? 'disabled' : 'active',
    createdBy: row.apiKeyId,
    createdAt: row.createdAt.toISOString(),
  };
}
