import CircuitBreaker from 'opossum';

export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * One named circuit breaker guarding arbitrary async calls. The same breaker protects every call to
 * one dependency (a Redis, a replica, a webhook host), so failures anywhere open it for all.
 */
export class NamedBreaker {
  constructor(
    readonly name: string,
    readonly circuit: CircuitBreaker<[() => Promise<unknown>], unknown>,
  ) {}

  /**
   * Runs `call` through the breaker. While open, it fails at once without calling. With a fallback,
   * any failure (open, timeout, error) returns the fallback's value instead of throwing.
   */
  async execute<T>(call: () => Promise<T>, fallback?: (error: Error) => T | Promise<T>): Promise<T> {
    if (this.circuit.opened) {
      // Fail fast here rather than through fire(): opossum counts a call it rejects while open as a
      // fire, so a long outage fills the rolling window with "fires" that are not failures, and the
      // next outage within that window no longer reaches the error threshold (seen in the fault test).
      const error = Object.assign(new Error(`Breaker is open: ${this.name}`), { code: 'EOPENBREAKER' });
      this.circuit.emit('reject', error);
      if (!fallback) throw error;
      this.circuit.emit('fallback', error);
      return fallback(error);
    }
    try {
      return (await this.circuit.fire(call)) as T;
    } catch (error) {
      if (!fallback) throw error;
      this.circuit.emit('fallback', error);
      return fallback(error as Error);
    }
  }

  get state(): BreakerState {
    if (this.circuit.opened) return 'open';
    if (this.circuit.halfOpen) return 'half-open';
    return 'closed';
  }

  /** True when a call would be attempted (closed, or half-open and allowed to probe). */
  get allowsCalls(): boolean {
    return !this.circuit.opened;
  }
}

/** Errors produced by the breaker itself rather than by the guarded call. */
export function isBreakerOpenError(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === 'EOPENBREAKER';
}

export function isBreakerTimeoutError(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === 'ETIMEDOUT';
}
