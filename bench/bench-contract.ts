/** What every scenario gets and returns; `bench/run.ts` prints the table and the BENCH line. */
export interface BenchOptions {
  /** Measured seconds per phase (after warm-up). */
  durationSeconds: number;
  connections: number;
  /** Free-form flags after the scenario name (`--keys 100000`). */
  flags: Record<string, string>;
  progress: (line: string) => void;
}

export interface BenchResult {
  scenario: string;
  /** Rows for the human-readable table. */
  rows: Array<Record<string, string | number>>;
  /** The figures, the baseline measured in the same run, and their ratio, for the BENCH json. */
  figures: Record<string, unknown> & { baseline: unknown; ratio: number };
}

export type Scenario = (options: BenchOptions) => Promise<BenchResult>;
