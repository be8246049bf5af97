import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import {
  describeRedis,
  InjectRedis,
  REDIS_SETTINGS,
  type RedisClient,
  type RedisConnectionSettings,
} from '@platform/redis';

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
    return this.health
      .check(key)
      .attempt(async () => {
        if (this.redis.status !== 'ready') throw new Error(`connection ${this.redis.status}`);
        await this.redis.ping();
      })
      .withTimeout(timeoutMs);
  }

  /** For /health/detailed: one server, Sentinel or Cluster, and where this connection points now. */
  topology(key = 'redisTopology', timeoutMs = 1_000) {
    const topology = this.settings.topology ?? { kind: 'standalone' as const, url: this.settings.url };
    return this.health
      .check(key)
      .attempt(async () => {
        if (this.redis.status !== 'ready') throw new Error(`connection ${this.redis.status}`);
        return { ...(await describeRedis(this.redis, topology)) };
      })
      .withTimeout(timeoutMs);
  }
}
