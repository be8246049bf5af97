import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { LRUCache } from 'lru-cache';
import { IsNull, type DataSource, type Repository } from 'typeorm';
import { InjectConfig, type AppConfig } from '@platform/config';
import { ApiKey, issueApiKey, readFromPrimary, type IssuedApiKey } from '@platform/database';
import { sha256Hex } from '@platform/security';

export interface LiveKey {
  id: string;
  name: string;
  tierName: string;
}

/** Looks up live keys by the hash of the presented secret; cached in process for API_KEY_CACHE_TTL_MS. */
@Injectable()
export class ApiKeysService {
  private readonly byHash: LRUCache<string, LiveKey>;

  constructor(
    @InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>,
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectConfig() config: AppConfig,
  ) {
    this.byHash = new LRUCache({ max: 100_000, ttl: Math.max(1, config.throttle.apiKeyCacheTtlMs) });
  }

  async findLive(secret: string): Promise<LiveKey | undefined> {
    const hash = sha256Hex(secret);
    const cached = this.byHash.get(hash);
    if (cached) return cached;
    // From the primary: a key is used the moment it is issued, before a replica may have it. The
    // result is cached, so this costs the primary one query per key per API_KEY_CACHE_TTL_MS.
    const row = await readFromPrimary(() =>
      this.keys.findOne({
        where: { keyHash: hash, revokedAt: IsNull() },
        select: { id: true, name: true, tierName: true },
      }),
    );
    if (!row) return undefined;
    const live = { id: row.id, name: row.name, tierName: row.tierName };
    this.byHash.set(hash, live);
    return live;
  }

  issue(name: string, tier: string): Promise<IssuedApiKey> {
    return issueApiKey(this.dataSource, name, tier);
  }

  /** Revokes a key; returns false when no live key has that id. Clears this instance's cache at once. */
  async revoke(id: string): Promise<boolean> {
    const result = await this.keys.update({ id, revokedAt: IsNull() }, { revokedAt: () => 'now()' });
    if (!result.affected) return false;
    for (const [hash, live] of this.byHash.entries()) if (live.id === id) this.byHash.delete(hash);
    return true;
  }
}
