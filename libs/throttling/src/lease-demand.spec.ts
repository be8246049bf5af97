import { describe, expect, it } from 'vitest';
import { leaseWant } from './lease-demand';

const base = { ttlMs: 1_000, maxTokens: 100, waiting: 1 };

describe('leaseWant', () => {
  it('asks for what is waiting when there is no history (a quiet key leases one token)', () => {
    expect(leaseWant({ ...base, spentSinceLast: 0, msSinceLast: 0 })).toBe(1);
    expect(leaseWant({ ...base, spentSinceLast: 1, msSinceLast: 60_000 })).toBe(1);
  });

  it('forecasts one TTL of the observed spending', () => {
    // 40 tokens in 200 ms = 0.2 per ms → 200 per second, capped at 100.
    expect(leaseWant({ ...base, spentSinceLast: 40, msSinceLast: 200 })).toBe(100);
    // 10 tokens in 500 ms → 20 per second.
    expect(leaseWant({ ...base, spentSinceLast: 10, msSinceLast: 500 })).toBe(20);
  });

  it('never asks for less than the waiting requests need, even above the cap', () => {
    expect(leaseWant({ ...base, spentSinceLast: 0, msSinceLast: 0, waiting: 250 })).toBe(250);
  });
});
