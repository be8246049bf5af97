import { Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { BREAKERS, InjectConfig, type AppConfig } from '@platform/config';
import { InjectRedis, type RedisClient } from '@platform/redis';
import { CircuitBreakerRegistry, type NamedBreaker } from '@platform/resilience';
import type { BucketDecision, BucketLimits } from './bucket-math';
import { LeasedBuckets } from './leased-buckets';
import { LocalTokenBucket } from './local-token-bucket';
import { RedisTokenBucket } from './redis-token-bucket';
import { decisionsCounter, fallbackCounter, leaseRequestsCounter } from './throttle-metrics';

/** Breaker name for Redis as used by throttling; tune it with CIRCUIT_BREAKERS={"redis-throttle":{…}}. */
export const THROTTLE_BREAKER = BREAKERS.redisThrottle;

export interface BucketRequest {
  /** Identity of the bucket, e.g. `key:<apiKeyId>` or `ip:<address>`. */
  key: string;
  /** Label for metrics: the tier name, `anonymous` or `auth_failures`. */
  tier: string;
  limits: BucketLimits;
}

/**
 * Token buckets in Redis behind a breaker, spent through per-process leases (LeasedBuckets): most
 * checks of a busy key are answered in process, synchronously. A check must never fail a request:
 * when Redis errors, hangs past the breaker's timeout or the breaker is open, the in-process bucket
 * decides instead, and once the breaker closes again Redis decides again.
 */
@Injectable()
export class ThrottleService {
  private readonly redisBucket: RedisTokenBucket;
  private readonly localBucket: LocalTokenBucket;
  private readonly leases: LeasedBuckets;
  private readonly breaker: NamedBreaker;
  private readonly decisions = decisionsCounter();
  private readonly fallbacks = fallbackCounter();
  /** Metric children bound once per tier, not looked up by label object on every check. */
  private readonly counters = new Map<string, { allowed: Counter.Internal; limited: Counter.Internal }>();

  constructor(
    @InjectRedis() redis: RedisClient,
    @InjectConfig() config: AppConfig,
    breakers: CircuitBreakerRegistry,
  ) {
    this.redisBucket = new RedisTokenBucket(redis, config.redis.keyPrefix);
    this.localBucket = new LocalTokenBucket(config.throttle.expectedInstances);
    // A rate-limit check sits on every request: give up on Redis quickly and let the local bucket decide.
    this.breaker = breakers.get(THROTTLE_BREAKER, {
      timeoutMs: 250,
      volumeThreshold: 5,
      errorThresholdPercentage: 50,
      resetTimeoutMs: 5_000,
    });
    const leaseRequests = leaseRequestsCounter();
    const granted = leaseRequests.labels('granted');
    const refused = leaseRequests.labels('refused');
    this.leases = new LeasedBuckets(
      { maxTokens: config.throttle.leaseMaxTokens, ttlMs: config.throttle.leaseTtlMs, maxKeys: 100_000 },
      async (key, limits, want, required) => {
        const grant = await this.breaker.execute(() => this.redisBucket.lease(key, limits, want, required));
        (grant.granted > 0 ? granted : refused).inc();
        return grant;
      },
    );
  }

  /**
   * Spends `cost` from this process's lease when it can, without waiting; undefined when Redis must
   * be asked (then call `take`).
   */
  tryTake(bucket: BucketRequest, cost: number): BucketDecision | undefined {
    const decision = this.leases.tryTake(bucket.key, bucket.limits, cost);
    if (decision) this.count(bucket.tier, decision);
    return decision;
  }

  /** Takes `cost` tokens if there are enough; `cost` 0 only looks (passes while a token is left). */
  async take(bucket: BucketRequest, cost = 1): Promise<BucketDecision> {
    if (cost === 0) {
      const look = await this.breaker.execute(
        () => this.redisBucket.take(bucket.key, bucket.limits, 0),
        () => this.fallback(bucket, 0),
      );
      if (!look.allowed) this.count(bucket.tier, look);
      return look;
    }
    const decision = await this.leases
      .take(bucket.key, bucket.limits, cost)
      .catch(() => this.fallback(bucket, cost));
    this.count(bucket.tier, decision);
    return decision;
  }

  /**
   * Takes `cost` tokens straight from the Redis bucket, without a lease: for buckets where every
   * token is a decision of its own and may be given back (failed-auth reservations). A lease would
   * hold tokens in one process and let them expire unspent.
   */
  async takeNow(bucket: BucketRequest, cost: number): Promise<BucketDecision> {
    const decision = await this.breaker.execute(
      () => this.redisBucket.take(bucket.key, bucket.limits, cost),
      () => this.fallback(bucket, cost),
    );
    this.count(bucket.tier, decision);
    return decision;
  }

  /** Gives back tokens `takeNow` took, to the store that decided (`taken.source`). Never throws. */
  async giveBack(bucket: BucketRequest, tokens: number, taken: BucketDecision): Promise<void> {
    if (taken.source === 'local') return this.localBucket.giveBack(bucket.key, bucket.limits, tokens);
    // Lost if Redis fails meanwhile: the bucket is then one token short until it refills.
    await this.breaker
      .execute(() => this.redisBucket.giveBack(bucket.key, bucket.limits, tokens))
      .catch(() => undefined);
  }

  private fallback(bucket: BucketRequest, cost: number): BucketDecision {
    this.fallbacks.inc();
    return this.localBucket.take(bucket.key, bucket.limits, cost);
  }

  private count(tier: string, decision: BucketDecision): void {
    let counters = this.counters.get(tier);
    if (!counters) {
      counters = {
        allowed: this.decisions.labels(tier, 'allowed'),
        limited: this.decisions.labels(tier, 'limited'),
      };
      this.counters.set(tier, counters);
    }
    (decision.allowed ? counters.allowed : counters.limited).inc();
  }
}
