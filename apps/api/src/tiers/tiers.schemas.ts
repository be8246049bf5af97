import { z } from 'zod';
import { PRIORITY_CLASSES } from '@platform/queue';

/** A tier's limits as the API shows them (GET/PUT /v1/admin/tiers/:name, GET /v1/me). */
export const tierViewSchema = z.strictObject({
  name: z.string(),
  ratePerMinute: z.number().int(),
  burst: z.number().int(),
  defaultPriority: z.enum(PRIORITY_CLASSES),
  maxBatch: z.number().int(),
});

export const TIER_EXAMPLE: z.infer<typeof tierViewSchema> = {
  name: 'free',
  ratePerMinute: 100,
  burst: 150,
  defaultPriority: 'normal',
  maxBatch: 100,
};
