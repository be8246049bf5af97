import { describe, expect, it } from 'vitest';
import { ConfigValidationError, loadConfig } from '@platform/config';
import { BULLMQ_PRIORITY, PRIORITY_CLASSES } from './priorities';
import { baseJobOptions } from './producer/job-options';
import { QUEUE_NAMES, queueSettings } from './queue-definitions';
import { retainedBytesWorstCase } from './retention-budget';

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

  it('applies QUEUE_OVERRIDES per queue; unknown queues fail the config, inverted marks the record', () => {
    const config = loadConfig({ QUEUE_OVERRIDES: '{"jobs":{"highWaterMark":100,"concurrency":3}}' });
    const settings = queueSettings(config);
    expect(settings.jobs).toMatchObject({ highWaterMark: 100, lowWaterMark: 50, concurrency: 3 });
    expect(settings.webhooks.highWaterMark).not.toBe(100);
    expect(() => loadConfig({ QUEUE_OVERRIDES: '{"nope":{}}' })).toThrow(ConfigValidationError);
    expect(() => loadConfig({ QUEUE_OVERRIDES: '{"nope":{}}' })).toThrow(/unknown queue "nope"/);
    // Inverted marks, or a low mark alone, fail the config at boot, with the other variables.
    expect(() => loadConfig({ QUEUE_OVERRIDES: '{"jobs":{"highWaterMark":10,"lowWaterMark":10}}' })).toThrow(
      /QUEUE_OVERRIDES: .*lowWaterMark needs a highWaterMark above it[^\n]*jobs\.lowWaterMark/,
    );
    expect(() => loadConfig({ QUEUE_OVERRIDES: '{"jobs":{"lowWaterMark":10}}' })).toThrow(
      ConfigValidationError,
    );
    expect(
      queueSettings(loadConfig({ QUEUE_OVERRIDES: '{"jobs":{"highWaterMark":10,"lowWaterMark":2}}' })).jobs,
    ).toMatchObject({ highWaterMark: 10, lowWaterMark: 2 });
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

describe('retention byte budget', () => {
  const MiB = 1024 * 1024;
  const settings = queueSettings(loadConfig({}));

  it('keeps finished jobs by count and by age on every queue, in the options every job carries', () => {
    for (const name of QUEUE_NAMES) {
      const { completed, failed } = settings[name].retention;
      expect(completed.ageSeconds).toBeGreaterThan(0);
      expect(failed.ageSeconds).toBeGreaterThan(0);
      expect(baseJobOptions(settings[name])).toMatchObject({
        removeOnComplete: { count: completed.count, age: completed.ageSeconds },
        removeOnFail: { count: failed.count, age: failed.ageSeconds },
        stackTraceLimit: 1,
      });
    }
  });

  it('bounds what each queue keeps: count × (largest payload + result + overhead), as documented', () => {
    // docs/queues.md, "Byte budget": change both together.
    const budget = Object.fromEntries(
      QUEUE_NAMES.map((name) => [name, retainedBytesWorstCase(name, settings[name])]),
    );
    expect(budget).toEqual({
      recommendations: 7_000 * 6 * 1024, // 41.0 MiB
      webhooks: 2_000 * 22 * 1024, // 43.0 MiB
      jobs: 1_000 * 70 * 1024, // 68.4 MiB
    });
    const total = Object.values(budget).reduce((a, b) => a + b, 0);
    expect(total).toBeLessThan(160 * MiB);
  });

  it('lets QUEUE_OVERRIDES set the ages too', () => {
    const config = loadConfig({
      QUEUE_OVERRIDES: '{"jobs":{"keepCompletedSeconds":60,"keepFailedSeconds":600}}',
    });
    expect(queueSettings(config).jobs.retention).toMatchObject({
      completed: { ageSeconds: 60 },
      failed: { ageSeconds: 600 },
    });
  });
});
