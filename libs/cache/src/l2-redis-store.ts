import type { RedisClient } from '@platform/redis';
import { decodeValue, encodeValue } from './value-codec';

/**
 * Stores a value and indexes it under its tags, keeping each tag's index bounded. A tag's index is a
 * sorted set of the keys carrying it, scored by when each expires (Redis's clock), so expired members
 * are pruned as new ones arrive and a tag holds only live entries; past `maxMembers` the entries that
 * expire first are evicted (value and membership), so no tag grows without bound whatever the traffic.
 * Returns the evicted keys. KEYS[1] value key; ARGV: payload, ttlMs, maxMembers, member, value prefix,
 * then the tag index keys (same hash slot as KEYS[1]: the `{cache}` hash tag).
 */
const SET_SCRIPT = `
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
local ttl = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local evicted = {}
for i = 6, #ARGV do
  local tag = ARGV[i]
  redis.call('ZREMRANGEBYSCORE', tag, '-inf', now)
  redis.call('ZADD', tag, now + ttl, ARGV[4])
  local over = redis.call('ZCARD', tag) - tonumber(ARGV[3])
  if over > 0 then
    local oldest = redis.call('ZPOPMIN', tag, over)
    for j = 1, #oldest, 2 do
      redis.call('DEL', ARGV[5] .. oldest[j])
      evicted[#evicted + 1] = oldest[j]
    end
  end
  if redis.call('PTTL', tag) < ttl then redis.call('PEXPIRE', tag, ttl) end
end
return evicted
`;

/**
 * Deletes up to ARGV[2] of a tag's entries (values and memberships); returns their keys. Called until
 * it returns fewer: each call is bounded, so invalidating a large tag never blocks Redis for long, and
 * an entry set under the tag meanwhile is deleted by a later call or was set after the invalidation.
 */
const DELETE_TAG_CHUNK_SCRIPT = `
local popped = redis.call('ZPOPMIN', KEYS[1], ARGV[2])
local keys = {}
for i = 1, #popped, 2 do
  redis.call('DEL', ARGV[1] .. popped[i])
  keys[#keys + 1] = popped[i]
end
return keys
`;

/** Entries deleted per script call when a tag is invalidated. */
const DELETE_TAG_CHUNK = 500;

/**
 * The shared layer: values under `<prefix>{cache}:v:<key>`, compressed when over the threshold; a
 * bounded index per tag under `<prefix>{cache}:tz:<tag>` (a sorted set: `tz`, not the unbounded sets
 * `t:` of earlier versions, which expire on their own), kept alive as long as its longest entry.
 * Every call may fail (Redis down); TieredCache runs these through the L2 breaker.
 */
export class L2RedisStore {
  private readonly valuePrefix: string;
  private readonly tagPrefix: string;

  constructor(
    private readonly redis: RedisClient,
    keyPrefix: string,
    private readonly compressOverBytes: number,
    /** Live entries one tag may index; more evicts those that expire first. */
    private readonly maxTagEntries: number,
  ) {
    // One hash tag for values and tag sets: the MULTI in set(), the tag script and multi-key DEL touch
    // both, and a Redis Cluster refuses (CROSSSLOT) commands whose keys hash to different slots.
    this.valuePrefix = `${keyPrefix}{cache}:v:`;
    this.tagPrefix = `${keyPrefix}{cache}:tz:`;
  }

  /** The value, its JSON length and how long it has left in Redis (an L1 copy must not outlive it). */
  async get<T>(key: string): Promise<{ value: T; jsonBytes: number; remainingMs: number } | undefined> {
    const results = await this.redis
      .pipeline()
      .getBuffer(this.valuePrefix + key)
      .pttl(this.valuePrefix + key)
      .exec();
    const [[getError, payload], [, remainingMs]] = results as Array<[Error | null, unknown]>;
    if (getError) throw getError;
    if (!payload) return undefined;
    // -1 (no TTL) cannot happen for keys written here; treat anything non-positive as "about to go".
    const decoded = await decodeValue<T>(payload as Buffer);
    return { ...decoded, remainingMs: Number(remainingMs) };
  }

  /** Several values in one round trip (one pipeline), in order; undefined where absent. */
  async getMany<T>(
    keys: readonly string[],
  ): Promise<Array<{ value: T; jsonBytes: number; remainingMs: number } | undefined>> {
    const pipeline = this.redis.pipeline();
    for (const key of keys) pipeline.getBuffer(this.valuePrefix + key).pttl(this.valuePrefix + key);
    const results = ((await pipeline.exec()) ?? []) as Array<[Error | null, unknown]>;
    return Promise.all(
      keys.map(async (_, i) => {
        const [[getError, payload], [, remainingMs]] = [results[2 * i], results[2 * i + 1]];
        if (getError) throw getError;
        if (!payload) return undefined;
        return { ...(await decodeValue<T>(payload as Buffer)), remainingMs: Number(remainingMs) };
      }),
    );
  }

  /**
   * Stores the value; returns the JSON's byte length (what it weighs in L1) and the keys evicted to
   * keep its tags bounded (other instances must drop their L1 copies of those).
   */
  async set(
    key: string,
    value: unknown,
    ttlMs: number,
    tags: readonly string[],
  ): Promise<{ jsonBytes: number; evicted: string[] }> {
    const { payload, jsonBytes } = await encodeValue(value, this.compressOverBytes);
    if (tags.length === 0) {
      await this.redis.set(this.valuePrefix + key, payload, 'PX', ttlMs);
      return { jsonBytes, evicted: [] };
    }
    const evicted = (await this.redis.eval(
      SET_SCRIPT,
      1,
      this.valuePrefix + key,
      payload,
      ttlMs,
      this.maxTagEntries,
      key,
      this.valuePrefix,
      ...tags.map((tag) => this.tagPrefix + tag),
    )) as string[];
    return { jsonBytes, evicted };
  }

  /** The stored payload's size in bytes (what Redis holds), for tests and diagnostics. */
  async storedBytes(key: string): Promise<number | undefined> {
    const payload = await this.redis.getBuffer(this.valuePrefix + key);
    return payload?.length;
  }

  async delete(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.redis.del(...keys.map((key) => this.valuePrefix + key));
  }

  /** Deletes every entry of the tag, a bounded chunk per script call; returns their keys. */
  async deleteTag(tag: string): Promise<string[]> {
    const deleted: string[] = [];
    for (;;) {
      const chunk = (await this.redis.eval(
        DELETE_TAG_CHUNK_SCRIPT,
        1,
        this.tagPrefix + tag,
        this.valuePrefix,
        DELETE_TAG_CHUNK,
      )) as string[];
      deleted.push(...chunk);
      if (chunk.length < DELETE_TAG_CHUNK) return deleted;
    }
  }

  /** How many live entries a tag indexes (for tests and diagnostics). */
  tagSize(tag: string): Promise<number> {
    return this.redis.zcard(this.tagPrefix + tag);
  }
}
