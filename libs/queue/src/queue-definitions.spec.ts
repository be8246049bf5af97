import { describe, expect, it } from 'vitest';
import { ConfigValidationError, loadConfig } from '@platform/config';
import { BULLMQ_PRIORITY, PRIORITY_CLASSES } from './priorities';
import { QUEUE_NAMES, queueSettings } from './queue-definitions';

describe('queue record', () => {
  it('declares every queue with presets applied', () => {
    const settings = queueSettings(loadConfig({ SCALE_PROFILE: 'medium', QUEUE_JOB_TIMEOUT_MS: '45000' }));
    expect(Object.keys(settings).sort()).toEqual([...QUEUE_NAMES].sort());
    for (const s of Object.values(settings)) {
      expect(s.concurrency).toBe(20);
      expect(s.timeoutMs).toBe(45_000);
      expect(s.backoff).toMatchObject({ type: 'exponential', jitter: expect.any(Number) });
      expect(s.lowWaterMark).toBeLessThan(s.highWaterMark);
    }
  });

  it('applies QUEUE_OVERRIDES per queue and refuses unknown queues or inverted marks', () => {
    const config = loadConfig({ QUEUE_OVERRIDES: '{"jobs":{"highWaterMark":100,"concurrency":3}}' });
    const settings = queueSettings(config);
    expect(settings.jobs).toMatchObject({ highWaterMark: 100, lowWaterMark: 50, concurrency: 3 });
    expect(settings.webhooks.highWaterMark).not.toBe(100);
    expect(() => queueSettings(loadConfig({ QUEUE_OVERRIDES: '{"nope":{}}' }))).toThrow(
      /unknown queue "nope"/,
    );
    expect(() =>
      queueSettings(loadConfig({ QUEUE_OVERRIDES: '{"jobs":{"highWaterMark":10,"lowWaterMark":10}}' })),
    ).toThrow(/lowWaterMark/);
    expect(() => loadConfig({ QUEUE_OVERRIDES: '{"jobs":{"concurrency":0}}' })).toThrow(
      ConfigValidationError,
    );
    expect(() => loadConfig({ QUEUE_OVERRIDES: 'not json' })).toThrow(/QUEUE_OVERRIDES/);
  });

  it('maps every priority class to an explicit BullMQ priority, never 0, critical first', () => {
    const values = PRIORITY_CLASSES.map((c) => BULLMQ_PRIORITY[c]);
    expect(values.every((v) => v >= 1 && v <= 2_097_151)).toBe(true);
    expect([...values].sort((a, b) => a - b)).toEqual(values); // critical < high < normal < low
  });
});
