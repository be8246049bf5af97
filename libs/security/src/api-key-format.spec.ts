import { describe, expect, it } from 'vitest';
import { generateApiKey, isWellFormedApiKey } from './api-key-format';

describe('API key format', () => {
  it('every generated key is well formed', () => {
    for (let i = 0; i < 1_000; i += 1) expect(isWellFormedApiKey(generateApiKey())).toBe(true);
  });

  const sample = generateApiKey();
  it.each([
    ['no prefix', sample.slice(3)],
    ['another prefix', `sk_${sample.slice(3)}`],
    ['upper-case prefix', `PK_${sample.slice(3)}`],
    ['one character short', sample.slice(0, -1)],
    ['one character long', `${sample}A`],
    ['outside base64url', `${sample.slice(0, -1)}+`],
    ['padding', `${sample.slice(0, -1)}=`],
    ['whitespace', `${sample.slice(0, -1)} `],
    ['empty', ''],
    ['prefix only', 'pk_'],
  ])('refuses %s', (_, key) => {
    expect(isWellFormedApiKey(key)).toBe(false);
  });
});
