import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LRUCache } from 'lru-cache';
import type { Repository } from 'typeorm';
import { InjectConfig, type AppConfig } from '@platform/config';
import { Tier } from '@platform/database';

export type TierLimits = Pick<Tier, 'name' | 'ratePerMinute' | 'burst' | 'defaultPriority' | 'maxBatch'>;

/**
 * Tier rules, read on every authenticated request, so cached in process for TIER_CACHE_TTL_MS:
 * an admin change reaches every instance within that TTL.
 */
@Injectable()
export class TiersService {
  private readonly cache: LRUCache<string, TierLimits>;

  constructor(
    @InjectRepository(Tier) private readonly tiers: Repository<Tier>,
    @InjectConfig() config: AppConfig,
  ) {
    this.cache = new LRUCache({ max: 1_000, ttl: Math.max(1, config.throttle.tierCacheTtlMs) });
  }

  async find(name: string): Promise<TierLimits | undefined> {
    const cached = this.cache.get(name);
    if (cached) return cached;
    const tier = await this.tiers.findOneBy({ name });
    if (!tier) return undefined;
    const limits = toLimits(tier);
    this.cache.set(name, limits);
    return limits;
  }

  async upsert(limits: TierLimits): Promise<TierLimits> {
    await this.tiers.upsert(limits, ['name']);
    this.cache.delete(limits.name);
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
