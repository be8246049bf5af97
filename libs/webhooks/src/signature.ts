import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks (https://www.standardwebhooks.com) signing: secrets are `whsec_<base64 key>`,
 * and `webhook-signature` is a space-separated list of `v1,<base64 HMAC-SHA256(key, "id.timestamp.body")>`.
 * Several signatures are sent while a rotated-out secret is still honoured, so receivers holding
 * either secret verify. The official `standardwebhooks` and Svix verifiers accept what this signs.
 */
export const WEBHOOK_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

export const SECRET_PREFIX = 'whsec_';
/** Key sizes the Standard Webhooks libraries accept (Svix: 24 to 64 bytes). */
export const MIN_KEY_BYTES = 24;
export const MAX_KEY_BYTES = 64;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export class WebhookSecretError extends Error {
  override name = 'WebhookSecretError';
}

/** A fresh `whsec_` secret: 32 random bytes, standard base64 (the format receivers' libraries parse). */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

/**
 * The HMAC key inside a `whsec_` secret; throws WebhookSecretError when it is not one. Any key size
 * signs (secrets converted from the old format keep their key); new ones must pass isWebhookSecret.
 */
export function webhookSecretKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : '';
  if (!BASE64.test(encoded) || encoded.length % 4 !== 0) {
    throw new WebhookSecretError('must be "whsec_" followed by standard base64');
  }
  return Buffer.from(encoded, 'base64');
}

/** Whether a secret may be given to a new subscription: `whsec_` and a 24 to 64 byte key. */
export function isWebhookSecret(secret: string): boolean {
  try {
    const size = webhookSecretKey(secret).length;
    return size >= MIN_KEY_BYTES && size <= MAX_KEY_BYTES;
  } catch {
    return false;
  }
}

function signature(key: Buffer, id: string, timestampSeconds: number, body: string): string {
  return createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
}

/** The `webhook-signature` value: one `v1,` signature per secret, current secret first. */
export function signWebhook(
  secrets: readonly string[],
  id: string,
  timestampSeconds: number,
  body: string,
): string {
  if (secrets.length === 0) throw new WebhookSecretError('at least one secret is needed to sign');
  return secrets
    .map((secret) => `v1,${signature(webhookSecretKey(secret), id, timestampSeconds, body)}`)
    .join(' ');
}

/**
 * What a receiver does (the project's own tests use the independent `standardwebhooks` package as
 * well): bound the timestamp's age, then accept if any `v1` signature matches, in constant time.
 */
export function verifyWebhook(
  secret: string,
  headers: { id: string; timestamp: string; signature: string },
  body: string,
  nowSeconds = Math.floor(Date.now() / 1000),
  toleranceSeconds = 300,
): boolean {
  const timestamp = Number(headers.timestamp);
  if (!/^\d+$/.test(headers.timestamp) || Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(signature(webhookSecretKey(secret), headers.id, timestamp, body), 'base64');
  return headers.signature.split(' ').some((entry) => {
    const [version, value] = entry.split(',', 2);
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
