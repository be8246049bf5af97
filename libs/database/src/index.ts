export { DatabaseModule } from './database.module';
export { postgresOptions, type PostgresOptions } from './data-source-options';
export { ensureDatabase, dropDatabase, runMigrations, applyDatabaseSettings } from './database-admin';
export { primaryDataSourceOptions, migrationTargetUrl } from './primary/primary-data-source';
export { PrimaryLocator, NotPrimaryError, probeRole, type HostRole } from './primary/primary-locator';
export { PrimaryReadiness } from './primary/primary-readiness';
export { assertPostgresVersion, UnsupportedPostgresError } from './server-version';
export { ENTITIES, MIGRATIONS } from './schema';
export { Tier } from './entities/tier.entity';
export { ApiKey } from './entities/api-key.entity';
export { Tenant } from './entities/tenant.entity';
export { PRE_TENANCY_TENANT_ID } from './migrations/1765000000000-tenants';
export { OutboxEntry } from './entities/outbox-entry.entity';
export { ProcessedJob } from './entities/processed-job.entity';
export { seedDefaultTiers, issueApiKey, DEFAULT_TIERS, type TierDefaults, type IssuedApiKey } from './seed';
export { UserEvent, EVENT_TYPES, type EventType } from './entities/user-event.entity';
export { Recommendation } from './entities/recommendation.entity';
export { WebhookSubscription, ENABLED_WEBHOOK_SUBSCRIPTIONS } from './entities/webhook-subscription.entity';
export { EventRequest } from './entities/event-request.entity';
export { ReplicaRouter } from './replicas/replica-router';
export { ReplicaReadFence } from './replicas/replica-read-fence';
export {
  runAs,
  runWithoutCaller,
  readFromPrimary,
  readAtLeast,
  runDetached,
  currentConsistency,
  entityKey,
} from './replicas/consistency-context';
export { hostLabel } from './replicas/host-label';
export { DB_TARGET } from './replicas/tracked-connection';
export { GroupCommit, GroupCommitFullError, type GroupCommitOptions } from './group-commit';
