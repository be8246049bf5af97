import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ReplicaRouter } from '@platform/database';
import { ApiError } from '@platform/http';
import { userConsistencyKey } from '@platform/recommendations';
import { JobProducer, Outbox, QueueUnavailableError, type OutboxRow } from '@platform/queue';
import type { Caller } from '../auth/caller';
import type { AcceptedEvents, EventInput } from './events.schemas';

/**
 * Stores events with one outbox row per affected user in a single transaction, then dispatches the
 * recompute jobs. Backpressure is checked first, so a refused request writes nothing.
 */
@Injectable()
export class EventsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly producer: JobProducer,
    private readonly router: ReplicaRouter,
  ) {}

  async accept(caller: Caller, events: EventInput[]): Promise<AcceptedEvents> {
    if (events.length > caller.tier.maxBatch) {
      throw new ApiError(
        400,
        'validation_failed',
        `At most ${caller.tier.maxBatch} events per request on tier ${caller.tier.name}`,
        {
          fields: [{ field: 'body.events', message: `at most ${caller.tier.maxBatch} events` }],
        },
      );
    }
    const users = [...new Set(events.map((e) => e.userId))];
    await this.admit(users.length);

    const rows = await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO user_events (user_id, type, category, occurred_at, api_key_id)
         SELECT u, t, c, coalesce(o, now()), $5
           FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) AS e(u, t, c, o)`,
        [
          events.map((e) => e.userId),
          events.map((e) => e.type),
          events.map((e) => e.category),
          events.map((e) => e.occurredAt ?? null),
          caller.apiKeyId,
        ],
      );
      const created: OutboxRow[] = [];
      for (const userId of users) {
        created.push(
          await this.outbox.insert(
            manager,
            'recommendations.recompute',
            { userId },
            { ownerId: caller.apiKeyId },
          ),
        );
      }
      return created;
    });
    // Before the jobs can run: the recompute reads these users' events as `user:<id>`, so it only
    // uses a replica that has replayed this commit.
    await this.router.rememberWrite(users.map(userConsistencyKey)).catch(() => undefined);
    await this.outbox.dispatch(rows, { admitted: true });
    return { accepted: events.length, jobIds: rows.map((r) => r.id) };
  }

  /** Refuses (503 + Retry-After) above the recompute queue's high-water mark; Redis down is not a refusal. */
  private async admit(users: number): Promise<void> {
    try {
      await this.producer.admit('recommendations', users);
    } catch (error) {
      if (!(error instanceof QueueUnavailableError)) throw error;
    }
  }
}
