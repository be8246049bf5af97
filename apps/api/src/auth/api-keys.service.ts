import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { LRUCache } from 'lru-cache';
import { IsNull, type DataSource, type Repository } from 'typeorm';
import { TieredCache } from '@platform/cache';
import { InjectConfig, type AppConfig } from '@platform/config';
import { ApiKey, issueApiKey, readFromPrimary, type IssuedApiKey } from '@platform/database';
import { sha256Hex } from '@platform/security';
import { tenantKeysCacheTag } from '../tenants/tenants.service';

export interface LiveKey {
  id: string;
  name: string;
  tierName: string;
  tenantId: string;
  tenantName: string;
  /** The tenant is suspended: the key is known but refused (403 tenant_suspended). */
  tenantSuspended: boolean;
}

/** Tag carried by everything cached for one API key (its lookup, its cached responses). */
export const apiKeyCacheTag = (id: string): string => `api-key:${id}`;

/** One entry per key hash: the live key, or `null` for a hash no live key has (remembered briefly). */
const cacheKey = (hash: string) => `api-key:hash:${hash}`;

/**
 * Looks up live keys by the hash of the presented secret, through the tiered cache. Revoking a key
 * invalidates its tag on every instance at once; API_KEY_CACHE_TTL_MS only bounds a lost invalidation.
 * A hash the primary does not know is remembered as unknown (`null`, in L1 and L2) for
 * API_KEY_NEGATIVE_CACHE_TTL_MS, so repeating a bad key costs no query; issuing a key drops that
 * entry on every instance, so a key works the moment it is issued.
 */
@Injectable()
export class ApiKeysService {
  private readonly ttlMs: number;
  private readonly negativeTtlMs: number;
  /** Secret → its hash, so a busy key is not hashed on every request (bounded; a hash never changes). */
  private readonly hashes = new LRUCache<string, string>({ max: 10_000 });

  constructor(
    @InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cache: TieredCache,
    @InjectConfig() config: AppConfig,
  ) {
    this.ttlMs = Math.max(1, config.throttle.apiKeyCacheTtlMs);
    this.negativeTtlMs = Math.min(this.ttlMs, config.throttle.apiKeyNegativeCacheTtlMs);
  }

  /** The live key from this instance's L1 copy, synchronously; undefined means "ask `cached`". */
  peekLive(secret: string): LiveKey | undefined {
    return this.cache.peek<LiveKey | null>(cacheKey(this.hashOf(secret))) ?? undefined;
  }

  /**
   * What the cache knows, without asking Postgres (L1, then L2): the live key, `null` when the key
   * is known not to be live, or undefined when the cache does not know (then `load`).
   */
  async cached(secret: string): Promise<LiveKey | null | undefined> {
    return (await this.cache.lookup<LiveKey | null>(cacheKey(this.hashOf(secret))))?.value;
  }

  /** The live key from the primary (through the cache: concurrent loads of one key share one query). */
  async load(secret: string): Promise<LiveKey | undefined> {
    const hash = this.hashOf(secret);
    const live = await this.cache.wrap<LiveKey | null | undefined>(
      cacheKey(hash),
      async () => {
        // From the primary: a key is used the moment it is issued, before a replica may have it. The
        // result is cached, so this costs the primary one query per key per cache lifetime.
        const row = await readFromPrimary(() =>
          this.keys.findOne({
            where: { keyHash: hash, revokedAt: IsNull() },
            relations: { tenant: true },
            select: {
              id: true,
              name: true,
              tierName: true,
              tenant: { id: true, name: true, suspendedAt: true },
            },
          }),
        );
        if (!row?.tenant) return this.negativeTtlMs > 0 ? null : undefined;
        return {
          id: row.id,
          name: row.name,
          tierName: row.tierName,
          tenantId: row.tenant.id,
          tenantName: row.tenant.name,
          tenantSuspended: row.tenant.suspendedAt !== null,
        };
      },
      {
        ttlMs: (live) => (live ? this.ttlMs : this.negativeTtlMs),
        tags: (live) => (live ? [apiKeyCacheTag(live.id), tenantKeysCacheTag(live.tenantId)] : []),
      },
    );
    return live ?? undefined;
  }

  private hashOf(secret: string): string {
    let hash = this.hashes.get(secret);
    if (hash === undefined) this.hashes.set(secret, (hash = sha256Hex(secret)));
    return hash;
  }

  /** A new key in `tenantId`, or in a new tenant of its own when none is given. */
  async issue(name: string, tier: string, tenantId?: string): Promise<IssuedApiKey> {
    const issued = await issueApiKey(this.dataSource, name, tier, tenantId);
    // Its secret may have been presented before it existed and be remembered as unknown, on any
    // instance: the hash is known now, so drop that everywhere before the key is handed out.
    await this.cache.del(cacheKey(sha256Hex(issued.key)));
    return issued;
  }

  /** The tenant of a key, live or revoked (keys never change tenant, so any copy is current). */
  async tenantOf(id: string): Promise<string | undefined> {
    return (await this.keys.findOne({ where: { id }, select: { tenantId: true } }))?.tenantId;
  }

  /** A tenant's keys, live and revoked, oldest first (never their secrets). */
  listByTenant(tenantId: string): Promise<ApiKey[]> {
    return readFromPrimary(() =>
      this.keys.find({
        where: { tenantId },
        order: { createdAt: 'ASC', id: 'ASC' },
        select: { id: true, name: true, keyPrefix: true, tierName: true, createdAt: true, revokedAt: true },
      }),
    );
  }

  /**
   * Revokes a key; returns false when no live key has that id. Every instance forgets it at once, and
   * the webhook subscriptions it created stop receiving deliveries (they are disabled by the revocation:
   * fan-out and delivery only use subscriptions whose creating key is live).
   */
  async revoke(id: string): Promise<boolean> {
    const result = await this.keys.update({ id, revokedAt: IsNull() }, { revokedAt: () => 'now()' });
    if (!result.affected) return false;
    await this.cache.invalidateTags([apiKeyCacheTag(id)]);
    return true;
  }
}
