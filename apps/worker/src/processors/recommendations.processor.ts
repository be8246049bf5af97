import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, Repository } from 'typeorm';
import { TieredCache } from '@platform/cache';
import { ENABLED_WEBHOOK_SUBSCRIPTIONS, runAs, UserEvent } from '@platform/database';
import { Outbox, ProcessorFor, QueueProcessorHost, type JobHandlers } from '@platform/queue';
import {
  computeRecommendations,
  RECOMMENDATIONS_UPDATED,
  recommendationsCacheTag,
  userConsistencyKey,
} from '@platform/recommendations';

/** Newest events a recompute looks at; older ones weigh almost nothing after decay anyway. */
const MAX_EVENTS = 2_000;
const POPULAR_WINDOW_DAYS = 7;

/**
 * `recommendations.recompute`: reads the user's events (from a replica that has replayed them),
 * computes the seed's shape, writes it on the primary, drops every cached copy, and queues the
 * `recommendations.updated` webhooks in the same transaction as the write (the outbox).
 */
@ProcessorFor('recommendations')
export class RecommendationsProcessor extends QueueProcessorHost<'recommendations'> {
  private readonly events: Repository<UserEvent>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly cache: TieredCache,
  ) {
    super();
    this.events = dataSource.getRepository(UserEvent);
  }

  readonly handlers: JobHandlers<'recommendations'> = {
    // As the user: the API remembered the events' commit under this key, so a lagging replica is
    // skipped; our own write below is remembered under it too, for the API's next read.
    'recommendations.recompute': ({ tenantId, userId }, ctx) =>
      runAs(userConsistencyKey(tenantId, userId), () => this.recompute(tenantId, userId, ctx.signal)),
  };

  private async recompute(tenantId: string, userId: string, signal: AbortSignal) {
    const events = await this.events.find({
      where: { tenantId, userId },
      select: { type: true, category: true, occurredAt: true },
      order: { occurredAt: 'DESC' },
      take: MAX_EVENTS,
    });
    const body = computeRecommendations(userId, events, await this.popularCategories(tenantId));
    // The tenant's own subscribers only, and only enabled ones (ENABLED_WEBHOOK_SUBSCRIPTIONS).
    const subscribers = await this.dataSource.query<Array<{ id: string }>>(
      `SELECT s.id FROM ${ENABLED_WEBHOOK_SUBSCRIPTIONS} AND s.tenant_id = $1 AND $2 = ANY(s.events)`,
      [tenantId, RECOMMENDATIONS_UPDATED],
    );

    // A try that timed out is being retried already: it must not write (and notify) a second time.
    signal.throwIfAborted();
    const { result: version } = await this.outbox.transaction(async (tx) => {
      const [row] = await tx.manager.query<Array<{ version: number }>>(
        `INSERT INTO recommendations (tenant_id, user_id, body, version, computed_at)
         VALUES ($1, $2, $3, 1, now())
         ON CONFLICT (tenant_id, user_id) DO UPDATE
           SET body = EXCLUDED.body, version = recommendations.version + 1, computed_at = now()
         RETURNING version`,
        [tenantId, userId, JSON.stringify(body)],
      );
      for (const { id } of subscribers) {
        await tx.enqueue('webhook.deliver', {
          // webhook-id: one per (recompute, subscriber), the same on every retry.
          deliveryId: `${userId}-${row.version}-${id}`,
          occurredAt: body.metadata.computedAt,
          subscriptionId: id,
          event: RECOMMENDATIONS_UPDATED,
          data: { userId, version: row.version, recommendations: body },
        });
      }
      return row.version;
    });
    await this.cache.invalidateTags([recommendationsCacheTag(tenantId, userId)]);
    return { userId, version, events: events.length, webhooks: subscribers.length };
  }

  /**
   * The most active categories of the tenant's last week, shared by the tenant's recomputes for a
   * minute: one tenant's events never put text into another tenant's explore categories.
   */
  private popularCategories(tenantId: string): Promise<string[]> {
    return this.cache.wrap(
      `recs:popular-categories:${tenantId}`,
      async () => {
        const rows = await this.events
          .createQueryBuilder('e')
          .select('e.category', 'category')
          .addSelect('count(*)', 'n')
          .where(`e.tenant_id = :tenantId AND e.occurred_at > now() - make_interval(days => :days)`, {
            tenantId,
            days: POPULAR_WINDOW_DAYS,
          })
          .groupBy('e.category')
          .orderBy('n', 'DESC')
          .addOrderBy('e.category', 'ASC')
          .limit(20)
          .getRawMany<{ category: string }>();
        return rows.map((r) => r.category);
      },
      { ttlMs: 60_000 },
    );
  }
}
