import type { FastifyRequest } from 'fastify';

/**
 * What a request costs the caller's token bucket, so cost matches work (`@ThrottleCost(...)` on the
 * route). Computed after auth and before validation, so each function copes with any input; a batch is
 * charged at most the tier's `maxBatch` (a larger one is refused with 400 and should not drain the
 * bucket). The guard clamps every cost to 1..burst.
 */

/** `GET /v1/recommendations`, `GET /batch-recommend`: one token per user id asked. */
export function perUserIdCost(request: FastifyRequest): number {
  const ids = (request.query as { user_ids?: unknown } | undefined)?.user_ids;
  const count = typeof ids === 'string' ? ids.split(',').length : 1;
  return Math.min(count, request.caller?.tier.maxBatch ?? count);
}

/** `POST /v1/events`: one token per event (a single event or `{ events: [...] }`). */
export function perEventCost(request: FastifyRequest): number {
  const events = (request.body as { events?: unknown } | undefined)?.events;
  const count = Array.isArray(events) ? events.length : 1;
  return Math.min(count, request.caller?.tier.maxBatch ?? count);
}

/**
 * Dropping a user's cached copies reaches every instance (a pub/sub message each instance acts on,
 * and a tag lookup in Redis): several reads' worth of work.
 */
export const INVALIDATION_COST = 10;
