import { z } from 'zod';
import { EVENT_TYPES } from '@platform/database';
import { userIdSchema } from '../recommendations/recommendations.schemas';

/** Letters and digits of any script, spaces and a little punctuation; no control or invisible characters. */
const categorySchema = z
  .string()
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} _.&'/+-]{0,63}$/u, "1-64 letters, digits, spaces or _ . & ' / + -");

export const eventSchema = z.strictObject({
  userId: userIdSchema,
  type: z.enum(EVENT_TYPES),
  category: categorySchema,
  /** When it happened; defaults to now. At most 30 days old and not in the future. */
  occurredAt: z.iso
    .datetime({ offset: true })
    .refine((v) => {
      const t = Date.parse(v);
      return t <= Date.now() + 60_000 && t >= Date.now() - 30 * 86_400_000;
    }, 'must be within the last 30 days and not in the future')
    .optional(),
});
export type EventInput = z.infer<typeof eventSchema>;

/** One event, or `{ events: [...] }` up to the tier's max batch (checked by the service). */
export const postEventsSchema = z.union([
  eventSchema,
  z.strictObject({ events: z.array(eventSchema).min(1).max(10_000) }),
]);
export type PostEventsBody = z.infer<typeof postEventsSchema>;

export const acceptedEventsSchema = z.strictObject({
  accepted: z.number().int().meta({ description: 'Events stored' }),
  jobIds: z.array(z.uuid()).meta({ description: 'One recompute job per affected user (GET /v1/jobs/:id)' }),
});

/**
 * `Idempotency-Key` (IETF draft-ietf-httpapi-idempotency-key-header): a retry with the same key and
 * the same events gets the first answer; with other events, 409. Kept for a day.
 */
export const idempotencyHeadersSchema = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, 'printable ASCII without spaces, 1-255 characters')
    .optional(),
});
