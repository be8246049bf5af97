import { z } from 'zod';
import { tierViewSchema } from '../tiers/tiers.schemas';

/** GET /v1/me: the calling key, its tenant and its tier's limits. */
export const meSchema = z.strictObject({
  apiKeyId: z.uuid(),
  name: z.string(),
  tenant: z
    .strictObject({ id: z.uuid(), name: z.string() })
    .meta({ description: 'The tenant whose users this key sees' }),
  tier: tierViewSchema,
});
