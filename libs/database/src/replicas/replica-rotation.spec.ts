import { describe, expect, it } from 'vitest';
import { parseLsn } from './lsn';
import {
  isInRotation,
  isRecentEnough,
  rotationDecision,
  type NodeRotation,
  type ProbeResult,
  type RotationState,
} from './replica-rotation';

const LIMITS = { maxLagMs: 1_000, maxLagBytes: 1_024 };
const SERVING: NodeRotation = { ...LIMITS, wasInRotation: true, breakerAllowsCalls: true };
const OUT: NodeRotation = { ...SERVING, wasInRotation: false };
const PRIMARY = parseLsn('0/10000');

/** A streaming standby that has replayed all it received. */
function healthy(overrides: Partial<Extract<ProbeResult, { ok: true }>> = {}): ProbeResult {
  return {
    ok: true,
    inRecovery: true,
    replayLsn: PRIMARY,
    caughtUp: true,
    replayAgeMs: 60_000, // an idle primary: the last replayed transaction is old, yet nothing is missing
    primaryLsn: PRIMARY,
    ...overrides,
  };
}

describe('isRecentEnough', () => {
  it('needs a measured lag; within the time limit, else within the byte limit of the primary', () => {
    expect(isRecentEnough(undefined, 0n, LIMITS)).toBe(false);
    expect(isRecentEnough(1_000, undefined, LIMITS)).toBe(true);
    expect(isRecentEnough(1_001, undefined, LIMITS)).toBe(false); // over time, bytes unknown
    expect(isRecentEnough(1_001, 1_024n, LIMITS)).toBe(true);
    expect(isRecentEnough(1_001, 1_025n, LIMITS)).toBe(false);
  });
});

describe('isInRotation (re-evaluated on every read)', () => {
  const ok: RotationState = {
    reachable: true,
    readFailed: false,
    lagMs: 0,
    lagBytes: 0n,
    breakerAllowsCalls: true,
  };
  it('serves reads only when reachable, no read failed, recent enough and the breaker is closed', () => {
    expect(isInRotation(ok, LIMITS)).toBe(true);
    expect(isInRotation({ ...ok, reachable: false }, LIMITS)).toBe(false);
    expect(isInRotation({ ...ok, readFailed: true }, LIMITS)).toBe(false);
    expect(isInRotation({ ...ok, lagMs: undefined }, LIMITS)).toBe(false); // never probed
    expect(isInRotation({ ...ok, lagMs: 5_000, lagBytes: 2_048n }, LIMITS)).toBe(false);
    expect(isInRotation({ ...ok, breakerAllowsCalls: false }, LIMITS)).toBe(false);
  });
});

describe('rotationDecision', () => {
  it('a healthy replica stays in, with no reason and its measures', () => {
    expect(rotationDecision(healthy(), SERVING)).toEqual({
      action: 'stay',
      inRotation: true,
      reason: undefined,
      reachable: true,
      measures: { replayLsn: PRIMARY, lagMs: 0, lagBytes: 0n },
    });
  });

  it('a healthy replica that was out (never probed, read failed, was lagging) is put back', () => {
    expect(rotationDecision(healthy(), OUT)).toMatchObject({
      action: 'put-back',
      inRotation: true,
      reason: undefined,
    });
  });

  it('an unreachable replica is taken out with the error, keeping no measures; stays out after', () => {
    const down = { ok: false as const, error: new Error('connect ECONNREFUSED 127.0.0.1:5433') };
    expect(rotationDecision(down, SERVING)).toEqual({
      action: 'take-out',
      inRotation: false,
      reason: 'unreachable: connect ECONNREFUSED 127.0.0.1:5433',
      reachable: false,
    });
    expect(rotationDecision(down, OUT)).toMatchObject({ action: 'stay', inRotation: false });
  });

  it('lag is 0 when caught up, else the rounded replay age (never negative)', () => {
    expect(rotationDecision(healthy({ caughtUp: false, replayAgeMs: 12.6 }), SERVING)).toMatchObject({
      action: 'stay',
      measures: { lagMs: 13 },
    });
    // Clock skew between hosts can make the age negative.
    expect(rotationDecision(healthy({ caughtUp: false, replayAgeMs: -40 }), SERVING)).toMatchObject({
      measures: { lagMs: 0 },
    });
  });

  it('bytes behind: the difference to the primary, 0 when ahead of the round, unknown without both', () => {
    const behind = rotationDecision(healthy({ replayLsn: PRIMARY - 100n }), SERVING);
    expect(behind).toMatchObject({ measures: { lagBytes: 100n } });
    // The primary's position is read before the replicas': a replica may have replayed past it.
    expect(rotationDecision(healthy({ replayLsn: PRIMARY + 8n }), SERVING)).toMatchObject({
      measures: { lagBytes: 0n },
    });
    expect(rotationDecision(healthy({ primaryLsn: undefined }), SERVING)).toMatchObject({
      measures: { lagBytes: undefined },
    });
    expect(rotationDecision(healthy({ replayLsn: undefined }), SERVING)).toMatchObject({
      measures: { replayLsn: undefined, lagBytes: undefined },
    });
  });

  it('a replica late in time but within the byte limit stays in (replay timestamps jump after idleness)', () => {
    const probe = healthy({ caughtUp: false, replayAgeMs: 30_000, replayLsn: PRIMARY - 1_024n });
    expect(rotationDecision(probe, SERVING)).toMatchObject({ action: 'stay', inRotation: true });
  });

  it('a replica over both limits is taken out with its lag as the reason', () => {
    const probe = healthy({ caughtUp: false, replayAgeMs: 5_000, replayLsn: PRIMARY - 4_096n });
    expect(rotationDecision(probe, SERVING)).toMatchObject({
      action: 'take-out',
      inRotation: false,
      reason: 'lag 5000 ms over 1000 ms and 4096 bytes behind',
    });
    expect(rotationDecision(probe, OUT)).toMatchObject({ action: 'stay', inRotation: false });
  });

  it('over the time limit with the primary position unknown: out, bytes shown as ?', () => {
    const probe = healthy({ caughtUp: false, replayAgeMs: 5_000, primaryLsn: undefined });
    expect(rotationDecision(probe, SERVING)).toMatchObject({
      action: 'take-out',
      reason: 'lag 5000 ms over 1000 ms and ? bytes behind',
    });
  });

  it('an open breaker keeps a healthy replica out, with the breaker as the reason', () => {
    const open = { ...OUT, breakerAllowsCalls: false };
    expect(rotationDecision(healthy(), open)).toMatchObject({
      action: 'stay',
      inRotation: false,
      reason: 'breaker open',
    });
    // Open since the probe started (a failed acquire in between): taken out.
    expect(rotationDecision(healthy(), { ...SERVING, breakerAllowsCalls: false })).toMatchObject({
      action: 'take-out',
      reason: 'breaker open',
    });
  });

  it('a promoted server (not in recovery) keeps serving reads, and says so', () => {
    expect(rotationDecision(healthy({ inRecovery: false, replayLsn: undefined }), SERVING)).toMatchObject({
      action: 'stay',
      inRotation: true,
      reason: 'not in recovery (promoted?); serving reads',
    });
  });

  it('the promotion reason comes first, even when the server is also out for lag or its breaker', () => {
    const promotedAndLate = healthy({
      inRecovery: false,
      caughtUp: false,
      replayAgeMs: 5_000,
      replayLsn: PRIMARY - 4_096n,
    });
    expect(rotationDecision(promotedAndLate, SERVING)).toMatchObject({
      action: 'take-out',
      inRotation: false,
      reason: 'not in recovery (promoted?); serving reads',
    });
    // Lag is named before the breaker when both keep it out.
    const late = healthy({ caughtUp: false, replayAgeMs: 5_000, primaryLsn: undefined });
    expect(rotationDecision(late, { ...OUT, breakerAllowsCalls: false })).toMatchObject({
      reason: 'lag 5000 ms over 1000 ms and ? bytes behind',
    });
  });
});
