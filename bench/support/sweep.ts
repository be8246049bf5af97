import type { OpenLoopResult } from './open-loop';

/** The goals an offered rate must meet in a sweep (issue 12's "fast under load"). */
export const OPEN_LOOP_GOALS = { achievedShare: 0.95, p95Ms: 50, p99Ms: 100, errorRate: 0.001 };

export interface SweepStep {
  offeredRps: number;
  achievedRps: number;
  p95: number;
  p99: number;
  errorRate: number;
  throttled: number;
  pass: boolean;
}

export interface SweepResult {
  /** The highest offered rate that met every goal; 0 when none did. */
  highestPassingRps: number;
  /** The lowest offered rate seen to fail; null when every step passed up to the ceiling. */
  lowestFailingRps: number | null;
  steps: SweepStep[];
}

export function judge(result: OpenLoopResult): SweepStep {
  const errorRate = result.errors / Math.max(1, result.sent);
  const pass =
    result.achievedRps >= OPEN_LOOP_GOALS.achievedShare * result.offeredRps &&
    result.latency.p95 < OPEN_LOOP_GOALS.p95Ms &&
    result.latency.p99 < OPEN_LOOP_GOALS.p99Ms &&
    errorRate < OPEN_LOOP_GOALS.errorRate;
  return {
    offeredRps: result.offeredRps,
    achievedRps: result.achievedRps,
    p95: result.latency.p95,
    p99: result.latency.p99,
    errorRate,
    throttled: result.throttled,
    pass,
  };
}

export interface SweepOptions {
  startRps: number;
  /** Never offer more than this. */
  maxRps: number;
  /** Never offer less than this. */
  minRps: number;
  /** Stop bisecting when the bracket is narrower than this share of its upper end. */
  precision: number;
  maxSteps: number;
}

/**
 * Doubling from `startRps` until a rate fails (or halving until one passes), then bisecting between the
 * highest pass and the lowest fail. Each step is one open-loop run through `measure`.
 */
export async function sweep(
  measure: (rps: number) => Promise<OpenLoopResult>,
  options: SweepOptions,
): Promise<SweepResult> {
  const steps: SweepStep[] = [];
  // An object, not two lets: `step` updates it from a closure, which the loops' narrowing cannot see.
  const bracket: { pass: number; fail: number | null } = { pass: 0, fail: null };
  const step = async (rps: number) => {
    const judged = judge(await measure(rps));
    steps.push(judged);
    if (judged.pass) bracket.pass = Math.max(bracket.pass, rps);
    else bracket.fail = bracket.fail === null ? rps : Math.min(bracket.fail, rps);
    return judged.pass;
  };

  let rps = Math.min(options.maxRps, Math.max(options.minRps, options.startRps));
  if (await step(rps)) {
    while (bracket.fail === null && rps < options.maxRps && steps.length < options.maxSteps) {
      rps = Math.min(options.maxRps, rps * 2);
      await step(rps);
    }
  } else {
    while (bracket.pass === 0 && rps > options.minRps && steps.length < options.maxSteps) {
      rps = Math.max(options.minRps, Math.floor(rps / 2));
      await step(rps);
    }
  }
  for (
    let { pass, fail } = bracket;
    fail !== null && pass > 0 && (fail - pass) / fail > options.precision && steps.length < options.maxSteps;
    { pass, fail } = bracket
  ) {
    await step(Math.round((pass + fail) / 2));
  }
  return { highestPassingRps: bracket.pass, lowestFailingRps: bracket.fail, steps };
}
