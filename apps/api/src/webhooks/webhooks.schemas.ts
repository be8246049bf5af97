import { z } from 'zod';
import { isWebhookSecret } from '@platform/webhooks';

export const WEBHOOK_EVENTS = ['recommendations.updated'] as const;

function webhookSecretSchema() {
  return z
    .string()
    .max(256)
    .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, '"whsec_" followed by standard base64')
    .refine(isWebhookSecret, '"whsec_" followed by the standard base64 of a 24 to 64 byte key')
    .meta({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
}

export const createWebhookSchema = z.strictObject({
  url: z
    .string()
    .min(1)
    .max(2048)
    .meta({
      description:
        'Where deliveries are POSTed: https (plain http is refused in production unless the operator allows it); ' +
        'private, loopback and link-local addresses are refused',
    }),
  events: z
    .array(z.enum(WEBHOOK_EVENTS))
    .min(1)
    .max(WEBHOOK_EVENTS.length)
    .refine((e) => new Set(e).size === e.length, 'events must not repeat'),
  /** Standard Webhooks signing secret; generated (and shown once) when omitted. */
  secret: webhookSecretSchema().optional(),
});
export type CreateWebhook = z.infer<typeof createWebhookSchema>;

export const webhookParamsSchema = z.strictObject({ id: z.uuid() });

/** The new secret may be given; otherwise one is generated. No body at all is the usual call. */
export const rotateSecretSchema = z
  .strictObject({ secret: webhookSecretSchema().optional() })
  .optional()
  .transform((body) => body ?? {});
export type RotateSecret = z.output<typeof rotateSecretSchema>;

export const subscriptionSchema = z.strictObject({
  id: z.uuid(),
  url: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENTS)),
  status: z.enum(['active', 'disabled']).meta({
    description: 'disabled: the API key that created it was revoked; nothing is delivered to it any more',
  }),
  createdBy: z.uuid().meta({ description: 'The API key that created it (revoking that key disables it)' }),
  createdAt: z.iso.datetime(),
});
export type SubscriptionView = z.infer<typeof subscriptionSchema>;

export const createdSubscriptionSchema = subscriptionSchema.extend({
  secret: z.string().meta({ description: 'The signing secret: shown only in this response' }),
});

export const rotatedSecretSchema = z.strictObject({
  id: z.uuid(),
  secret: z.string().meta({ description: 'The new signing secret: shown only in this response' }),
  previousSecretExpiresAt: z.iso
    .datetime()
    .meta({ description: "Until then deliveries also carry the old secret's signature" }),
});
export type RotatedSecret = z.infer<typeof rotatedSecretSchema>;
