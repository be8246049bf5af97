import type { BucketLimits } from './bucket-math';
import type { BucketRequest } from './throttle.service';

/**
 * Who a request is throttled as, once authentication knows: set by the auth guard before the
 * caller's throttle guard runs. Requests without one are throttled by client IP.
 */
export interface ThrottleSubject {
  /** Stable identity of the bucket (the API key id). */
  id: string;
  /** Tier name, used as the metrics label. */
  tier: string;
  limits: BucketLimits;
}

/** The subject's token bucket: what CallerThrottleGuard and the cached-read fast path both take from. */
export function subjectBucket(subject: ThrottleSubject): BucketRequest {
  return { key: `key:${subject.id}`, tier: subject.tier, limits: subject.limits };
}

declare module 'fastify' {
  interface FastifyRequest {
    throttleSubject?: ThrottleSubject;
    /** Tokens the caller's bucket gave this request (set by CallerThrottleGuard when it took them). */
    throttleCost?: number;
  }
}
