import { ApiKey } from './entities/api-key.entity';
import { OutboxEntry } from './entities/outbox-entry.entity';
import { ProcessedJob } from './entities/processed-job.entity';
import { Tier } from './entities/tier.entity';
import { CreateTiersAndApiKeys1764028800000 } from './migrations/1764028800000-create-tiers-and-api-keys';
import { CreateOutboxAndProcessedJobs1764100000000 } from './migrations/1764100000000-create-outbox-and-processed-jobs';

/** Every entity and migration, in order. New tables add their entity and migration here. */
export const ENTITIES = [Tier, ApiKey, OutboxEntry, ProcessedJob];
export const MIGRATIONS = [CreateTiersAndApiKeys1764028800000, CreateOutboxAndProcessedJobs1764100000000];
