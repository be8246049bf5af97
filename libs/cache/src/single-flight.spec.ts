import { describe, expect, it } from 'vitest';
import { SingleFlight } from './single-flight';

describe('SingleFlight', () => {
  it('shares one load among concurrent callers and forgets it once settled', async () => {
    const flights = new SingleFlight<number>();
    let loads = 0;
    let release!: (n: number) => void;
    const load = () => {
      loads += 1;
      return new Promise<number>((resolve) => (release = resolve));
    };
    const calls = Array.from({ length: 100 }, () => flights.run('k', load));
    expect(calls.filter((c) => c.shared)).toHaveLength(99);
    release(7);
    expect(await Promise.all(calls.map((c) => c.promise))).toEqual(Array(100).fill(7));
    expect(loads).toBe(1);
    expect(flights.size).toBe(0);
    expect(flights.run('k', async () => 8).shared).toBe(false);
  });

  it('hands an error to every waiter and does not keep it', async () => {
    const flights = new SingleFlight<number>();
    const calls = Array.from({ length: 10 }, () =>
      flights.run('k', async () => {
        throw new Error('boom');
      }),
    );
    const results = await Promise.allSettled(calls.map((c) => c.promise));
    expect(results.every((r) => r.status === 'rejected' && (r.reason as Error).message === 'boom')).toBe(
      true,
    );
    expect(await flights.run('k', async () => 1).promise).toBe(1);
  });

  it('marks an invalidated flight so its result is not stored, and starts a fresh one after', async () => {
    const flights = new SingleFlight<number>();
    let seen: boolean | undefined;
    const first = flights.run('k', async (flight) => {
      await new Promise((r) => setTimeout(r, 10));
      seen = flight.invalidated;
      return 1;
    });
    flights.invalidate('k');
    const second = flights.run('k', async () => 2);
    expect(second.shared).toBe(false);
    expect(await first.promise).toBe(1);
    expect(seen).toBe(true);
    expect(await second.promise).toBe(2);
  });
});
