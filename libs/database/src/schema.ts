import { ApiKey } from './entities/api-key.entity';
import { Recommendation } from './entities/recommendation.entity';
import { Tier } from './entities/tier.entity';
import { UserEvent } from './entities/user-event.entity';
import { WebhookSubscription } from './entities/webhook-subscription.entity';
import { CreateTiersAndApiKeys1764028800000 } from './migrations/1764028800000-create-tiers-and-api-keys';
import { CreateDomainTables1764115200000 } from './migrations/1764115200000-create-domain-tables';

/** Every entity and migration, in order. New tables add their entity and migration here. */
export const ENTITIES = [Tier, ApiKey, UserEvent, Recommendation, WebhookSubscription];
export const MIGRATIONS = [CreateTiersAndApiKeys1764028800000, CreateDomainTables1764115200000];
