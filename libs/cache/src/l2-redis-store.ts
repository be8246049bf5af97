import type { RedisClient } from '@platform/redis';
import { decodeValue, encodeValue } from './value-codec';

/**
 * Stores a value and indexes it under its tags, keeping each tag's index bounded. With ARGV[7] = '1'
 * it first checks the invalidation marks of the key and its tags: a value loaded at position ARGV[1]
 * ('' = unknown, older than any) before a marked invalidation is refused, and that position returned
 * as {0, position}, so a load that read before an invalidation cannot land after its DEL, however late
 * its message reaches the loading instance. Otherwise {1, evicted keys...}.
 * A tag's index is a sorted set of the keys carrying it, scored by when each expires (Redis's clock),
 * so expired members are pruned as new ones arrive and a tag holds only live entries; past ARGV[5]
 * the entries that expire first are evicted (value and membership), so no tag grows with traffic.
 * KEYS[1] value, KEYS[2] the key's mark, then per tag its index and its mark (one hash slot: the
 * `{cache}` hash tag). ARGV: [2] TTL, [3] payload, [4] the key as indexes list it, [6] value prefix.
 */
const STORE_SCRIPT = `
if ARGV[7] == '1' then
  for i = 2, #KEYS, 2 do
    local mark = redis.call('GET', KEYS[i])
    if mark and mark > ARGV[1] then return {0, mark} end
  end
end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[2])
local ttl = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local result = {1}
for i = 3, #KEYS, 2 do
  local tag = KEYS[i]
  redis.call('ZREMRANGEBYSCORE', tag, '-inf', now)
  redis.call('ZADD', tag, now + ttl, ARGV[4])
  local over = redis.call('ZCARD', tag) - tonumber(ARGV[5])
  if over > 0 then
    local oldest = redis.call('ZPOPMIN', tag, over)
    for j = 1, #oldest, 2 do
      redis.call('DEL', ARGV[6] .. oldest[j])
      result[#result + 1] = oldest[j]
    end
  end
  if redis.call('PTTL', tag) < ttl then redis.call('PEXPIRE', tag, ttl) end
end
return result
`;

/**
 * Keeps, per key and tag, the latest write position an invalidation carried (for ARGV[2] ms): the
 * store above refuses a value loaded before it. KEYS: the marks; ARGV[1] position, ARGV[2] TTL.
 */
const MARK_SCRIPT = `
for _, mark in ipairs(KEYS) do
  local current = redis.call('GET', mark)
  if (not current) or ARGV[1] > current then
    redis.call('SET', mark, ARGV[1], 'PX', ARGV[2])
  else
    redis.call('PEXPIRE', mark, ARGV[2])
  end
end
return 1
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
 * `t:` of earlier versions, which expire on their own), kept alive as long as its longest entry;
 * invalidation positions under `<prefix>{cache}:m:k:<key>` / `m:t:<tag>` (with a read fence).
 * Every call may fail (Redis down); TieredCache runs these through the L2 breaker.
 */
export class L2RedisStore {
  private readonly valuePrefix: string;
  private readonly tagPrefix: string;
  private readonly markPrefix: string;

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
    this.markPrefix = `${keyPrefix}{cache}:m:`;
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
   * Stores the value with its tags; returns the JSON's byte length (what it weighs in L1) and the keys
   * evicted to keep its tags bounded (other instances must drop their L1 copies of those). With
   * `loadedAt` (the position a fenced load read at; '' when unknown) the value is refused if an
   * invalidation of its key or tags carried a later position: then that position is returned.
   */
  async set(
    key: string,
    value: unknown,
    ttlMs: number,
    tags: readonly string[],
    loadedAt?: string,
  ): Promise<{ jsonBytes: number; evicted: string[] } | { refusedBy: string }> {
    const { payload, jsonBytes } = await encodeValue(value, this.compressOverBytes);
    if (tags.length === 0 && loadedAt === undefined) {
      await this.redis.set(this.valuePrefix + key, payload, 'PX', ttlMs);
      return { jsonBytes, evicted: [] };
    }
    const keys = [this.valuePrefix + key, `${this.markPrefix}k:${key}`];
    for (const tag of tags) keys.push(this.tagPrefix + tag, `${this.markPrefix}t:${tag}`);
    const [stored, ...rest] = (await this.redis.eval(
      STORE_SCRIPT,
      keys.length,
      ...keys,
      loadedAt ?? '',
      ttlMs,
      payload,
      key,
      this.maxTagEntries,
      this.valuePrefix,
      loadedAt === undefined ? '0' : '1',
    )) as [number, ...string[]];
    return stored === 0 ? { refusedBy: rest[0] } : { jsonBytes, evicted: rest };
  }

  /** Marks an invalidation's position on its keys and tags, for `ttlMs` (see set). */
  async mark(keys: readonly string[], tags: readonly string[], position: string, ttlMs: number) {
    const marks = [
      ...keys.map((k) => `${this.markPrefix}k:${k}`),
      ...tags.map((t) => `${this.markPrefix}t:${t}`),
    ];
    if (marks.length === 0) return;
    await this.redis.eval(MARK_SCRIPT, marks.length, ...marks, position, String(ttlMs));
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
