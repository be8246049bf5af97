/**
 * Limits on checking credentials, per client address (guessing, and floods of bad keys that would
 * each cost a lookup). Every auth check reports here: the API-key guard, the admin-token guard and
 * Bull Board's basic auth, so all of them draw on one failed-auth allowance per address. Declared in
 * this library, which the guards live in; @platform/throttling implements it (AuthFailureLimiter)
 * and provides it as CREDENTIAL_ATTEMPTS. Every method that refuses throws a 429 ApiError with
 * Retry-After and the RateLimit headers.
 */
export interface CredentialAttempts {
  /**
   * No credential, or one that cannot be one (an API key of the wrong form): refused with no I/O,
   * so counted in this process only. Throws 429 once the address has used up that count.
   */
  failedWithoutLookup(address: string): void;
  /** A presented credential was wrong: takes one attempt (429 when none is left). */
  failed(address: string): Promise<void>;
  /**
   * A credential checked in memory was right: it passes only while the address has an attempt left
   * (429 otherwise, so that a 200 among 429s confirms no guess), and takes none.
   */
  passed(address: string): Promise<void>;
  /**
   * Looks up a credential that no cache knows: one attempt is reserved before `load` runs (429, and
   * no lookup, when none is left) and given back when `load` finds it. Concurrent lookups of one
   * credential share one reservation and one `load`; `credential` only identifies it while in flight.
   */
  lookup<T>(address: string, credential: string, load: () => Promise<T | undefined>): Promise<T | undefined>;
  /** Whether this process refused a credential from the address lately. */
  hasRecentFailures(address: string): boolean;
}

/** Injection token of the CredentialAttempts implementation. */
export const CREDENTIAL_ATTEMPTS = Symbol.for('platform.credential-attempts');
