import type { DataSource } from 'typeorm';
import { generateApiKey, sha256Hex } from '@platform/security';
import { ApiKey } from './entities/api-key.entity';
import { Tenant } from './entities/tenant.entity';
import type { PriorityClass } from '@platform/queue';

export interface TierDefaults {
  name: string;
  ratePerMinute: number;
  burst: number;
  defaultPriority: PriorityClass;
  maxBatch: number;
}

/** The seed tiers: free is the seed's 100 requests/minute with a burst of 150. */
export const DEFAULT_TIERS: readonly TierDefaults[] = [
  { name: 'free', ratePerMinute: 100, burst: 150, defaultPriority: 'normal', maxBatch: 100 },
  { name: 'pro', ratePerMinute: 1_000, burst: 1_500, defaultPriority: 'high', maxBatch: 500 },
  { name: 'internal', ratePerMinute: 60_000, burst: 10_000, defaultPriority: 'high', maxBatch: 1_000 },
];

/** Inserts the default tiers when missing; never overwrites limits an operator changed. */
export async function seedDefaultTiers(dataSource: DataSource): Promise<void> {
  for (const t of DEFAULT_TIERS) {
    await dataSource.query(
      `INSERT INTO tiers (name, rate_per_minute, burst, default_priority, max_batch)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING`,
      [t.name, t.ratePerMinute, t.burst, t.defaultPriority, t.maxBatch],
    );
  }
}

export interface IssuedApiKey {
  id: string;
  name: string;
  tier: string;
  /** The tenant the key belongs to. */
  tenant: string;
  /** The secret; returned once and never stored. */
  key: string;
  createdAt: Date;
}

/**
 * Creates a key: a random secret of which only the SHA-256 is stored. Without `tenantId` the key gets
 * a tenant of its own (named after it), so keys are isolated unless they are meant to share users.
 */
export async function issueApiKey(
  dataSource: DataSource,
  name: string,
  tier: string,
  tenantId?: string,
): Promise<IssuedApiKey> {
  const key = generateApiKey();
  return dataSource.transaction(async (manager) => {
    const tenant = tenantId ?? (await manager.getRepository(Tenant).save({ name, suspendedAt: null })).id;
    const row = await manager.getRepository(ApiKey).save({
      name,
      tierName: tier,
      tenantId: tenant,
      keyHash: sha256Hex(key),
      keyPrefix: key.slice(0, 8),
      revokedAt: null,
    });
    return { id: row.id, name: row.name, tier: row.tierName, tenant, key, createdAt: row.createdAt };
  });
}
