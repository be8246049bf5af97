import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import {
  applyOnce,
  ProcessorFor,
  QueueProcessorHost,
  type JobContext,
  type JobHandlers,
  type PayloadOf,
} from '@platform/queue';

interface PartSummary {
  index: number;
  count: number;
  sum: number;
  min: number;
  max: number;
}

/** The general `jobs` queue: the job types clients start with POST /v1/jobs. */
@ProcessorFor('jobs')
export class JobsProcessor extends QueueProcessorHost<'jobs'> {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    super();
  }

  readonly handlers: JobHandlers<'jobs'> = {
    'report.part': async ({ index, values }) => summarize(index, values),
    'report.aggregate': (_payload, ctx) => this.aggregate(ctx),
    'digest.compute': async ({ text, algorithm }) => ({
      algorithm,
      digest: createHash(algorithm).update(text).digest('hex'),
    }),
    'diagnostics.sleep': (payload, ctx) => this.sleep(payload, ctx),
  };

  /** Runs after every report.part child has completed; combines their summaries. */
  private async aggregate(ctx: JobContext) {
    const parts = Object.values(await ctx.childrenValues<PartSummary>());
    const count = parts.reduce((n, p) => n + p.count, 0);
    const sum = parts.reduce((n, p) => n + p.sum, 0);
    return {
      parts: parts.length,
      count,
      sum,
      min: Math.min(...parts.map((p) => p.min)),
      max: Math.max(...parts.map((p) => p.max)),
      mean: count > 0 ? sum / count : null,
    };
  }

  private async sleep({ ms, counter }: PayloadOf<'diagnostics.sleep'>, ctx: JobContext) {
    if (ms > 0) await sleep(ms, undefined, { signal: ctx.signal });
    if (!counter) return { sleptMs: ms };
    const { applied } = await applyOnce(this.dataSource, ctx.idempotencyKey, async (manager) => {
      await manager.query(
        `INSERT INTO diagnostic_counters (name, value) VALUES ($1, 1)
         ON CONFLICT (name) DO UPDATE SET value = diagnostic_counters.value + 1`,
        [counter],
      );
    });
    return { sleptMs: ms, counter, applied };
  }
}

function summarize(index: number, values: number[]): PartSummary {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { index, count: values.length, sum, min, max };
}
