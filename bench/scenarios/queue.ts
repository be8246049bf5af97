import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { loadConfig } from '@platform/config';
import { createLogger } from '@platform/observability';
import { AdmittedProducer, QueueRegistry } from '@platform/queue';
import { createWorkerApp } from '../../apps/worker/src/bootstrap';
import type { BenchOptions, BenchResult, Scenario } from '../bench-contract';

const CHUNK = 1_000;
const CONCURRENCY = 50;
const KEEP = 10_000;

interface Figures {
  enqueuePerSecond: number;
  endToEndPerSecond: number;
}

/** Waits until nothing is left to run, then returns the elapsed seconds since `started`. */
async function drained(queue: Queue, started: number): Promise<number> {
  for (;;) {
    const c = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed');
    if (c.waiting + c.prioritized + c.active + c.delayed === 0) return (performance.now() - started) / 1000;
    await sleep(10);
  }
}

/**
 * Raw BullMQ: Queue.addBulk + Worker with a no-op processor and the same concurrency and retention.
 * `sameOptions`: the jobs also carry what ours carry (explicit priority, attempts, backoff), so only
 * our layer differs; without it, BullMQ's defaults (no priority: a plain list, cheaper than the
 * priority set every one of our jobs goes through).
 */
async function runRaw(url: string, jobs: number, sameOptions: boolean): Promise<Figures> {
  const prefix = `bench:${randomBytes(4).toString('hex')}:bull`;
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const queue = new Queue('raw', { connection, prefix });
  const worker = new Worker('raw', async () => undefined, {
    connection,
    prefix,
    concurrency: CONCURRENCY,
    removeOnComplete: { count: KEEP },
  });
  await worker.waitUntilReady();
  const started = performance.now();
  for (let i = 0; i < jobs; i += CHUNK) {
    await queue.addBulk(
      Array.from({ length: Math.min(CHUNK, jobs - i) }, () => ({
        name: 'noop',
        data: { ms: 0 },
        opts: sameOptions
          ? {
              removeOnComplete: { count: KEEP },
              priority: 100,
              attempts: 3,
              backoff: { type: 'exponential', delay: 1_000, jitter: 0.5 },
            }
          : { removeOnComplete: { count: KEEP } },
      })),
    );
  }
  const enqueueSeconds = (performance.now() - started) / 1000;
  const total = await drained(queue, started);
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  return { enqueuePerSecond: jobs / enqueueSeconds, endToEndPerSecond: jobs / total };
}

/** Ours: the worker app (QueueWorkers + JobsProcessor) and AdmittedProducer.enqueueBulk, in one process. */
async function runOurs(url: string, jobs: number): Promise<Figures> {
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    REDIS_URL: url,
    REDIS_KEY_PREFIX: `bench:${randomBytes(4).toString('hex')}:`,
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
    QUEUE_CONCURRENCY: String(CONCURRENCY),
    QUEUE_OVERRIDES: JSON.stringify({ jobs: { highWaterMark: 10_000_000, keepCompleted: KEEP } }),
    OUTBOX_RELAY_INTERVAL_MS: '3600000',
  });
  const { app } = await createWorkerApp(config, createLogger({ level: 'warn', name: 'bench' }));
  await app.init();
  const producer = app.get(AdmittedProducer);
  const registry = app.get(QueueRegistry);
  const queue = registry.get('jobs');
  // Workers start once Redis and Postgres answer (polled every 500 ms).
  await sleep(1_000);
  const started = performance.now();
  for (let i = 0; i < jobs; i += CHUNK) {
    await producer.enqueueBulk(
      Array.from({ length: Math.min(CHUNK, jobs - i) }, () => ({
        name: 'diagnostics.sleep' as const,
        payload: { ms: 0 },
      })),
    );
  }
  const enqueueSeconds = (performance.now() - started) / 1000;
  const total = await drained(queue, started);
  for (const q of registry.all()) await q.obliterate({ force: true });
  await app.close();
  return { enqueuePerSecond: jobs / enqueueSeconds, endToEndPerSecond: jobs / total };
}

/**
 * `npm run bench -- queue [--jobs 20000] [--rounds 2]`: the same no-op jobs through raw BullMQ and
 * through our producer + worker (validation, backpressure check, timeout, metrics), alternating,
 * best round of each. ratio = ours / raw BullMQ with the same job options, end to end (enqueue
 * to drained); ratioVsPlainBullmq compares with BullMQ's defaults (no priority) as well.
 */
export const run: Scenario = async (options: BenchOptions): Promise<BenchResult> => {
  const url = options.flags.redis ?? 'redis://127.0.0.1:6379';
  const jobs = Number(options.flags.jobs ?? 20_000);
  const rounds = Number(options.flags.rounds ?? 2);
  const zero = () => ({ enqueuePerSecond: 0, endToEndPerSecond: 0 });
  const best = { raw: zero(), plain: zero(), ours: zero() };
  for (let r = 1; r <= rounds; r += 1) {
    options.progress(`round ${r}/${rounds}: raw BullMQ, same job options`);
    const raw = await runRaw(url, jobs, true);
    options.progress(`round ${r}/${rounds}: raw BullMQ, defaults`);
    const plain = await runRaw(url, jobs, false);
    options.progress(`round ${r}/${rounds}: ours`);
    const ours = await runOurs(url, jobs);
    for (const [key, f] of [
      ['raw', raw],
      ['plain', plain],
      ['ours', ours],
    ] as const) {
      best[key].enqueuePerSecond = Math.max(best[key].enqueuePerSecond, f.enqueuePerSecond);
      best[key].endToEndPerSecond = Math.max(best[key].endToEndPerSecond, f.endToEndPerSecond);
    }
  }
  const round = (n: number) => Math.round(n);
  const ratio = Math.round((best.ours.endToEndPerSecond / best.raw.endToEndPerSecond) * 100) / 100;
  return {
    scenario: 'queue',
    rows: [
      {
        variant: 'raw BullMQ, same job options (baseline)',
        'enqueue jobs/s': round(best.raw.enqueuePerSecond),
        'end-to-end jobs/s': round(best.raw.endToEndPerSecond),
      },
      {
        variant: 'raw BullMQ, defaults (no priority)',
        'enqueue jobs/s': round(best.plain.enqueuePerSecond),
        'end-to-end jobs/s': round(best.plain.endToEndPerSecond),
      },
      {
        variant: 'ours',
        'enqueue jobs/s': round(best.ours.enqueuePerSecond),
        'end-to-end jobs/s': round(best.ours.endToEndPerSecond),
      },
    ],
    figures: {
      jobs,
      concurrency: CONCURRENCY,
      rounds,
      oursJobsPerSecond: round(best.ours.endToEndPerSecond),
      oursEnqueuePerSecond: round(best.ours.enqueuePerSecond),
      baseline: {
        rawJobsPerSecond: round(best.raw.endToEndPerSecond),
        rawEnqueuePerSecond: round(best.raw.enqueuePerSecond),
      },
      plainBullmqJobsPerSecond: round(best.plain.endToEndPerSecond),
      ratioVsPlainBullmq:
        Math.round((best.ours.endToEndPerSecond / best.plain.endToEndPerSecond) * 100) / 100,
      enqueueRatio: Math.round((best.ours.enqueuePerSecond / best.raw.enqueuePerSecond) * 100) / 100,
      ratio,
    },
  };
};
