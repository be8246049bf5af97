import { Injectable } from '@nestjs/common';
import { InjectConfig, type AppConfig } from '@platform/config';
import { InjectRedis, type RedisClient } from '@platform/redis';
import { CircuitBreakerRegistry, type NamedBreaker } from '@platform/resilience';
import type { BucketDecision, BucketLimits } from './bucket-math';
import { LocalTokenBucket } from './local-token-bucket';
import { RedisTokenBucket } from './redis-token-bucket';
import { decisionsCounter, fallbackCounter } from './throttle-metrics';

/** Breaker name for Redis as used by throttling; tune it with CIRCUIT_BREAKERS={"redis-throttle":{…}}. */
export const THROTTLE_BREAKER = 'redis-throttle';

export interface BucketRequest {
  /** Identity of the bucket, e.g. `key:<apiKeyId>` or `ip:<address>`. */
  key: string;
  /** Label for metrics: the tier name, `anonymous` or `auth_failures`. */
  tier: string;
  limits: BucketLimits;
}

/**
 * Token buckets in Redis behind a breaker. A check must never fail a request: when Redis errors,
 * hangs past the breaker's timeout or the breaker is open, the in-process bucket decides instead,
 * and once the breaker closes again Redis decides again.
 */
@Injectable()
export class ThrottleService {
  private readonly redisBucket: RedisTokenBucket;
  private readonly localBucket: LocalTokenBucket;
  private readonly breaker: NamedBreaker;
  private readonly decisions = decisionsCounter();
  private readonly fallbacks = fallbackCounter();

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
  }

  /** Takes `cost` tokens if there are enough; `cost` 0 only looks (passes while a token is left). */
  async take(bucket: BucketRequest, cost = 1): Promise<BucketDecision> {
    const decision = await this.breaker.execute(
      () => this.redisBucket.take(bucket.key, bucket.limits, cost),
      () => {
        this.fallbacks.inc();
        return this.localBucket.take(bucket.key, bucket.limits, cost);
      },
    );
    if (cost > 0 || !decision.allowed) {
      this.decisions.inc({ tier: bucket.tier, decision: decision.allowed ? 'allowed' : 'limited' });
    }
    return decision;
  }
}
