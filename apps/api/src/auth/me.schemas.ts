import { z } from 'zod';
import { tierViewSchema } from '../tiers/tiers.schemas';

/** GET /v1/me: the calling key and its tier's limits. */
export const meSchema = z.strictObject({ apiKeyId: z.uuid(), name: z.string(), tier: tierViewSchema });
