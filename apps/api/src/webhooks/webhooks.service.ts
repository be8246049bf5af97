import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type Repository } from 'typeorm';
import { InjectConfig, type AppConfig } from '@platform/config';
import { WebhookSubscription } from '@platform/database';
import { ApiError } from '@platform/http';
import { generateSecret } from '@platform/security';
import { checkWebhookUrl, WebhookTargetError } from '@platform/webhooks';
import { MAX_SUBSCRIPTIONS_PER_KEY, type CreateWebhook, type SubscriptionView } from './webhooks.schemas';

/** Webhook subscriptions belong to the API key that created them; nobody else sees or deletes them. */
@Injectable()
export class WebhooksService {
  constructor(
    @InjectRepository(WebhookSubscription) private readonly subscriptions: Repository<WebhookSubscription>,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async create(apiKeyId: string, input: CreateWebhook): Promise<SubscriptionView & { secret: string }> {
    try {
      checkWebhookUrl(input.url, this.config.webhooks.allowPrivate);
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
    const secret = input.secret ?? generateSecret('whsec_', 24);
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
