import { ApiKey } from './entities/api-key.entity';
import { Tier } from './entities/tier.entity';
import { CreateTiersAndApiKeys1764028800000 } from './migrations/1764028800000-create-tiers-and-api-keys';

/** Every entity and migration, in order. New tables add their entity and migration here. */
export const ENTITIES = [Tier, ApiKey];
export const MIGRATIONS = [CreateTiersAndApiKeys1764028800000];
