import type { NamedBreaker } from '@platform/resilience';
import { LRUCache } from 'lru-cache';
import type { RedisClient } from '@platform/redis';
import { lsnSortKey, parseLsnSortKey } from './lsn';

// Keeps the larger LSN: two concurrent requests of one caller may finish in any order.
const KEEP_MAX = `
local current = redis.call('GET', KEYS[1])
if (not current) or ARGV[1] > current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1`;

/**
 * Each caller's last-write LSN, in Redis with a short TTL so every API instance and the worker see it;
 * a small in-process copy keeps this instance's own callers consistent while Redis is unreachable.
 */
export class WriteLsnStore {
  private readonly local: LRUCache<string, bigint>;

  constructor(
    private readonly redis: RedisClient,
    private readonly keyPrefix: string,
    private readonly ttlMs: number,
    /** While Redis is failing, calls fail at once (reads then go to the primary) instead of each waiting. */
    private readonly breaker: NamedBreaker,
  ) {
    this.local = new LRUCache({ max: 50_000, ttl: ttlMs });
  }

  /** Throws when Redis cannot answer: the caller then reads from the primary to stay safe. */
  async load(callerKey: string): Promise<bigint | undefined> {
    const stored = await this.breaker.execute(() => this.redis.get(this.key(callerKey)));
    const remote = stored ? parseLsnSortKey(stored) : undefined;
    const local = this.local.get(callerKey);
    if (remote === undefined) return local;
    return local !== undefined && local > remote ? local : remote;
  }

  async record(callerKey: string, lsn: bigint): Promise<void> {
    const previous = this.local.get(callerKey);
    if (previous === undefined || lsn > previous) this.local.set(callerKey, lsn);
    await this.breaker.execute(() =>
      this.redis.eval(KEEP_MAX, 1, this.key(callerKey), lsnSortKey(lsn), String(this.ttlMs)),
    );
  }

  private key(callerKey: string): string {
    return `${this.keyPrefix}db:write-lsn:${callerKey}`;
  }
}
