/** What a bucket is: `burst` tokens at most, refilled at `ratePerMinute`. */
export interface BucketLimits {
  burst: number;
  ratePerMinute: number;
}

export interface BucketDecision {
  allowed: boolean;
  /** Whole tokens left after this check. */
  remaining: number;
  /** The bucket's capacity as applied (the local fallback divides it across instances). */
  limit: number;
  /** Milliseconds until enough tokens for another request of this cost (0 when there are). */
  retryAfterMs: number;
  /** Milliseconds until the bucket is full again. */
  resetMs: number;
  /** Which store decided: Redis, or the in-process fallback while Redis is unavailable. */
  source: 'redis' | 'local';
}

export interface BucketState {
  tokens: number;
  /** Milliseconds (local clock). */
  ts: number;
}

/**
 * The same arithmetic as the Lua script, for the in-process fallback bucket. Pure so it can be
 * unit-tested with a fake clock.
 */
export function takeTokens(
  state: BucketState | undefined,
  limits: BucketLimits,
  cost: number,
  nowMs: number,
): { state: BucketState; decision: Omit<BucketDecision, 'source'> } {
  const perMs = limits.ratePerMinute / 60_000;
  const required = Math.max(cost, 1);
  let tokens = state ? state.tokens : limits.burst;
  const ts = state ? state.ts : nowMs;
  tokens = Math.min(limits.burst, tokens + Math.max(0, nowMs - ts) * perMs);
  let allowed = false;
  if (tokens >= required) {
    allowed = true;
    tokens -= cost;
  }
  const retryAfterMs = tokens < required ? Math.ceil((required - tokens) / perMs) : 0;
  const resetMs = Math.ceil((limits.burst - tokens) / perMs);
  return {
    state: { tokens, ts: Math.max(ts, nowMs) },
    decision: { allowed, remaining: Math.floor(tokens), limit: limits.burst, retryAfterMs, resetMs },
  };
}
