import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { InjectRedis } from '@platform/redis';

/**
 * Pings the very connection the app uses for commands: a separate health connection could be up
 * while the one serving requests is wedged.
 */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @InjectRedis() private readonly redis: Redis,
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
}
