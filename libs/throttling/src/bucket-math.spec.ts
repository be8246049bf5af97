import { describe, expect, it } from 'vitest';
import { takeTokens, type BucketState } from './bucket-math';
import { LocalTokenBucket } from './local-token-bucket';

const FREE = { burst: 150, ratePerMinute: 100 };

describe('token bucket arithmetic (the local fallback; the Lua script does the same)', () => {
  it('admits the burst, then refuses with the time until the next token', () => {
    let state: BucketState | undefined;
    let admitted = 0;
    for (let i = 0; i < 200; i += 1) {
      const r = takeTokens(state, FREE, 1, 0);
      state = r.state;
      if (r.decision.allowed) admitted += 1;
    }
    expect(admitted).toBe(150);
    const refused = takeTokens(state, FREE, 1, 0).decision;
    expect(refused).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 600, resetMs: 90_000 });
    expect(takeTokens(state, FREE, 1, 599).decision.allowed).toBe(false);
    expect(takeTokens(state, FREE, 1, 600).decision.allowed).toBe(true);
  });

  it('refills at the rate and never above the burst', () => {
    const empty = { tokens: 0, ts: 0 };
    expect(takeTokens(empty, FREE, 1, 6_000).decision.remaining).toBe(9); // 10 refilled, 1 taken
    expect(takeTokens(empty, FREE, 1, 3_600_000).decision.remaining).toBe(149);
  });

  it('cost takes several tokens; cost 0 only looks', () => {
    const r = takeTokens(undefined, FREE, 50, 0);
    expect(r.decision.remaining).toBe(100);
    const look = takeTokens(r.state, FREE, 0, 0);
    expect(look.decision).toMatchObject({ allowed: true, remaining: 100 });
    expect(look.state.tokens).toBe(100);
    expect(takeTokens({ tokens: 0.5, ts: 0 }, FREE, 0, 0).decision.allowed).toBe(false);
    expect(takeTokens(undefined, FREE, 151, 0).decision.allowed).toBe(false);
  });

  it('a clock going backwards neither adds nor removes tokens', () => {
    const r = takeTokens({ tokens: 10, ts: 5_000 }, FREE, 1, 1_000);
    expect(r.decision.remaining).toBe(9);
    expect(r.state.ts).toBe(5_000);
  });

  it('the local fallback divides limits by THROTTLE_EXPECTED_INSTANCES', () => {
    let now = 0;
    const local = new LocalTokenBucket(3, () => now);
    const decisions = Array.from({ length: 60 }, () => local.take('k', FREE, 1));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(50);
    expect(decisions[0]).toMatchObject({ limit: 50, source: 'local' });
    now = 1_800; // 100/3 per minute: one token per 1.8 s
    expect(local.take('k', FREE, 1).allowed).toBe(true);
    expect(local.take('k', FREE, 1).allowed).toBe(false);
    expect(local.take('other', FREE, 1).allowed).toBe(true);
  });

  it('the local bucket gives back what a take took, never above its share of the burst', () => {
    const local = new LocalTokenBucket(1, () => 0);
    const limits = { burst: 2, ratePerMinute: 1 };
    local.take('k', limits, 1);
    local.take('k', limits, 1);
    expect(local.take('k', limits, 1).allowed).toBe(false);
    local.giveBack('k', limits, 1);
    expect(local.take('k', limits, 1)).toMatchObject({ allowed: true, remaining: 0 });
    local.giveBack('k', limits, 5);
    expect(local.take('k', limits, 0).remaining).toBe(2);
    local.giveBack('untouched', limits, 1); // a bucket not held is full: nothing to do
    expect(local.take('untouched', limits, 0).remaining).toBe(2);
  });
});
