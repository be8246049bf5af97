import { generateSecret } from './secrets';

/**
 * What an API key looks like: `pk_` and 32 random bytes in base64url (43 characters, no padding).
 * Every key ever issued has this form, so a presented key that does not cannot match one and is
 * refused without looking anything up.
 */
const API_KEY_PREFIX = 'pk_';
const API_KEY_BYTES = 32;
const API_KEY_FORMAT = new RegExp(`^${API_KEY_PREFIX}[A-Za-z0-9_-]{${Math.ceil((API_KEY_BYTES * 4) / 3)}}$`);

/** A new API key secret. */
export function generateApiKey(): string {
  return generateSecret(API_KEY_PREFIX, API_KEY_BYTES);
}

/** Whether `presented` could be an API key (its form only; whether it is one takes a lookup). */
export function isWellFormedApiKey(presented: string): boolean {
  return API_KEY_FORMAT.test(presented);
}
