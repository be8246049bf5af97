import type { BucketLimits } from './bucket-math';

/**
 * Who a request is rate-limited as, once authentication knows: set by the auth guard before the
 * caller's rate-limit guard runs. Requests without one are limited by client IP.
 */
export interface RateLimitSubject {
  /** Stable identity of the bucket (the API key id). */
  id: string;
  /** Tier name, used as the metrics label. */
  tier: string;
  limits: BucketLimits;
}

declare module 'fastify' {
  interface FastifyRequest {
    rateLimitSubject?: RateLimitSubject;
    /** Tokens the caller's bucket gave this request (set by CallerRateLimitGuard when it took them). */
    rateLimitCost?: number;
  }
}
