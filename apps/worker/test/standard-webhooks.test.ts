import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { issueApiKey } from '@platform/database';
import {
  createTestDatabase,
  spawnApp,
  testEnv,
  waitFor,
  type SpawnedApp,
  type TestDatabase,
} from '../../../test/support';

interface Attempt {
  headers: Record<string, string>;
  body: string;
  answered: number;
}

const ROTATION_WINDOW_SECONDS = 3;

/**
 * Real deliveries from the real worker to a local receiver, checked with the `standardwebhooks`
 * package (the reference verifier, written by the Standard Webhooks authors, not by this project).
 */
describe('Standard Webhooks deliveries', () => {
  let db: TestDatabase;
  let api: SpawnedApp;
  let worker: SpawnedApp;
  let receiver: Server;
  let receiverUrl: string;
  const attempts: Attempt[] = [];
  /** Users whose deliveries the receiver refuses this many more times before answering 200. */
  const failuresLeft = new Map<string, number>();
  let key: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    receiver = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const userId = (JSON.parse(body) as { data: { userId: string } }).data.userId;
        const left = failuresLeft.get(userId) ?? 0;
        failuresLeft.set(userId, left - 1);
        const answered = left > 0 ? 500 : 200;
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
        attempts.push({ headers, body, answered });
        res.statusCode = answered;
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const address = receiver.address();
    receiverUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hooks`;
    const env = testEnv({
      DATABASE_URL: db.url,
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_SECRET_ROTATION_WINDOW_SECONDS: String(ROTATION_WINDOW_SECONDS),
      QUEUE_OVERRIDES: JSON.stringify({ webhooks: { backoffDelayMs: 100, attempts: 10 } }),
    });
    [api, worker] = await Promise.all([spawnApp('api', env), spawnApp('worker', env)]);
    key = (await issueApiKey(db.dataSource, 'std-webhooks', 'pro')).key;
  }, 120_000);

  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
    await db?.drop();
  });

  function call(method: string, path: string, body?: unknown, apiKey = key) {
    return fetch(`${api.baseUrl}${path}`, {
      method,
      headers: { 'x-api-key': apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  async function subscribe(secret?: string): Promise<{ id: string; secret: string }> {
    const res = await call('POST', '/v1/webhooks', {
      url: receiverUrl,
      events: ['recommendations.updated'],
      ...(secret ? { secret } : {}),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string; secret: string };
  }

  /** Posts an event for a new user and waits for the successful delivery of its recommendations. */
  async function deliveredFor(userId: string): Promise<Attempt> {
    expect((await call('POST', '/v1/events', { userId, type: 'purchase', category: 'books' })).status).toBe(
      202,
    );
    return waitFor(
      async () => attempts.find((a) => a.answered === 200 && a.body.includes(`"userId":"${userId}"`)),
      `delivery for ${userId}`,
      20_000,
    );
  }

  const verify = (secret: string, attempt: Attempt, body = attempt.body) =>
    new Webhook(secret).verify(body, attempt.headers);

  it('signs each attempt so the reference verifier accepts it, with one webhook-id across retries', async () => {
    const { id, secret } = await subscribe();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    failuresLeft.set('ann', 2);

    const delivered = await deliveredFor('ann');
    const tries = attempts.filter((a) => a.body.includes('"userId":"ann"'));
    expect(tries.map((a) => a.answered)).toEqual([500, 500, 200]);
    expect(new Set(tries.map((a) => a.headers['webhook-id'])).size).toBe(1);
    for (const attempt of tries) expect(() => verify(secret, attempt)).not.toThrow();

    expect(verify(secret, delivered)).toMatchObject({
      type: 'recommendations.updated',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      data: { userId: 'ann', recommendations: { recommended_categories: ['books'] } },
    });
    expect(delivered.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+={0,2}$/);
    await call('DELETE', `/v1/webhooks/${id}`);
  });

  it('is refused by the verifier when the body is tampered with or the timestamp is stale', async () => {
    const { id, secret } = await subscribe();
    const delivered = await deliveredFor('bea');
    expect(() => verify(secret, delivered)).not.toThrow();

    const tampered = delivered.body.replace('"books"', '"boots"');
    expect(tampered).not.toBe(delivered.body);
    expect(() => verify(secret, delivered, tampered)).toThrow(WebhookVerificationError);
    expect(() =>
      verify(secret, { ...delivered, headers: { ...delivered.headers, 'webhook-id': 'msg_other' } }),
    ).toThrow(WebhookVerificationError);

    // The same delivery replayed six minutes later: past the verifier's five-minute tolerance.
    const sent = Number(delivered.headers['webhook-timestamp']) * 1000;
    const clock = vi.spyOn(Date, 'now').mockReturnValue(sent + 6 * 60_000);
    try {
      expect(() => verify(secret, delivered)).toThrow(/too old/);
    } finally {
      clock.mockRestore();
    }
    await call('DELETE', `/v1/webhooks/${id}`);
  });

  it('signs with a given whsec_ secret', async () => {
    const given = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const { id, secret } = await subscribe(given);
    expect(secret).toBe(given);
    const delivered = await deliveredFor('cid');
    expect(() => verify(given, delivered)).not.toThrow();
    await call('DELETE', `/v1/webhooks/${id}`);
  });

  it('signs with both secrets during a rotation, and only with the new one after the window', async () => {
    const { id, secret: oldSecret } = await subscribe();
    const rotated = await call('POST', `/v1/webhooks/${id}/rotate-secret`);
    expect(rotated.status, await rotated.clone().text()).toBe(200);
    const { secret: newSecret, previousSecretExpiresAt } = (await rotated.json()) as {
      secret: string;
      previousSecretExpiresAt: string;
    };
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(oldSecret);

    const during = await deliveredFor('dan');
    expect(during.headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => verify(oldSecret, during)).not.toThrow();
    expect(() => verify(newSecret, during)).not.toThrow();

    await new Promise((r) => setTimeout(r, Date.parse(previousSecretExpiresAt) - Date.now() + 200));
    const after = await deliveredFor('eve');
    expect(after.headers['webhook-signature'].split(' ')).toHaveLength(1);
    expect(() => verify(newSecret, after)).not.toThrow();
    expect(() => verify(oldSecret, after)).toThrow(/No matching signature/);
    await call('DELETE', `/v1/webhooks/${id}`);
  });

  it('refuses bad rotations with the error envelope and changes nothing', async () => {
    const { id } = await subscribe();
    const other = (await issueApiKey(db.dataSource, 'other', 'pro')).key;
    const secretsBefore = await db.dataSource.query(
      'SELECT id, secret, previous_secret FROM webhook_subscriptions ORDER BY id',
    );
    const cases: Array<[string, unknown, string | undefined, number]> = [
      [`/v1/webhooks/${id}/rotate-secret`, { secret: 'not-a-secret' }, undefined, 400],
      [`/v1/webhooks/${id}/rotate-secret`, { secret: 'whsec_c2hvcnQ=' }, undefined, 400],
      [`/v1/webhooks/${id}/rotate-secret`, { extra: 1 }, undefined, 400],
      ['/v1/webhooks/not-a-uuid/rotate-secret', undefined, undefined, 400],
      ['/v1/webhooks/00000000-0000-4000-8000-000000000000/rotate-secret', undefined, undefined, 404],
      [`/v1/webhooks/${id}/rotate-secret`, undefined, other, 404],
    ];
    for (const [path, body, apiKey, status] of cases) {
      const res = await call('POST', path, body, apiKey);
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(status);
      expect(((await res.json()) as { error: string }).error).toMatch(
        /^(validation_failed|webhook_not_found)$/,
      );
    }
    expect(
      await db.dataSource.query('SELECT id, secret, previous_secret FROM webhook_subscriptions ORDER BY id'),
    ).toEqual(secretsBefore);
    await call('DELETE', `/v1/webhooks/${id}`);
  });
});
