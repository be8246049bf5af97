import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import {
  describeRedis,
  InjectRedis,
  REDIS_SETTINGS,
  type RedisClient,
  type RedisConnectionSettings,
} from '@platform/redis';
import { withDeadline } from '@platform/resilience';

/** Not Terminus' withTimeout: a plain timer that fails an answer already read after a stalled loop. */
const timedOut = (ms: number) => new Error(`timed out after ${ms} ms`);

/**
 * Pings the very connection the app uses for commands: a separate health connection could be up
 * while the one serving requests is wedged.
 */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @InjectRedis() private readonly redis: RedisClient,
    @Inject(REDIS_SETTINGS) private readonly settings: RedisConnectionSettings,
  ) {}

  ping(key = 'redis', timeoutMs = 1_000) {
    return this.health.check(key).attempt(async () => {
      if (this.redis.status !== 'ready') throw new Error(`connection ${this.redis.status}`);
      await withDeadline(this.redis.ping(), timeoutMs, () => timedOut(timeoutMs));
    });
  }

  /**
   * For readiness: up, or degraded while Redis does not answer. Never down: the platform serves
   * through a Redis outage (see the health controller), so it must not fail readiness.
   */
  readiness(key = 'redis', timeoutMs = 1_000): Promise<HealthIndicatorResult> {
    return this.degradedWhenDown(key, this.ping(key, timeoutMs));
  }

  /** For /health/detailed: one server, Sentinel or Cluster, and where this connection points now. */
  topology(key = 'redisTopology', timeoutMs = 1_000): Promise<HealthIndicatorResult> {
    const topology = this.settings.topology ?? { kind: 'standalone' as const, url: this.settings.url };
    return this.degradedWhenDown(
      key,
      this.health.check(key).attempt(async () => {
        if (this.redis.status !== 'ready') throw new Error(`connection ${this.redis.status}`);
        const described = describeRedis(this.redis, topology);
        return { ...(await withDeadline(described, timeoutMs, () => timedOut(timeoutMs))) };
      }),
    );
  }

  private async degradedWhenDown(
    key: string,
    attempt: PromiseLike<HealthIndicatorResult>,
  ): Promise<HealthIndicatorResult> {
    const result = await attempt;
    const { status, ...detail } = result[key];
    if (status !== 'down') return result;
    return this.health.check(key).degraded({ ...detail, serving: 'L1 cache, local rate limits, outbox' });
  }
}
