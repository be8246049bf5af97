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
 * The shared layer: values under `<prefix>{cache}:v:<key>`, compressed when over the threshold; a set
 * per tag under `<prefix>{cache}:t:<tag>` listing its keys, kept alive as long as its longest entry.
 * Every call may fail (Redis down); TieredCache runs these through the L2 breaker.
 */
export class L2RedisStore {
  private readonly valuePrefix: string;
  private readonly tagPrefix: string;

  constructor(
    private readonly redis: RedisClient,
    keyPrefix: string,
    private readonly compressOverBytes: number,
  ) {
    // One hash tag for values and tag sets: the MULTI in set(), the tag script and multi-key DEL touch
    // both, and a Redis Cluster refuses (CROSSSLOT) commands whose keys hash to different slots.
    this.valuePrefix = `${keyPrefix}{cache}:v:`;
    this.tagPrefix = `${keyPrefix}{cache}:t:`;
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
