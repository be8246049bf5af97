import { request as httpRequest, type IncomingMessage } from 'node:http';
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

/** Only the status matters; past this much body the connection is dropped rather than drained. */
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024;
/** The part of an error answer's body kept in the error (job failure reason, logs). */
const EXCERPT_CHARS = 256;

export interface DeliveryOptions {
  /** No byte from the receiver (connect included) for this long fails the attempt. */
  timeoutMs: number;
  /**
   * The whole attempt (connect, request, response headers and body) ends by then, whatever the
   * receiver does: a receiver trickling bytes never trips the idle timeout, so this bound is the one
   * that frees the socket.
   */
  deadlineMs: number;
  /** Response body bytes read at most (default DEFAULT_MAX_RESPONSE_BYTES). */
  maxResponseBytes?: number;
  allowPrivate: boolean;
  /** The job's signal: its timeout, cancellation or a worker shutdown abort the request in flight. */
  signal?: AbortSignal;
}

export class WebhookResponseError extends Error {
  override name = 'WebhookResponseError';
  constructor(
    readonly status: number,
    /** The start of the receiver's answer, control characters removed. */
    readonly excerpt = '',
  ) {
    super(`receiver answered ${status}${excerpt ? `: ${excerpt}` : ''}`);
  }
}

export class WebhookDeadlineError extends Error {
  override name = 'WebhookDeadlineError';
  constructor(readonly deadlineMs: number) {
    super(`no complete answer within ${deadlineMs} ms`);
  }
}

/**
 * POSTs one signed delivery; resolves with the status on 2xx, rejects otherwise (the job retries).
 * It settles only once the answer is complete (or capped), so it never leaves a socket behind.
 */
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
  const deadline = AbortSignal.timeout(options.deadlineMs);
  // Node's request aborts on the signal at any stage (DNS, connect, headers, body) and destroys the socket.
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    // Whichever stage failed, the reason reported is the one that ended the attempt.
    const fail = (error: Error) => {
      if (deadline.aborted) reject(new WebhookDeadlineError(options.deadlineMs));
      else if (signal.aborted) reject(signal.reason as Error);
      else reject(error);
    };
    const req = send(
      url,
      {
        method: 'POST',
        lookup: guardedLookup(options.allowPrivate),
        timeout: options.timeoutMs,
        signal,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'platform-webhooks/1',
          [WEBHOOK_HEADERS.id]: delivery.deliveryId,
          [WEBHOOK_HEADERS.timestamp]: String(timestamp),
          [WEBHOOK_HEADERS.signature]: signWebhook(delivery.secrets, delivery.deliveryId, timestamp, body),
        },
      },
      (res) =>
        readCapped(
          res,
          maxBytes,
          (excerpt, capped) => {
            // A capped body is cut off here: draining it would keep the socket for as long as the
            // receiver cares to send.
            if (capped) req.destroy();
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve(status);
            else reject(new WebhookResponseError(status, excerpt));
          },
          fail,
        ),
    );
    req.on('timeout', () => req.destroy(new Error(`no bytes from the receiver for ${options.timeoutMs} ms`)));
    req.on('error', fail);
    req.end(body);
  });
}

/** Reads the body until it ends or passes `maxBytes`, keeping its first characters for errors. */
function readCapped(
  res: IncomingMessage,
  maxBytes: number,
  done: (excerpt: string, capped: boolean) => void,
  fail: (error: Error) => void,
): void {
  const head: Buffer[] = [];
  let headBytes = 0;
  let read = 0;
  const excerpt = () =>
    Buffer.concat(head)
      .toString('utf8')
      .replace(/[\u0000-\u001f\u007f]+/g, ' ')
      .trim()
      .slice(0, EXCERPT_CHARS);
  res.on('data', (chunk: Buffer) => {
    read += chunk.length;
    if (headBytes < EXCERPT_CHARS) {
      head.push(chunk.subarray(0, EXCERPT_CHARS - headBytes));
      headBytes += Math.min(chunk.length, EXCERPT_CHARS - headBytes);
    }
    if (read >= maxBytes) {
      res.removeAllListeners('data');
      res.pause();
      done(excerpt(), true);
    }
  });
  res.on('end', () => done(excerpt(), false));
  // A connection torn mid-body (receiver gone, deadline, caller's signal).
  res.on('error', fail);
}
