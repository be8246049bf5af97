import type { FastifyRequest } from 'fastify';

/**
 * What a request costs the caller's token bucket, so cost matches work (`@ThrottleCost(...)` on the
 * route). Computed after auth and before validation, so each function copes with any input. A batch
 * above the tier's `maxBatch` costs one token: it is refused with a 400 that does no work, and the
 * client learns what is wrong (not a 429 for a request that could never pass). The guard clamps every
 * cost to 1..burst.
 */

/** `GET /v1/recommendations`, `GET /batch-recommend`: one token per user id asked. */
export function perUserIdCost(request: FastifyRequest): number {
  const ids = (request.query as { user_ids?: unknown } | undefined)?.user_ids;
  return withinBatch(typeof ids === 'string' ? ids.split(',').length : 1, request);
}

/** `POST /v1/events`: one token per event (a single event or `{ events: [...] }`). */
export function perEventCost(request: FastifyRequest): number {
  const events = (request.body as { events?: unknown } | undefined)?.events;
  return withinBatch(Array.isArray(events) ? events.length : 1, request);
}

function withinBatch(count: number, request: FastifyRequest): number {
  return count > (request.caller?.tier.maxBatch ?? Infinity) ? 1 : count;
}

/**
 * Dropping a user's cached copies reaches every instance (a pub/sub message each instance acts on,
 * and a tag lookup in Redis): several reads' worth of work.
 */
export const INVALIDATION_COST = 10;
