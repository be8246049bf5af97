import type { NodeRuntime } from './support/runtime';

/** What every scenario gets and returns; `bench/run.ts` prints the table and the BENCH line. */
export interface BenchOptions {
  /** Measured seconds per phase (after warm-up). */
  durationSeconds: number;
  connections: number;
  /** Free-form flags after the scenario name (`--keys 100000`). */
  flags: Record<string, string>;
  /** The Node binary the scenario's child processes (API, worker, hello baseline) run under. */
  runtime: NodeRuntime;
  progress: (line: string) => void;
}

export interface BenchResult {
  scenario: string;
  /** Rows for the human-readable table. */
  rows: Array<Record<string, string | number>>;
  /**
   * The figures, the baseline measured in the same run, and their ratio, for the BENCH json. Open-loop
   * scenarios also give `offeredRps`, `achievedRps`, `p95`, `p99` and, with `--sweep`, `sweep`.
   */
  figures: Record<string, unknown> & { baseline: unknown; ratio: number };
}

export type Scenario = (options: BenchOptions) => Promise<BenchResult>;

/**
 * The BENCH line: the first runtime's figures (Node 24, which the goals are judged on) at the top level,
 * and every runtime's figures in `runs`, each with its own same-run baseline.
 */
export type BenchLine = { scenario: string; node: string } & BenchResult['figures'] & {
    runs: Array<{ node: string } & BenchResult['figures']>;
  };
