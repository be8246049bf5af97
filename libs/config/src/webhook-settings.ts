import type { RawEnv } from './env.schema';

export type WebhookSettings = ReturnType<typeof toWebhookSettings>;

const DEFAULT_DELIVERY_TIMEOUT_MS = 10_000;

/**
 * A lost job lock does not abort the running job (BullMQ only reports it), and once the lock lapses
 * another worker may start the same delivery. An attempt that always ends before its lock could lapse
 * cannot overlap its own retry, so a deadline at or past the lock is refused at boot.
 */
export function webhookDeadlineIssue(env: Record<string, string | undefined>): string | undefined {
  const deadline = Number(env.WEBHOOK_DELIVERY_TIMEOUT_MS);
  const lock = Number(env.QUEUE_STALLED_INTERVAL_MS ?? 30_000);
  if (env.WEBHOOK_DELIVERY_TIMEOUT_MS === undefined || !Number.isFinite(deadline) || !Number.isFinite(lock))
    return undefined;
  return deadline < lock
    ? undefined
    : `WEBHOOK_DELIVERY_TIMEOUT_MS: must be below QUEUE_STALLED_INTERVAL_MS (${lock} ms, the job lock)`;
}

export function toWebhookSettings(e: RawEnv) {
  return {
    allowPrivate: e.WEBHOOK_ALLOW_PRIVATE,
    /**
     * Plain http:// targets for new subscriptions. A signed payload is still readable on the wire:
     * production wants TLS unless told otherwise.
     */
    allowHttp: e.WEBHOOK_ALLOW_HTTP ?? e.NODE_ENV !== 'production',
    /** Idle: no byte from the receiver for this long. */
    timeoutMs: e.WEBHOOK_TIMEOUT_MS,
    /**
     * Overall deadline of one delivery attempt; below the job lock. Unset: 10 s, or half the lock when
     * the lock is short, leaving time for the job's own queries.
     */
    deliveryTimeoutMs:
      e.WEBHOOK_DELIVERY_TIMEOUT_MS ??
      Math.min(DEFAULT_DELIVERY_TIMEOUT_MS, Math.floor(e.QUEUE_STALLED_INTERVAL_MS / 2)),
    secretRotationWindowSeconds: e.WEBHOOK_SECRET_ROTATION_WINDOW_SECONDS,
  };
}
