import { z } from 'zod';

/**
 * Every queue the platform runs. Declared here rather than in libs/queue so QUEUE_OVERRIDES can be
 * checked against it at boot with the rest of the environment; libs/queue re-exports it.
 */
export const QUEUE_NAMES = ['recommendations', 'webhooks', 'jobs'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/**
 * Per-queue overrides, given as JSON in QUEUE_OVERRIDES, e.g. {"jobs":{"highWaterMark":5000}}. A
 * lowWaterMark comes with the highWaterMark it must stay below, so the pair is checked here, at boot
 * with the rest of the environment (the queue's default mark lives with its other settings in libs/queue).
 */
export const queueOverrideSchema = z
  .strictObject({
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
  })
  .refine((o) => o.lowWaterMark === undefined || (o.highWaterMark ?? 0) > o.lowWaterMark, {
    message: 'lowWaterMark needs a highWaterMark above it in the same override',
    path: ['lowWaterMark'],
  });
export type QueueOverride = z.infer<typeof queueOverrideSchema>;

export const queueOverridesSchema = z.partialRecord(z.enum(QUEUE_NAMES), queueOverrideSchema, {
  error: (recordIssue) => {
    // An enum-keyed record reports keys outside the enum as unrecognized_keys, a code its typings omit.
    const issue = recordIssue as z.core.$ZodRawIssue;
    return issue.code === 'unrecognized_keys'
      ? `unknown queue ${issue.keys.map((k) => `"${k}"`).join(', ')} (known: ${QUEUE_NAMES.join(', ')})`
      : undefined;
  },
});
export type QueueOverrides = z.infer<typeof queueOverridesSchema>;
