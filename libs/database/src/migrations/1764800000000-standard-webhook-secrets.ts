import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook secrets become Standard Webhooks secrets (`whsec_<base64 key>`) and can be rotated.
 *
 * Until now the HMAC key was the secret string's UTF-8 bytes, so each existing secret S becomes
 * `whsec_` + base64(S): the same key, in the form the Standard Webhooks verifiers read. Those rows are
 * flagged so `down` can give them back their old form; secrets created after `up` are already
 * strings the old code can sign with, so they stay as they are.
 */
export class StandardWebhookSecrets1764800000000 implements MigrationInterface {
  name = 'StandardWebhookSecrets1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE webhook_subscriptions
        ADD COLUMN previous_secret text,
        ADD COLUMN previous_secret_expires_at timestamptz,
        ADD COLUMN secret_from_legacy boolean NOT NULL DEFAULT false`);
    // Postgres wraps base64 at 76 characters; a secret is one line.
    await q.query(`
      UPDATE webhook_subscriptions
         SET secret = 'whsec_' || translate(encode(convert_to(secret, 'UTF8'), 'base64'), E'\\n', ''),
             secret_from_legacy = true`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE webhook_subscriptions
         SET secret = convert_from(decode(substr(secret, 7), 'base64'), 'UTF8')
       WHERE secret_from_legacy`);
    await q.query(`
      ALTER TABLE webhook_subscriptions
        DROP COLUMN previous_secret,
        DROP COLUMN previous_secret_expires_at,
        DROP COLUMN secret_from_legacy`);
  }
}
