/**
 * How many tokens to ask for in the next lease: what this process spent per ms since its last
 * request, times the lease's life, so a lease lasts about its TTL and little is left to expire unspent.
 * Never less than what is waiting now, never more than `maxTokens` (unless a single request costs more).
 */
export function leaseWant(input: {
  spentSinceLast: number;
  msSinceLast: number;
  ttlMs: number;
  maxTokens: number;
  waiting: number;
}): number {
  const { spentSinceLast, msSinceLast, ttlMs, maxTokens, waiting } = input;
  const rate = msSinceLast > 0 ? spentSinceLast / msSinceLast : 0;
  const forecast = Math.ceil(rate * ttlMs);
  return Math.max(waiting, Math.min(maxTokens, forecast));
}
