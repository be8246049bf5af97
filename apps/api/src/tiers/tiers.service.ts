import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { TieredCache } from '@platform/cache';
import { InjectConfig, type AppConfig } from '@platform/config';
import { Tier } from '@platform/database';
import type { z } from 'zod';
import type { tierViewSchema } from './tiers.schemas';

/** The shape the API shows (tierViewSchema documents it). */
export type TierLimits = z.infer<typeof tierViewSchema>;

/** Tag carried by everything cached from a tier's limits (its lookup, cached /v1/me responses). */
export const tierCacheTag = (name: string): string => `tier:${name}`;
const cacheKey = (name: string) => `tier:${name}`;

/**
 * Tier rules, read on every authenticated request, so kept in the tiered cache. A change through
 * `upsert` invalidates the tier's tag on every instance at once; TIER_CACHE_TTL_MS only bounds how
 * long a copy lives if an invalidation is ever lost.
 */
@Injectable()
export class TiersService {
  private readonly ttlMs: number;

  constructor(
    @InjectRepository(Tier) private readonly tiers: Repository<Tier>,
    private readonly cache: TieredCache,
    @InjectConfig() config: AppConfig,
  ) {
    this.ttlMs = Math.max(1, config.throttle.tierCacheTtlMs);
  }

  /** The tier from this instance's L1 copy, synchronously; undefined means "ask find". */
  peek(name: string): TierLimits | undefined {
    return this.cache.peek<TierLimits>(cacheKey(name));
  }

  /** Unknown tiers are not cached (undefined is never stored). */
  find(name: string): Promise<TierLimits | undefined> {
    return this.cache.wrap(
      cacheKey(name),
      async () => {
        const tier = await this.tiers.findOneBy({ name });
        return tier ? toLimits(tier) : undefined;
      },
      { ttlMs: this.ttlMs, tags: [tierCacheTag(name)] },
    );
  }

  async upsert(limits: TierLimits): Promise<TierLimits> {
    await this.tiers.upsert(limits, ['name']);
    await this.cache.invalidateTags([tierCacheTag(limits.name)]);
    const saved = await this.tiers.findOneByOrFail({ name: limits.name });
    return toLimits(saved);
  }
}

function toLimits(tier: Tier): TierLimits {
  return {
    name: tier.name,
    ratePerMinute: tier.ratePerMinute,
    burst: tier.burst,
    defaultPriority: tier.defaultPriority,
    maxBatch: tier.maxBatch,
  };
}
