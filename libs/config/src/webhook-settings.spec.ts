import { describe, expect, it } from 'vitest';
import { loadConfig } from './app-config';

describe('webhook delivery deadline', () => {
  it('is 10 s by default, and half the job lock when that is shorter', () => {
    expect(loadConfig({}).webhooks.deliveryTimeoutMs).toBe(10_000);
    expect(loadConfig({ QUEUE_STALLED_INTERVAL_MS: '8000' }).webhooks.deliveryTimeoutMs).toBe(4_000);
    expect(loadConfig({ WEBHOOK_DELIVERY_TIMEOUT_MS: '2500' }).webhooks.deliveryTimeoutMs).toBe(2_500);
  });

  // Lock loss does not abort a running job: past its lock another worker may start the same
  // delivery, so an attempt must be over before its lock can lapse.
  it('refuses to boot when an attempt could outlive its job lock', () => {
    expect(() => loadConfig({ WEBHOOK_DELIVERY_TIMEOUT_MS: '30000' })).toThrow(
      /WEBHOOK_DELIVERY_TIMEOUT_MS.*QUEUE_STALLED_INTERVAL_MS/,
    );
    expect(() =>
      loadConfig({ WEBHOOK_DELIVERY_TIMEOUT_MS: '5000', QUEUE_STALLED_INTERVAL_MS: '4000' }),
    ).toThrow(/WEBHOOK_DELIVERY_TIMEOUT_MS/);
    expect(() =>
      loadConfig({ WEBHOOK_DELIVERY_TIMEOUT_MS: '5000', QUEUE_STALLED_INTERVAL_MS: '60000' }),
    ).not.toThrow();
  });
});

describe('plain http webhook targets', () => {
  it('are refused in production unless WEBHOOK_ALLOW_HTTP=true, and allowed elsewhere unless turned off', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).webhooks.allowHttp).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', WEBHOOK_ALLOW_HTTP: 'true' }).webhooks.allowHttp).toBe(true);
    expect(loadConfig({ NODE_ENV: 'development' }).webhooks.allowHttp).toBe(true);
    expect(loadConfig({ NODE_ENV: 'test', WEBHOOK_ALLOW_HTTP: 'false' }).webhooks.allowHttp).toBe(false);
  });
});
