import type { RedisClient } from '@platform/redis';
import { decodeValue, encodeValue } from './value-codec';

/**
 * Deletes every key listed in a tag's set, then the set; returns the keys (relative to the prefix)
 * so other instances can drop their L1 copies. One script, so a key set under the tag meanwhile is
 * either deleted now or added to a fresh set.
 */
const DELETE_TAG_SCRIPT = `
local keys = redis.call('SMEMBERS', KEYS[1])
for _, key in ipairs(keys) do redis.call('DEL', ARGV[1] .. key) end
redis.call('DEL', KEYS[1])
return keys
`;

/**
 * Keeps, per key and tag, the latest write position an invalidation carried (for ARGV[2] ms): the
 * store below refuses a value loaded before it. KEYS: the marks; ARGV[1] position, ARGV[2] TTL.
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
 * Stores a loaded value unless an invalidation of its key or one of its tags carried a later
 * position than the one the load read at (ARGV[1]; '' = unknown, older than any): then returns that
 * position instead of 1. Checked and
 * written in one step, so a load that read before an invalidation cannot land after its DEL, however
 * late its message reaches the loading instance. KEYS[1] value, KEYS[2] the key's mark, then per tag
 * its set and its mark; ARGV[2] TTL, ARGV[3] payload, ARGV[4] the key as tag sets list it.
 */
const STORE_IF_CURRENT_SCRIPT = `
local loadedAt = ARGV[1]
for i = 2, #KEYS, 2 do
  local mark = redis.call('GET', KEYS[i])
  if mark and mark > loadedAt then return mark end
end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[2])
for i = 3, #KEYS, 2 do
  redis.call('SADD', KEYS[i], ARGV[4])
  redis.call('PEXPIRE', KEYS[i], ARGV[2], 'NX')
  redis.call('PEXPIRE', KEYS[i], ARGV[2], 'GT')
end
return 1
`;

/**
 * The shared layer: values under `<prefix>{cache}:v:<key>`, compressed when over the threshold; a set
 * per tag under `<prefix>{cache}:t:<tag>` listing its keys, kept alive as long as its longest entry;
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
  ) {
    // One hash tag for values and tag sets: the MULTI in set(), the tag script and multi-key DEL touch
    // both, and a Redis Cluster refuses (CROSSSLOT) commands whose keys hash to different slots.
    this.valuePrefix = `${keyPrefix}{cache}:v:`;
    this.tagPrefix = `${keyPrefix}{cache}:t:`;
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

  /** Stores the value; returns the JSON's byte length (what it weighs in L1). */
  async set(key: string, value: unknown, ttlMs: number, tags: readonly string[]): Promise<number> {
    const { payload, jsonBytes } = await encodeValue(value, this.compressOverBytes);
    const multi = this.redis.multi().set(this.valuePrefix + key, payload, 'PX', ttlMs);
    for (const tag of tags) {
      const tagKey = this.tagPrefix + tag;
      // NX gives a fresh set a TTL, GT extends it when this entry outlives the set.
      multi.sadd(tagKey, key).pexpire(tagKey, ttlMs, 'NX').pexpire(tagKey, ttlMs, 'GT');
    }
    const results = await multi.exec();
    const failed = results?.find(([error]) => error);
    if (failed?.[0]) throw failed[0];
    return jsonBytes;
  }

  /**
   * Stores a value loaded at `loadedAt` ('' when unknown) unless a later invalidation of its key or
   * tags is marked: the JSON's byte length, or the position that refused it.
   */
  async setIfCurrent(
    key: string,
    value: unknown,
    ttlMs: number,
    tags: readonly string[],
    loadedAt: string,
  ): Promise<{ jsonBytes: number } | { refusedBy: string }> {
    const { payload, jsonBytes } = await encodeValue(value, this.compressOverBytes);
    const keys = [this.valuePrefix + key, `${this.markPrefix}k:${key}`];
    for (const tag of tags) keys.push(this.tagPrefix + tag, `${this.markPrefix}t:${tag}`);
    const stored = await this.redis.eval(
      STORE_IF_CURRENT_SCRIPT,
      keys.length,
      ...keys,
      loadedAt,
      String(ttlMs),
      payload,
      key,
    );
    return typeof stored === 'string' ? { refusedBy: stored } : { jsonBytes };
  }

  /** Marks an invalidation's position on its keys and tags, for `ttlMs` (see setIfCurrent). */
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

  async deleteTag(tag: string): Promise<string[]> {
    return (await this.redis.eval(DELETE_TAG_SCRIPT, 1, this.tagPrefix + tag, this.valuePrefix)) as string[];
  }
}
