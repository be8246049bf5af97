import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deliverWebhook,
  guardedLookup,
  SIGNATURE_HEADER,
  verifyWebhook,
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

  it('sends a body the receiver can verify with the shared secret', async () => {
    const delivery = {
      url,
      secret: 'whsec_test',
      event: 'recommendations.updated',
      payload: { userId: 'u1' },
      deliveryId: 'd-1',
    };
    expect(await deliverWebhook(delivery, { timeoutMs: 2_000, allowPrivate: true })).toBe(200);
    const got = received.at(-1)!;
    expect(JSON.parse(got.body)).toEqual({
      id: 'd-1',
      event: 'recommendations.updated',
      data: { userId: 'u1' },
    });
    expect(verifyWebhook('whsec_test', got.body, String(got.headers[SIGNATURE_HEADER]))).toBe(true);
    expect(verifyWebhook('wrong', got.body, String(got.headers[SIGNATURE_HEADER]))).toBe(false);
  });

  it('rejects non-2xx answers so the job retries', async () => {
    status = 500;
    await expect(
      deliverWebhook({ url, secret: 's', event: 'e', payload: {} }, { timeoutMs: 2_000, allowPrivate: true }),
    ).rejects.toBeInstanceOf(WebhookResponseError);
    status = 200;
  });

  it('refuses loopback targets unless private targets are allowed, at the URL and at DNS', async () => {
    await expect(
      deliverWebhook(
        { url, secret: 's', event: 'e', payload: {} },
        { timeoutMs: 2_000, allowPrivate: false },
      ),
    ).rejects.toThrow(/private/);
    const error = await new Promise<Error | null>((resolve) =>
      guardedLookup(false)('localhost', {}, (err) => resolve(err)),
    );
    expect(error?.message).toMatch(/private/);
  });
});
