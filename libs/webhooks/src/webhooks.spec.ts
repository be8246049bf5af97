import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import {
  generateWebhookSecret,
  isWebhookSecret,
  signWebhook,
  verifyWebhook,
  webhookSecretKey,
} from './signature';
import { checkWebhookUrl, isPrivateAddress } from './target-guard';

describe('Standard Webhooks signatures', () => {
  // The example in the Standard Webhooks specification and the Svix documentation.
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
  const body = '{"test": 2432232314}';
  const timestamp = 1614265330;

  it('matches the specification example', () => {
    expect(signWebhook([secret], id, timestamp, body)).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('signs once per secret, and each secret verifies alone', () => {
    const next = generateWebhookSecret();
    const header = signWebhook([next, secret], id, timestamp, body);
    expect(header.split(' ')).toHaveLength(2);
    const headers = { id, timestamp: String(timestamp), signature: header };
    expect(verifyWebhook(secret, headers, body, timestamp + 10)).toBe(true);
    expect(verifyWebhook(next, headers, body, timestamp + 10)).toBe(true);
    expect(verifyWebhook(generateWebhookSecret(), headers, body, timestamp + 10)).toBe(false);
    expect(verifyWebhook(secret, headers, body.replace('2', '3'), timestamp + 10)).toBe(false);
    expect(verifyWebhook(secret, { ...headers, id: 'msg_other' }, body, timestamp + 10)).toBe(false);
    expect(verifyWebhook(secret, headers, body, timestamp + 301)).toBe(false);
    expect(verifyWebhook(secret, { ...headers, signature: 'garbage' }, body, timestamp)).toBe(false);
  });

  it('agrees with the standardwebhooks reference library', () => {
    const fresh = generateWebhookSecret();
    const reference = new Webhook(fresh).sign(id, new Date(timestamp * 1000), body);
    expect(signWebhook([fresh], id, timestamp, body)).toBe(reference);
  });

  it('accepts only whsec_ secrets holding a 24 to 64 byte key', () => {
    const generated = generateWebhookSecret();
    expect(generated).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(webhookSecretKey(generated)).toHaveLength(32);
    expect(isWebhookSecret(secret)).toBe(true);
    for (const bad of [
      'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'whsec_',
      'whsec_c2hvcnQ=',
      `whsec_${Buffer.alloc(65).toString('base64')}`,
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS-',
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw!',
    ]) {
      expect(isWebhookSecret(bad), bad).toBe(false);
    }
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
    expect(() => checkWebhookUrl('ftp://example.com', { allowPrivate: false, allowHttp: true })).toThrow(
      /http/,
    );
    expect(() =>
      checkWebhookUrl('https://user:pw@example.com', { allowPrivate: false, allowHttp: true }),
    ).toThrow(/credentials/);
    expect(() =>
      checkWebhookUrl('http://127.0.0.1:8080/hook', { allowPrivate: false, allowHttp: true }),
    ).toThrow(/private/);
    expect(() => checkWebhookUrl('http://[::1]/hook', { allowPrivate: false, allowHttp: true })).toThrow(
      /private/,
    );
    expect(() => checkWebhookUrl('http://localhost/hook', { allowPrivate: false, allowHttp: true })).toThrow(
      /private/,
    );
    expect(() => checkWebhookUrl('not a url', { allowPrivate: false, allowHttp: true })).toThrow(/valid/);
    expect(checkWebhookUrl('http://127.0.0.1:8080/hook', { allowPrivate: true, allowHttp: true }).port).toBe(
      '8080',
    );
    expect(
      checkWebhookUrl('https://hooks.example.com/x', { allowPrivate: false, allowHttp: true }).hostname,
    ).toBe('hooks.example.com');
  });
});
