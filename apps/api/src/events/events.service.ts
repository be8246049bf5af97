import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { GroupCommitFullError } from '@platform/database';
import { ApiError } from '@platform/http';
import type { Caller } from '../auth/caller';
import { EventWriter, type EventWriteResult } from './event-writer';
import type { EventInput } from './events.schemas';

export type { AcceptedEvents } from './event-writer';

/**
 * POST /v1/events: checks the tier's batch size, then hands the events to the group-committing
 * writer, which admits them first (the recompute queue's backpressure; a refused request writes
 * nothing).
 */
@Injectable()
export class EventsService {
  constructor(private readonly writer: EventWriter) {}

  async accept(caller: Caller, events: EventInput[], idempotencyKey?: string): Promise<EventWriteResult> {
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
    try {
      return await this.writer.write({
        apiKeyId: caller.apiKeyId,
        tenantId: caller.tenantId,
        events,
        users,
        idempotency: idempotencyKey ? { key: idempotencyKey, requestHash: hashRequest(events) } : undefined,
      });
    } catch (error) {
      if (error instanceof GroupCommitFullError) {
        throw new ApiError(503, 'write_queue_full', 'Too many writes in progress; retry shortly', {
          retryAfterSeconds: 1,
        });
      }
      throw error;
    }
  }
}

/** What an idempotency key was first used for: the events as validated (defaults not yet applied). */
function hashRequest(events: EventInput[]): string {
  return createHash('sha256').update(JSON.stringify(events)).digest('base64url');
}
