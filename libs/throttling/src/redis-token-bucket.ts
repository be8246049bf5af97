import type { BucketDecision, BucketLimits } from './bucket-math';
import { TOKEN_BUCKET_LUA } from './token-bucket.lua';
import type { RedisClient } from '@platform/redis';

type TokenBucketCommand = (
  key: string,
  capacity: number,
  ratePerSecond: number,
  cost: number,
  required: number,
) => Promise<[number, number, number, number]>;

const COMMAND = 'platformTokenBucket';

/**
 * The distributed bucket: one EVALSHA per check (ioredis' defineCommand sends EVALSHA and falls back
 * to EVAL once if the script cache was flushed).
 */
export class RedisTokenBucket {
  private readonly command: TokenBucketCommand;

  constructor(
    redis: RedisClient,
    private readonly keyPrefix: string,
  ) {
    const client = redis as unknown as Record<string, TokenBucketCommand | undefined>;
    if (!client[COMMAND]) redis.defineCommand(COMMAND, { numberOfKeys: 1, lua: TOKEN_BUCKET_LUA });
    this.command = (client[COMMAND] as TokenBucketCommand).bind(redis);
  }

  async take(key: string, limits: BucketLimits, cost: number): Promise<BucketDecision> {
    const [allowed, remaining, retryAfterMs, resetMs] = await this.command(
      `${this.keyPrefix}rl:${key}`,
      limits.burst,
      limits.ratePerMinute / 60,
      cost,
      Math.max(cost, 1),
    );
    return {
      allowed: allowed === 1,
      remaining,
      limit: limits.burst,
      retryAfterMs,
      resetMs,
      source: 'redis',
    };
  }
}
