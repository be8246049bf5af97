import { describe, expect, it } from 'vitest';
import { BackpressureGate, type DepthReading } from './backpressure-gate';
import { QueueOverloadedError } from './queue-errors';

function setup(cacheMs = 100) {
  let now = 0;
  const reading: DepthReading = { depth: 0, finished: 0 };
  let reads = 0;
  const gate = new BackpressureGate(
    { queue: 'q', highWaterMark: 100, lowWaterMark: 50, cacheMs },
    async () => {
      reads += 1;
      return { ...reading };
    },
    () => now,
  );
  return {
    gate,
    reading,
    advance: (ms: number) => (now += ms),
    reads: () => reads,
  };
}

const refused = async (p: Promise<void>) => {
  try {
    await p;
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(QueueOverloadedError);
    return e as QueueOverloadedError;
  }
};

describe('BackpressureGate', () => {
  it('admits up to the high-water mark, counting its own admissions between reads', async () => {
    const { gate, reading, reads } = setup();
    reading.depth = 90;
    for (let i = 0; i < 10; i += 1) await gate.admit();
    expect(await refused(gate.admit())).toBeDefined();
    expect(reads()).toBe(1); // one read served all eleven calls
  });

  it('keeps refusing until the depth falls to the low-water mark (hysteresis)', async () => {
    const { gate, reading, advance } = setup();
    reading.depth = 100;
    expect(await refused(gate.admit())).toBeDefined();
    reading.depth = 60; // under the high mark, above the low mark: still refused
    advance(200);
    expect(await refused(gate.admit())).toBeDefined();
    reading.depth = 50;
    advance(200);
    await gate.admit();
    expect(gate.isOverloaded).toBe(false);
  });

  it('settles admissions when their jobs are added, and forgets ones never added', async () => {
    const { gate, reading, advance } = setup();
    reading.depth = 0;
    for (let i = 0; i < 100; i += 1) await gate.admit();
    expect(await refused(gate.admit())).toBeDefined();
    // The jobs reached Redis and the next read sees them; pending is settled, not counted twice.
    gate.noteAdded(100);
    gate.settle(100);
    reading.depth = 40;
    advance(200);
    await gate.admit();
    // Admissions whose add never happened expire after a while.
    advance(11_000);
    reading.depth = 0;
    for (let i = 0; i < 100; i += 1) await gate.admit();
  });

  it('derives Retry-After from the observed drain rate', async () => {
    const { gate, reading, advance } = setup();
    reading.depth = 300;
    reading.finished = 0;
    expect((await refused(gate.admit()))!.retryAfterSeconds).toBe(10); // nothing drained yet: default
    advance(1_000);
    reading.finished = 50; // 50 jobs/s
    reading.depth = 250;
    const error = await refused(gate.admit());
    expect(gate.observedDrainRate).toBeCloseTo(50);
    expect(error!.retryAfterSeconds).toBe(4); // (250 - 50) / 50
  });

  it('refuses a batch that would cross the mark, and lets a huge one in only when drained', async () => {
    const { gate, reading, advance } = setup();
    reading.depth = 95;
    expect(await refused(gate.admit(10))).toBeDefined();
    reading.depth = 0;
    advance(200);
    await gate.admit(500);
  });
});
