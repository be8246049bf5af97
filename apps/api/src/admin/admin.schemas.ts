import { z } from 'zod';
import { PRIORITY_CLASSES } from '@platform/queue';

export const tierNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, "_" and "-", at most 63 characters');

export const createApiKeySchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  tier: tierNameSchema,
  tenant: z
    .uuid()
    .optional()
    .meta({ description: "An existing tenant's id; without it the key gets a new tenant of its own" }),
});

const limit = (max: number) => z.number().int().min(1).max(max);

export const tierLimitsSchema = z.strictObject({
  ratePerMinute: limit(10_000_000),
  burst: limit(10_000_000),
  defaultPriority: z.enum(PRIORITY_CLASSES),
  maxBatch: limit(10_000),
});

export const tierParamsSchema = z.strictObject({ name: tierNameSchema });
export const apiKeyParamsSchema = z.strictObject({ id: z.uuid() });

export const issuedApiKeySchema = z.strictObject({
  id: z.uuid(),
  key: z.string().meta({ description: 'The secret: shown only in this response' }),
  name: z.string(),
  tier: z.string(),
  tenant: z.uuid().meta({ description: 'The tenant whose users the key sees' }),
  createdAt: z.iso.datetime(),
});
export type IssuedApiKeyView = z.infer<typeof issuedApiKeySchema>;
