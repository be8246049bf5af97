import { complete, env, type Declaration, type Declared } from './declaration';
import { bool, int, optionalInt } from './env-values';

/** The `webhooks` section of configDeclaration. */
export const webhookDeclaration = {
  allowPrivate: env('WEBHOOK_ALLOW_PRIVATE', bool.default(false)),
  /**
   * Plain http:// targets for new subscriptions. A signed payload is still readable on the wire:
   * production wants TLS unless told otherwise (WEBHOOK_ALLOW_HTTP; unset: allowed outside production).
   */
  allowHttp: env('WEBHOOK_ALLOW_HTTP', bool.optional()),
  /** Idle: no byte from the receiver (connect included) for this long fails an attempt. */
  timeoutMs: env('WEBHOOK_TIMEOUT_MS', int(1).default(5_000)),
  /**
   * Overall deadline of one delivery attempt (connect, request, response headers and body), whatever
   * the receiver does; below the job lock. Unset: 10 s, or half the lock when the lock is short,
   * leaving time for the job's own queries.
   */
  deliveryTimeoutMs: env('WEBHOOK_DELIVERY_TIMEOUT_MS', optionalInt(100)),
  /** How long a rotated-out webhook secret keeps signing deliveries beside the new one. */
  secretRotationWindowSeconds: env(
    'WEBHOOK_SECRET_ROTATION_WINDOW_SECONDS',
    int(0)
      .max(30 * 86_400)
      .default(86_400),
  ),
} satisfies Declaration;

export type WebhookSettings = ReturnType<typeof toWebhookSettings>;

const DEFAULT_DELIVERY_TIMEOUT_MS = 10_000;

/**
 * A lost job lock does not abort the running job (BullMQ only reports it), and once the lock lapses
 * another worker may start the same delivery. An attempt that always ends before its lock could lapse
 * cannot overlap its own retry, so a deadline at or past the lock is refused at boot.
 */
export function webhookDeadlineIssue(deadline: unknown, lock: unknown): string | undefined {
  if (typeof deadline !== 'number' || typeof lock !== 'number') return undefined;
  return deadline < lock
    ? undefined
    : `WEBHOOK_DELIVERY_TIMEOUT_MS: must be below QUEUE_STALLED_INTERVAL_MS (${lock} ms, the job lock)`;
}

/** The defaults that depend on NODE_ENV and on the job lock (queue.stalledIntervalMs). */
export function toWebhookSettings(
  w: Declared<typeof webhookDeclaration>,
  context: { isProduction: boolean; stalledIntervalMs: number },
) {
  return complete(w, {
    allowHttp: w.allowHttp ?? !context.isProduction,
    deliveryTimeoutMs:
      w.deliveryTimeoutMs ?? Math.min(DEFAULT_DELIVERY_TIMEOUT_MS, Math.floor(context.stalledIntervalMs / 2)),
  });
}
