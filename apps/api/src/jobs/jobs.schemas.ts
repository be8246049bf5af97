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

/** `accepted`: durable, not in the queue yet (Redis was down); `queued`: just added; the rest are BullMQ's. */
export const JOB_STATES = [
  'accepted',
  'queued',
  'waiting',
  'prioritized',
  'delayed',
  'active',
  'waiting-children',
  'completed',
  'failed',
  'expired',
] as const;
export type JobState = (typeof JOB_STATES)[number];

export const createdJobSchema = z.strictObject({ id: z.uuid(), status: z.enum(JOB_STATES) });

const isoTime = z.iso.datetime();
export const jobStatusSchema = z.strictObject({
  id: z.uuid(),
  type: z.string(),
  status: z.enum(JOB_STATES),
  priority: z.enum(PRIORITY_CLASSES).optional(),
  progress: z.union([z.number(), z.record(z.string(), z.unknown()), z.null()]),
  attempts: z.strictObject({ made: z.number().int(), max: z.number().int() }),
  result: z.unknown().optional().meta({ description: "The handler's return value, once completed" }),
  failedReason: z.string().optional(),
  createdAt: isoTime,
  startedAt: isoTime.optional(),
  finishedAt: isoTime.optional(),
});
export type JobStatusView = z.infer<typeof jobStatusSchema>;
