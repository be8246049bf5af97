export { DatabaseModule } from './database.module';
export { postgresOptions, type PostgresOptions } from './data-source-options';
export { ensureDatabase, dropDatabase, runMigrations } from './database-admin';
export { ENTITIES, MIGRATIONS } from './schema';
export { Tier, PRIORITY_CLASSES, type PriorityClass } from './entities/tier.entity';
export { ApiKey } from './entities/api-key.entity';
export { OutboxEntry } from './entities/outbox-entry.entity';
export { ProcessedJob } from './entities/processed-job.entity';
export { seedDefaultTiers, issueApiKey, DEFAULT_TIERS, type TierDefaults, type IssuedApiKey } from './seed';
