import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { signWebhook, WEBHOOK_HEADERS } from './signature';
import { checkWebhookUrl, guardedLookup } from './target-guard';

export interface WebhookDelivery {
  url: string;
  /** `whsec_` secrets to sign with: the current one, then any rotated-out one still honoured. */
  secrets: readonly string[];
  event: string;
  payload: unknown;
  /** `webhook-id`: stable across retries so receivers can de-duplicate. */
  deliveryId: string;
  /** When the event happened (the payload's `timestamp`); the same on every retry. */
  occurredAt?: string;
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
  // https is required when a subscription is created; one made before that rule still delivers.
  const url = checkWebhookUrl(delivery.url, { allowPrivate: options.allowPrivate, allowHttp: true });
  // The signed timestamp is this attempt's (receivers refuse old ones); the payload's is the event's.
  const timestamp = Math.floor(Date.now() / 1000);
  // Standard Webhooks payload (type, timestamp, data); `id` and `event` stay for existing receivers.
  const body = JSON.stringify({
    type: delivery.event,
    timestamp: delivery.occurredAt ?? new Date(timestamp * 1000).toISOString(),
    data: delivery.payload,
    id: delivery.deliveryId,
    event: delivery.event,
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
          [WEBHOOK_HEADERS.id]: delivery.deliveryId,
          [WEBHOOK_HEADERS.timestamp]: String(timestamp),
          [WEBHOOK_HEADERS.signature]: signWebhook(delivery.secrets, delivery.deliveryId, timestamp, body),
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
