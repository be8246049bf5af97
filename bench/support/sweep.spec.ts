import { describe, expect, it } from 'vitest';
import type { OpenLoopResult } from './open-loop';
import { sweep } from './sweep';

/** A server that meets every goal up to `capacity` req/s and misses p99 above it. */
function fakeServer(capacity: number) {
  const offered: number[] = [];
  const measure = (rps: number): Promise<OpenLoopResult> => {
    offered.push(rps);
    const slow = rps > capacity;
    const latency = { count: rps, p50: 2, p95: slow ? 400 : 20, p99: slow ? 900 : 40, max: 1000 };
    return Promise.resolve({
      offeredRps: rps,
      achievedRps: slow ? Math.round(capacity * 0.9) : rps,
      sent: rps,
      completed: rps,
      latency,
      byKind: {},
      sendLagP99Ms: 1,
      elapsedSeconds: 1,
      ok: rps,
      throttled: 0,
      notFound: 0,
      errors: 0,
      statusCounts: { 200: rps },
    });
  };
  return { measure, offered };
}

const options = { maxRps: 64_000, minRps: 100, precision: 0.1, maxSteps: 12 };

describe('sweep', () => {
  it('doubles until a rate fails, then bisects to within the precision', async () => {
    const server = fakeServer(7_000);
    const result = await sweep(server.measure, { ...options, startRps: 1_000 });
    expect(server.offered).toEqual([1_000, 2_000, 4_000, 8_000, 6_000, 7_000, 7_500]);
    expect(result.highestPassingRps).toBe(7_000);
    expect(result.lowestFailingRps).toBe(7_500);
  });

  it('halves when the starting rate already fails', async () => {
    const server = fakeServer(300);
    const result = await sweep(server.measure, { ...options, startRps: 1_000 });
    expect(server.offered).toEqual([1_000, 500, 250, 375, 313, 282]);
    expect(result.highestPassingRps).toBe(282);
  });

  it('stops at the ceiling when everything passes', async () => {
    const server = fakeServer(1e9);
    const result = await sweep(server.measure, { ...options, startRps: 10_000, maxRps: 30_000 });
    expect(server.offered).toEqual([10_000, 20_000, 30_000]);
    expect(result).toMatchObject({ highestPassingRps: 30_000, lowestFailingRps: null });
  });

  it('counts a rate whose achieved throughput falls short as failed even with good latency', async () => {
    const measure = (rps: number) =>
      fakeServer(1e9)
        .measure(rps)
        .then((r) => ({ ...r, achievedRps: Math.min(rps, 5_000) }));
    const result = await sweep(measure, { ...options, startRps: 4_000 });
    expect(result.highestPassingRps).toBeGreaterThanOrEqual(5_000);
    expect(result.highestPassingRps).toBeLessThan(5_300);
  });
});
