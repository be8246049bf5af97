import type { FastifyRequest } from 'fastify';

/** Marks a route whose identity is known only after its own auth guard has run. */
export const AUTHENTICATED_ROUTE = 'platform:throttle:authenticated';
/** Tokens one call to the route takes. */
export const THROTTLE_COST = 'platform:throttle:cost';

/** A fixed cost, or one computed from the request (after auth, before validation). */
export type ThrottleCostOf = number | ((request: FastifyRequest) => number);

/** The tokens a request takes: at least 1, at most the bucket's burst, a whole number. */
export function resolveThrottleCost(
  cost: ThrottleCostOf | undefined,
  request: FastifyRequest,
  burst: number,
) {
  const tokens = typeof cost === 'function' ? cost(request) : (cost ?? 1);
  return Number.isFinite(tokens) ? Math.min(Math.max(1, Math.ceil(tokens)), Math.max(1, burst)) : 1;
}
