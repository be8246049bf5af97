import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deliverWebhook,
  generateWebhookSecret,
  guardedLookup,
  WebhookResponseError,
} from '@platform/webhooks';

describe('webhook delivery over real HTTP', () => {
  let server: Server;
  let url: string;
  let status = 200;
  const received: Array<{ headers: IncomingMessage['headers']; body: string }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.statusCode = status;
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const secret = generateWebhookSecret();
  const headersOf = (got: { headers: IncomingMessage['headers'] }) =>
    Object.fromEntries(Object.entries(got.headers).map(([k, v]) => [k, String(v)]));

  it('sends a Standard Webhooks delivery the reference verifier accepts', async () => {
    const delivery = {
      url,
      secrets: [secret],
      event: 'recommendations.updated',
      payload: { userId: 'u1' },
      deliveryId: 'd-1',
      occurredAt: '2026-12-01T10:00:00.000Z',
    };
    expect(await deliverWebhook(delivery, { timeoutMs: 2_000, deadlineMs: 5_000, allowPrivate: true })).toBe(
      200,
    );
    const got = received.at(-1)!;
    expect(got.headers['webhook-id']).toBe('d-1');
    expect(got.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(JSON.parse(got.body)).toEqual({
      type: 'recommendations.updated',
      timestamp: '2026-12-01T10:00:00.000Z',
      data: { userId: 'u1' },
      id: 'd-1',
      event: 'recommendations.updated',
    });
    expect(new Webhook(secret).verify(got.body, headersOf(got))).toMatchObject({ data: { userId: 'u1' } });
    expect(() => new Webhook(generateWebhookSecret()).verify(got.body, headersOf(got))).toThrow(
      /No matching signature/,
    );
  });

  it('rejects non-2xx answers so the job retries', async () => {
    status = 500;
    await expect(
      deliverWebhook(
        { url, secrets: [secret], event: 'e', payload: {}, deliveryId: 'd-2' },
        { timeoutMs: 2_000, deadlineMs: 5_000, allowPrivate: true },
      ),
    ).rejects.toBeInstanceOf(WebhookResponseError);
    status = 200;
  });

  it('refuses loopback targets unless private targets are allowed, at the URL and at DNS', async () => {
    await expect(
      deliverWebhook(
        { url, secrets: [secret], event: 'e', payload: {}, deliveryId: 'd-3' },
        { timeoutMs: 2_000, deadlineMs: 5_000, allowPrivate: false },
      ),
    ).rejects.toThrow(/private/);
    const error = await new Promise<Error | null>((resolve) =>
      guardedLookup(false)('localhost', {}, (err) => resolve(err)),
    );
    expect(error?.message).toMatch(/private/);
  });
});
