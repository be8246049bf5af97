import type { BucketDecision, BucketLimits } from './bucket-math';
import { TOKEN_BUCKET_LUA } from './token-bucket.lua';
import type { RedisClient } from '@platform/redis';
import { TOKEN_LEASE_LUA } from './token-lease.lua';
import { TOKEN_REFUND_LUA } from './token-refund.lua';

type BucketScript = (
  key: string,
  capacity: number,
  ratePerSecond: number,
  costOrWant: number,
  required: number,
) => Promise<[number, number, number, number]>;

/** What Redis granted: `granted` tokens (0 = refused), and the bucket as it was left. */
export interface LeaseGrant {
  granted: number;
  /** Whole tokens left in Redis after the grant. */
  remaining: number;
  /** When refused: ms until the requested tokens are there. */
  retryAfterMs: number;
  /** Ms until the bucket is full again. */
  resetMs: number;
}

const CHECK = 'platformTokenBucket';
const LEASE = 'platformTokenLease';
const REFUND = 'platformTokenRefund';

/**
 * The distributed bucket: one EVALSHA per call (ioredis' defineCommand sends EVALSHA and falls back
 * to EVAL once if the script cache was flushed). `take` checks one request; `lease` takes several
 * tokens at once for a process to spend locally; `giveBack` returns tokens a `take` took.
 */
export class RedisTokenBucket {
  private readonly check: BucketScript;
  private readonly leaseScript: BucketScript;
  private readonly refundScript: BucketScript;

  constructor(
    redis: RedisClient,
    private readonly keyPrefix: string,
  ) {
    this.check = script(redis, CHECK, TOKEN_BUCKET_LUA);
    this.leaseScript = script(redis, LEASE, TOKEN_LEASE_LUA);
    this.refundScript = script(redis, REFUND, TOKEN_REFUND_LUA);
  }

  async take(key: string, limits: BucketLimits, cost: number): Promise<BucketDecision> {
    const [allowed, remaining, retryAfterMs, resetMs] = await this.check(
      this.redisKey(key),
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

  async lease(key: string, limits: BucketLimits, want: number, required: number): Promise<LeaseGrant> {
    const [granted, remaining, retryAfterMs, resetMs] = await this.leaseScript(
      this.redisKey(key),
      limits.burst,
      limits.ratePerMinute / 60,
      Math.max(want, required),
      required,
    );
    return { granted, remaining, retryAfterMs, resetMs };
  }

  /** Puts `tokens` back (never above the burst). */
  async giveBack(key: string, limits: BucketLimits, tokens: number): Promise<void> {
    await this.refundScript(this.redisKey(key), limits.burst, limits.ratePerMinute / 60, tokens, 0);
  }

  private redisKey(key: string): string {
    return `${this.keyPrefix}rl:${key}`;
  }
}

function script(redis: RedisClient, name: string, lua: string): BucketScript {
  const client = redis as unknown as Record<string, BucketScript | undefined>;
  if (!client[name]) redis.defineCommand(name, { numberOfKeys: 1, lua });
  return (client[name] as BucketScript).bind(redis);
}
