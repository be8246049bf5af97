import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, undoMigrationsThrough, type TestDatabase } from '../../../test/support/libs';

/**
 * Subscriptions made before Standard Webhooks keep working: the migration turns each old secret into
 * the `whsec_` form of the same HMAC key, and its `down` gives the old form back.
 */
describe('migration to Standard Webhooks secrets', () => {
  let db: TestDatabase;
  const legacySecret = 'an old secret, chosen by a user ✓';
  const secretOf = async (id: string): Promise<string> =>
    (await db.dataSource.query(`SELECT secret FROM webhook_subscriptions WHERE id = $1`, [id]))[0].secret;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  it('keeps the HMAC key of existing secrets, and reverts', async () => {
    await undoMigrationsThrough(db.dataSource, 'StandardWebhookSecrets1764800000000');

    // A key as the schema of that time held it (no tenants yet).
    const [{ id: apiKeyId }] = await db.dataSource.query(
      `INSERT INTO api_keys (name, key_hash, key_prefix, tier) VALUES ('legacy', repeat('0', 64), 'pk_0', 'free')
       RETURNING id`,
    );
    const [{ id }] = await db.dataSource.query(
      `INSERT INTO webhook_subscriptions (api_key_id, url, events, secret)
       VALUES ($1, 'https://hooks.example.com', '{recommendations.updated}', $2) RETURNING id`,
      [apiKeyId, legacySecret],
    );
    await db.dataSource.runMigrations();

    const converted = await secretOf(id);
    expect(converted).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    // The reference verifier, given the converted secret, signs with the key the old code used.
    const body = '{"a":1}';
    const oldKeyMac = createHmac('sha256', legacySecret).update(`msg_1.1700000000.${body}`).digest('base64');
    expect(new Webhook(converted).sign('msg_1', new Date(1_700_000_000_000), body)).toBe(`v1,${oldKeyMac}`);

    // A secret set after the migration is left alone by `down`; the converted one returns to its old form.
    const [{ id: fresh }] = await db.dataSource.query(
      `INSERT INTO webhook_subscriptions (tenant_id, api_key_id, url, events, secret)
       SELECT tenant_id, id, 'https://hooks.example.com', '{recommendations.updated}', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
         FROM api_keys WHERE id = $1
       RETURNING id`,
      [apiKeyId],
    );
    await undoMigrationsThrough(db.dataSource, 'StandardWebhookSecrets1764800000000');
    expect(await secretOf(id)).toBe(legacySecret);
    expect(await secretOf(fresh)).toBe('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    await db.dataSource.runMigrations();
    expect(await secretOf(id)).toBe(converted);
  });
});
