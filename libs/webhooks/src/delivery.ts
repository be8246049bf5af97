import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { randomUUID } from 'node:crypto';
import { SIGNATURE_HEADER, signWebhook } from './signature';
import { checkWebhookUrl, guardedLookup } from './target-guard';

export interface WebhookDelivery {
  url: string;
  secret: string;
  event: string;
  payload: unknown;
  /** Stable across retries so receivers can de-duplicate. */
  deliveryId?: string;
}

export interface DeliveryOptions {
  timeoutMs: number;
  allowPrivate: boolean;
  signal?: AbortSignal;
}

export class WebhookResponseError extends Error {
  override name = 'WebhookResponseError';
  constructor(readonly status: number) {
    super(`receiver answered ${status}`);
  }
}

/** POSTs one signed delivery; resolves with the status on 2xx, rejects otherwise (the job retries). */
export async function deliverWebhook(delivery: WebhookDelivery, options: DeliveryOptions): Promise<number> {
  const url = checkWebhookUrl(delivery.url, options.allowPrivate);
  const timestamp = Math.floor(Date.now() / 1000);
  const body = JSON.stringify({
    id: delivery.deliveryId ?? randomUUID(),
    event: delivery.event,
    data: delivery.payload,
  });
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'POST',
        lookup: guardedLookup(options.allowPrivate),
        timeout: options.timeoutMs,
        signal: options.signal,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'platform-webhooks/1',
          'webhook-id': delivery.deliveryId ?? '',
          'webhook-timestamp': String(timestamp),
          [SIGNATURE_HEADER]: signWebhook(delivery.secret, body, timestamp),
        },
      },
      (res) => {
        res.resume(); // the body is not needed; drain it so the socket is freed
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve(status);
        else reject(new WebhookResponseError(status));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
