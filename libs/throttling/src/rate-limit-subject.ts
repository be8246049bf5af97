import type { BucketLimits } from './bucket-math';
import type { BucketRequest } from './throttle.service';

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

/** The subject's token bucket: what CallerRateLimitGuard and the cached-read fast path both take from. */
export function subjectBucket(subject: RateLimitSubject): BucketRequest {
  return { key: `key:${subject.id}`, tier: subject.tier, limits: subject.limits };
}

declare module 'fastify' {
  interface FastifyRequest {
    rateLimitSubject?: RateLimitSubject;
    /** Tokens the caller's bucket gave this request (set by CallerRateLimitGuard when it took them). */
    rateLimitCost?: number;
  }
}
