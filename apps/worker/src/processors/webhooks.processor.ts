import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { BREAKER_FAMILIES, InjectConfig, type AppConfig } from '@platform/config';
import { ENABLED_WEBHOOK_SUBSCRIPTIONS } from '@platform/database';
import {
  ProcessorFor,
  QueueProcessorHost,
  type JobContext,
  type JobHandlers,
  type PayloadOf,
} from '@platform/queue';
import { withSpan } from '@platform/observability';
import { CircuitBreakerRegistry } from '@platform/resilience';
import { deliverWebhook } from '@platform/webhooks';

/**
 * `webhook.deliver`: one signed POST to one subscriber, through a breaker per destination host. A
 * failing or slow host opens its breaker, so its deliveries fail fast (and retry with backoff later)
 * instead of tying up workers; other hosts are unaffected.
 */
@ProcessorFor('webhooks')
export class WebhooksProcessor extends QueueProcessorHost<'webhooks'> {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly breakers: CircuitBreakerRegistry,
    @InjectConfig() private readonly config: AppConfig,
  ) {
    super();
  }

  readonly handlers: JobHandlers<'webhooks'> = {
    'webhook.deliver': (payload, ctx) => this.deliver(payload, ctx),
  };

  private async deliver(payload: PayloadOf<'webhook.deliver'>, ctx: JobContext) {
    // A rotated-out secret signs too until its window ends (read on each attempt, so a retry after
    // the window carries only the new signature).
    const [subscription] = await this.dataSource.query<
      Array<{ url: string; secret: string; previous_secret: string | null }>
    >(
      `SELECT s.url, s.secret,
              CASE WHEN s.previous_secret_expires_at > now() THEN s.previous_secret END AS previous_secret
         FROM ${ENABLED_WEBHOOK_SUBSCRIPTIONS} AND s.id = $1`,
      [payload.subscriptionId],
    );
    // Unsubscribed, disabled (key revoked) or suspended since the event: nothing to deliver, and
    // nothing to retry; a resumed tenant gets the deliveries of later events.
    if (!subscription) return { skipped: 'subscription removed or disabled' };
    const host = new URL(subscription.url).host;
    const { timeoutMs, deliveryTimeoutMs } = this.config.webhooks;
    const breaker = this.breakers.forDestination(`${BREAKER_FAMILIES.webhook}${host}`, {
      // A backstop: the delivery's own deadline ends the attempt first.
      timeoutMs: deliveryTimeoutMs + 1_000,
      volumeThreshold: 3,
      errorThresholdPercentage: 50,
      resetTimeoutMs: 30_000,
    });
    // The delivery's span; the POST inside it is the HTTP client span, which sends `traceparent`.
    const span = {
      'webhook.event': payload.event,
      'webhook.delivery_id': payload.deliveryId,
      'webhook.attempt': ctx.attempt,
      'server.address': host,
    };
    // Whatever ends this attempt early (the breaker's timeout, the job's signal), the request ends with
    // it: a retry must never run beside an earlier attempt that is still sending.
    const attempt = new AbortController();
    const signal = AbortSignal.any([ctx.signal, attempt.signal]);
    const status = await withSpan('webhook deliver', span, () =>
      breaker.execute(() =>
        deliverWebhook(
          {
            url: subscription.url,
            secrets: [
              subscription.secret,
              ...(subscription.previous_secret ? [subscription.previous_secret] : []),
            ],
            event: payload.event,
            payload: payload.data,
            deliveryId: payload.deliveryId,
            occurredAt: payload.occurredAt,
          },
          {
            timeoutMs,
            deadlineMs: deliveryTimeoutMs,
            allowPrivate: this.config.webhooks.allowPrivate,
            signal,
          },
        ),
      ),
    ).catch((error: unknown) => {
      attempt.abort(error);
      throw error;
    });
    return { status, host, attempt: ctx.attempt };
  }
}
