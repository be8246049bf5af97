import { ApiKey } from './entities/api-key.entity';
import { EventRequest } from './entities/event-request.entity';
import { OutboxEntry } from './entities/outbox-entry.entity';
import { ProcessedJob } from './entities/processed-job.entity';
import { Recommendation } from './entities/recommendation.entity';
import { Tenant } from './entities/tenant.entity';
import { Tier } from './entities/tier.entity';
import { UserEvent } from './entities/user-event.entity';
import { WebhookSubscription } from './entities/webhook-subscription.entity';
import { CreateTiersAndApiKeys1764028800000 } from './migrations/1764028800000-create-tiers-and-api-keys';
import { CreateOutboxAndProcessedJobs1764100000000 } from './migrations/1764100000000-create-outbox-and-processed-jobs';
import { CreateDomainTables1764115200000 } from './migrations/1764115200000-create-domain-tables';
import { CreateEventRequests1764201600000 } from './migrations/1764201600000-create-event-requests';
import { AddOutboxTraceContext1764288000000 } from './migrations/1764288000000-add-outbox-trace-context';
import { StandardWebhookSecrets1764800000000 } from './migrations/1764800000000-standard-webhook-secrets';
import { Tenants1765000000000 } from './migrations/1765000000000-tenants';
import { UserEventsRetentionIndex1765100000000 } from './migrations/1765100000000-user-events-retention-index';

/** Every entity and migration, in order. New tables add their entity and migration here. */
export const ENTITIES = [
  Tenant,
  Tier,
  ApiKey,
  OutboxEntry,
  ProcessedJob,
  UserEvent,
  Recommendation,
  WebhookSubscription,
  EventRequest,
];
export const MIGRATIONS = [
  CreateTiersAndApiKeys1764028800000,
  CreateOutboxAndProcessedJobs1764100000000,
  CreateDomainTables1764115200000,
  CreateEventRequests1764201600000,
  AddOutboxTraceContext1764288000000,
  StandardWebhookSecrets1764800000000,
  Tenants1765000000000,
  UserEventsRetentionIndex1765100000000,
];
