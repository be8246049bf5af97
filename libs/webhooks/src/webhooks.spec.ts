import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook } from './signature';
import { checkWebhookUrl, isPrivateAddress } from './target-guard';

describe('webhook signatures', () => {
  it('verify with the right secret and body only, within the tolerance', () => {
    const header = signWebhook('s3cret', '{"a":1}', 1_000_000);
    expect(verifyWebhook('s3cret', '{"a":1}', header, 1_000_010)).toBe(true);
    expect(verifyWebhook('other', '{"a":1}', header, 1_000_010)).toBe(false);
    expect(verifyWebhook('s3cret', '{"a":2}', header, 1_000_010)).toBe(false);
    expect(verifyWebhook('s3cret', '{"a":1}', header, 1_000_000 + 301)).toBe(false);
    expect(verifyWebhook('s3cret', '{"a":1}', 'garbage', 1_000_000)).toBe(false);
  });
});

describe('webhook targets', () => {
  it('recognises private, loopback and link-local addresses', () => {
    for (const a of [
      '10.1.2.3',
      '127.0.0.1',
      '169.254.169.254',
      '172.20.0.1',
      '192.168.1.1',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:10.0.0.1',
      '0.0.0.0',
      '100.64.0.1',
    ]) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700::1111', '172.32.0.1'])
      expect(isPrivateAddress(a), a).toBe(false);
  });

  it('refuses bad schemes, credentials and literal private hosts unless allowed', () => {
    expect(() => checkWebhookUrl('ftp://example.com', false)).toThrow(/http/);
    expect(() => checkWebhookUrl('https://user:pw@example.com', false)).toThrow(/credentials/);
    expect(() => checkWebhookUrl('http://127.0.0.1:8080/hook', false)).toThrow(/private/);
    expect(() => checkWebhookUrl('http://[::1]/hook', false)).toThrow(/private/);
    expect(() => checkWebhookUrl('http://localhost/hook', false)).toThrow(/private/);
    expect(() => checkWebhookUrl('not a url', false)).toThrow(/valid/);
    expect(checkWebhookUrl('http://127.0.0.1:8080/hook', true).port).toBe('8080');
    expect(checkWebhookUrl('https://hooks.example.com/x', false).hostname).toBe('hooks.example.com');
  });
});
