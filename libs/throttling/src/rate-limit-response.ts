import type { FastifyReply } from 'fastify';
import { ApiError } from '@platform/http';
import type { BucketDecision } from './bucket-math';

/**
 * IETF RateLimit headers (draft-ietf-httpapi-ratelimit-headers): Limit is the bucket's capacity (the
 * burst), Remaining the whole tokens left, Reset the seconds until the bucket is full again.
 */
export function rateLimitHeaders(decision: BucketDecision): Record<string, string> {
  return {
    'ratelimit-limit': String(decision.limit),
    'ratelimit-remaining': String(Math.max(0, decision.remaining)),
    'ratelimit-reset': String(Math.ceil(decision.resetMs / 1000)),
  };
}

/** Puts the headers on the reply; when the bucket said no, throws the 429 with Retry-After. */
export function applyDecision(reply: FastifyReply, decision: BucketDecision, message: string): void {
  const headers = rateLimitHeaders(decision);
  void reply.headers(headers);
  if (decision.allowed) return;
  throw new ApiError(429, 'rate_limited', message, {
    retryAfterSeconds: Math.max(1, Math.ceil(decision.retryAfterMs / 1000)),
    headers,
  });
}
