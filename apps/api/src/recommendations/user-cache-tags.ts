import type { FastifyRequest } from 'fastify';
import { recommendationsCacheTag } from '@platform/recommendations';

/**
 * The tags of a cached response showing one user's recommendations (`:userId` of the caller's
 * tenant): the worker drops them on recompute, POST …/invalidate on demand. Only called for an
 * authenticated caller (the cache keys such routes by tenant and skips them without one).
 */
export function userRecommendationsTags(request: FastifyRequest): string[] {
  const userId = (request.params as { userId?: string }).userId;
  return request.caller && userId ? [recommendationsCacheTag(request.caller.tenantId, userId)] : [];
}
