import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type Repository } from 'typeorm';
import { InjectConfig, type AppConfig } from '@platform/config';
import { WebhookSubscription } from '@platform/database';
import { ApiError } from '@platform/http';
import { checkWebhookUrl, generateWebhookSecret, WebhookTargetError } from '@platform/webhooks';
import {
  MAX_SUBSCRIPTIONS_PER_KEY,
  type CreateWebhook,
  type RotatedSecret,
  type RotateSecret,
  type SubscriptionView,
} from './webhooks.schemas';

/** Webhook subscriptions belong to the API key that created them; nobody else sees or deletes them. */
@Injectable()
export class WebhooksService {
  constructor(
    @InjectRepository(WebhookSubscription) private readonly subscriptions: Repository<WebhookSubscription>,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async create(apiKeyId: string, input: CreateWebhook): Promise<SubscriptionView & { secret: string }> {
    try {
      const { allowPrivate, allowHttp } = this.config.webhooks;
      checkWebhookUrl(input.url, { allowPrivate, allowHttp });
    } catch (error) {
      if (!(error instanceof WebhookTargetError)) throw error;
      throw new ApiError(400, 'validation_failed', `Invalid webhook url: ${error.message}`, {
        fields: [{ field: 'body.url', message: error.message }],
      });
    }
    const live = await this.subscriptions.countBy({ apiKeyId, deletedAt: IsNull() });
    if (live >= MAX_SUBSCRIPTIONS_PER_KEY) {
      throw new ApiError(
        409,
        'subscription_limit',
        `At most ${MAX_SUBSCRIPTIONS_PER_KEY} webhooks per API key`,
      );
    }
    const secret = input.secret ?? generateWebhookSecret();
    const saved = await this.subscriptions.save({
      apiKeyId,
      url: input.url,
      events: input.events,
      secret,
      deletedAt: null,
    });
    return { ...view(saved), secret };
  }

  async list(apiKeyId: string): Promise<SubscriptionView[]> {
    const rows = await this.subscriptions.find({
      where: { apiKeyId, deletedAt: IsNull() },
      order: { createdAt: 'ASC' },
    });
    return rows.map(view);
  }

  /**
   * Replaces the secret; the old one keeps signing (a second `v1,` signature) for the configured
   * window, so receivers can switch without refusing deliveries. Only the last secret is kept: a
   * second rotation inside the window ends the first one's grace at once.
   */
  async rotateSecret(apiKeyId: string, id: string, input: RotateSecret): Promise<RotatedSecret> {
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
      .where('id = :id AND api_key_id = :apiKeyId AND deleted_at IS NULL', {
        id,
        apiKeyId,
        window: this.config.webhooks.secretRotationWindowSeconds,
      })
      .returning('previous_secret_expires_at')
      .execute();
    const row = (result.raw as Array<{ previous_secret_expires_at: Date }>)[0];
    if (!row) throw new ApiError(404, 'webhook_not_found', 'No such webhook subscription');
    return { id, secret, previousSecretExpiresAt: new Date(row.previous_secret_expires_at).toISOString() };
  }

  async remove(apiKeyId: string, id: string): Promise<void> {
    const result = await this.subscriptions.update(
      { id, apiKeyId, deletedAt: IsNull() },
      { deletedAt: () => 'now()' },
    );
    if (!result.affected) throw new ApiError(404, 'webhook_not_found', 'No such webhook subscription');
  }
}

function view(row: WebhookSubscription): SubscriptionView {
  return {
    id: row.id,
    url: row.url,
    events: row.events as SubscriptionView['events'],
    createdAt: row.createdAt.toISOString(),
  };
}
