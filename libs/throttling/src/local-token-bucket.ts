import { LRUCache } from 'lru-cache';
import { takeTokens, type BucketDecision, type BucketLimits, type BucketState } from './bucket-math';

/**
 * The in-process fallback used while Redis is unavailable. Each instance only sees its own share of
 * the traffic, so limits are divided by the number of instances expected behind the load balancer:
 * the cluster as a whole then admits about what the Redis bucket would.
 */
export class LocalTokenBucket {
  private readonly buckets = new LRUCache<string, BucketState>({ max: 100_000 });

  constructor(
    private readonly expectedInstances: number,
    private readonly now: () => number = Date.now,
  ) {}

  take(key: string, limits: BucketLimits, cost: number): BucketDecision {
    const { state, decision } = takeTokens(this.buckets.get(key), this.share(limits), cost, this.now());
    if (cost > 0) this.buckets.set(key, state);
    return { ...decision, source: 'local' };
  }

  /** Puts back `tokens` a `take` took (never above the burst; a bucket not held is full already). */
  giveBack(key: string, limits: BucketLimits, tokens: number): void {
    const held = this.buckets.get(key);
    if (!held) return;
    const share = this.share(limits);
    const { state } = takeTokens(held, share, 0, this.now());
    this.buckets.set(key, { tokens: Math.min(share.burst, state.tokens + tokens), ts: state.ts });
  }

  private share(limits: BucketLimits): BucketLimits {
    return {
      burst: Math.max(1, Math.floor(limits.burst / this.expectedInstances)),
      ratePerMinute: limits.ratePerMinute / this.expectedInstances,
    };
  }
}
