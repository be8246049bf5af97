import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** API keys are stored only as this digest; a leaked table reveals no usable key. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Compares two secrets in constant time (no early exit that would leak a matching prefix). */
export function secretsEqual(given: string, expected: string): boolean {
  // Hashing first makes lengths equal, so the comparison does not leak the expected length either.
  return timingSafeEqual(
    createHash('sha256').update(given).digest(),
    createHash('sha256').update(expected).digest(),
  );
}

/** URL-safe random secret with the given prefix, e.g. `pk_…` for API keys. */
export function generateSecret(prefix = '', bytes = 32): string {
  return `${prefix}${randomBytes(bytes).toString('base64url')}`;
}
