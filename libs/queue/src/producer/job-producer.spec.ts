import { describe, expect, it } from 'vitest';
import { loadConfig } from '@platform/config';
import { queueSettings } from '../queue-definitions';
import type { QueueRegistry } from '../queue-registry';
import { AdmittedProducer } from './admitted-producer';
import { JobProducer } from './job-producer';
import { QueueGates } from './queue-gates';
import type { RedisMemory } from './redis-memory';
import { QueueOverloadedError } from './queue-errors';

/** A producer over a queue whose job counts are given: what getJobCounts answers for the states asked. */
function setup(counts: Record<string, number>) {
  const config = loadConfig({ QUEUE_OVERRIDES: '{"jobs":{"highWaterMark":100}}' });
  const queue = {
    getJobCounts: async (...states: string[]) =>
      Object.fromEntries(states.map((state) => [state, counts[state] ?? 0])),
    getMetrics: async () => ({ meta: { count: 0 } }),
  };
  const registry = {
    isConnected: true,
    connection: { status: 'ready' },
    get: () => queue,
  } as unknown as QueueRegistry;
  const memory = { admit: async () => undefined } as unknown as RedisMemory;
  const settings = queueSettings(config);
  const gates = new QueueGates(registry, settings, config);
  const producer = new JobProducer(registry, settings, config, gates);
  return { producer, admitted: new AdmittedProducer(producer, gates, memory, registry) };
}
const admissionWith = (counts: Record<string, number>) => setup(counts).admitted;

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('AdmittedProducer admission', () => {
  it('counts delayed jobs and flow parents against the high-water mark, not only waiting ones', async () => {
    expect(await refusal(admissionWith({ delayed: 100 }).admit('jobs'))).toBeInstanceOf(QueueOverloadedError);
    expect(await refusal(admissionWith({ 'waiting-children': 100 }).admit('jobs'))).toBeInstanceOf(
      QueueOverloadedError,
    );
    const mixed = admissionWith({ waiting: 40, prioritized: 30, delayed: 29 });
    await mixed.admit('jobs'); // 99 + 1 fits
    expect(await refusal(mixed.admit('jobs'))).toBeInstanceOf(QueueOverloadedError);
    // Running and finished jobs are not pending.
    await admissionWith({ active: 500, completed: 500, failed: 500 }).admit('jobs', 10);
  });
});

describe('JobProducer.prepare byte caps', () => {
  const { producer } = setup({});
  const status = (fn: () => unknown) => {
    try {
      fn();
      return undefined;
    } catch (e) {
      return e as { getStatus?: () => number; code?: string; message: string };
    }
  };

  it('refuses a payload over its contract maxBytes with 413 job_too_large', () => {
    // 32 000 characters pass the schema, but three bytes each are ~96 KB of JSON.
    const error = status(() =>
      producer.prepare({ name: 'digest.compute', payload: { text: '€'.repeat(32_000) } }),
    );
    expect(error?.getStatus?.()).toBe(413);
    expect(error?.code).toBe('job_too_large');
    expect(error?.message).toMatch(/digest\.compute.*at most 32768 bytes/);
    expect(
      status(() => producer.prepare({ name: 'digest.compute', payload: { text: 'a'.repeat(32_000) } })),
    ).toBe(undefined);
  });

  it('counts what a fan-out job creates: the children of report.aggregate', () => {
    // ~36 KB of values: under the cap alone, over it with the 32 parts that copy them.
    const values = Array.from({ length: 6_000 }, (_, i) => 100_000 + i);
    const error = status(() =>
      producer.prepare({ name: 'report.aggregate', payload: { values, parts: 32 } }),
    );
    expect(error?.getStatus?.()).toBe(413);
    const ok = producer.prepare({ name: 'report.aggregate', payload: { values: values.slice(0, 4_000) } });
    expect(ok.bytes).toBeGreaterThan(2 * 4_000 * 7);
    expect(ok.weight).toBe(5); // the parent and its 4 parts
  });

  it('bounds the children in the schema: at most 32 parts of at most 10 000 values', () => {
    expect(
      status(() => producer.prepare({ name: 'report.aggregate', payload: { values: [1], parts: 33 } })),
    ).toBeDefined();
    expect(
      status(() =>
        producer.prepare({ name: 'report.aggregate', payload: { values: Array(10_001).fill(0) } }),
      ),
    ).toBeDefined();
  });
});
