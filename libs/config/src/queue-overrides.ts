import { z } from 'zod';

/**
 * Per-queue overrides, given as JSON in QUEUE_OVERRIDES, e.g. {"jobs":{"highWaterMark":5000}}.
 * Queue names are checked against the queue record by libs/queue at boot.
 */
export const queueOverrideSchema = z.strictObject({
  concurrency: z.number().int().min(1).max(1_000).optional(),
  attempts: z.number().int().min(1).max(100).optional(),
  timeoutMs: z.number().int().min(1).optional(),
  backoffDelayMs: z.number().int().min(0).optional(),
  keepCompleted: z.number().int().min(0).optional(),
  keepFailed: z.number().int().min(0).optional(),
  keepCompletedSeconds: z.number().int().min(1).optional(),
  keepFailedSeconds: z.number().int().min(1).optional(),
  highWaterMark: z.number().int().min(1).optional(),
  lowWaterMark: z.number().int().min(0).optional(),
});
export type QueueOverride = z.infer<typeof queueOverrideSchema>;

export const queueOverridesSchema = z.record(z.string().min(1), queueOverrideSchema);
export type QueueOverrides = z.infer<typeof queueOverridesSchema>;
