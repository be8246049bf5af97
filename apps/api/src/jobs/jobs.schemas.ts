import { z } from 'zod';
import { PRIORITY_CLASSES, PUBLIC_JOB_NAMES } from '@platform/queue';

const publicJobNames = PUBLIC_JOB_NAMES as [string, ...string[]];

export const createJobSchema = z.strictObject({
  type: z.enum(publicJobNames),
  payload: z.record(z.string(), z.unknown()),
  priority: z.enum(PRIORITY_CLASSES).optional(),
  idempotencyKey: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,200}$/, 'letters, digits, ".", "_", ":" and "-", at most 200')
    .optional(),
  delayMs: z
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 3600 * 1000)
    .optional(),
});
export type CreateJobBody = z.infer<typeof createJobSchema>;

export const jobParamsSchema = z.strictObject({ id: z.string().max(100) });
