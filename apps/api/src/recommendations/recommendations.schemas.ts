import { z } from 'zod';
import { recommendationBodySchema } from '@platform/recommendations';

/** Same rule as the user_events.user_id check constraint. */
export const userIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,64}$/, '1-64 characters: letters, digits, "_", ".", ":" or "-"');

export const userParamsSchema = z.strictObject({ userId: userIdSchema });

export const batchQuerySchema = z.strictObject({
  user_ids: z
    .string()
    .min(1)
    .max(20_000)
    .transform((v) => v.split(',').map((s) => s.trim()))
    .pipe(z.array(userIdSchema).min(1)),
});

export const batchResultSchema = z.discriminatedUnion('status', [
  z.strictObject({ userId: z.string(), status: z.literal('ok'), recommendations: recommendationBodySchema }),
  z.strictObject({ userId: z.string(), status: z.literal('not_found') }),
]);

export const batchResponseSchema = z.strictObject({
  successful: z.number().int(),
  failed: z.number().int(),
  results: z.array(batchResultSchema),
});
