import { z } from 'zod';

export const WEBHOOK_EVENTS = ['recommendations.updated'] as const;
export const MAX_SUBSCRIPTIONS_PER_KEY = 25;

export const createWebhookSchema = z.strictObject({
  url: z.string().min(1).max(2048),
  events: z
    .array(z.enum(WEBHOOK_EVENTS))
    .min(1)
    .max(WEBHOOK_EVENTS.length)
    .refine((e) => new Set(e).size === e.length, 'events must not repeat'),
  /** Shared secret for the HMAC signature; generated (and shown once) when omitted. */
  secret: z.string().min(16).max(256).optional(),
});
export type CreateWebhook = z.infer<typeof createWebhookSchema>;

export const webhookParamsSchema = z.strictObject({ id: z.uuid() });

export const subscriptionSchema = z.strictObject({
  id: z.uuid(),
  url: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENTS)),
  createdAt: z.iso.datetime(),
});
export type SubscriptionView = z.infer<typeof subscriptionSchema>;

export const createdSubscriptionSchema = subscriptionSchema.extend({
  secret: z.string().meta({ description: 'The signing secret: shown only in this response' }),
});
