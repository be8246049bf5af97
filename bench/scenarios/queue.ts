import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { loadConfig } from '@platform/config';
import { createLogger } from '@platform/observability';
import { JobProducer, QueueRegistry } from '@platform/queue';
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

/** Raw BullMQ: Queue.addBulk + Worker with a no-op processor, same concurrency and retention. */
async function runRaw(url: string, jobs: number): Promise<Figures> {
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
        opts: { removeOnComplete: { count: KEEP } },
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

/** Ours: the worker app (QueueWorkers + JobsProcessor) and JobProducer.enqueueBulk, in one process. */
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
  const producer = app.get(JobProducer);
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
 * through our producer + worker (validation, explicit priority, backpressure check, timeout,
 * metrics), alternating, best round of each. ratio = ours / raw, end to end (enqueue to drained).
 */
export const run: Scenario = async (options: BenchOptions): Promise<BenchResult> => {
  const url = options.flags.redis ?? 'redis://127.0.0.1:6379';
  const jobs = Number(options.flags.jobs ?? 20_000);
  const rounds = Number(options.flags.rounds ?? 2);
  const best = {
    raw: { enqueuePerSecond: 0, endToEndPerSecond: 0 },
    ours: { enqueuePerSecond: 0, endToEndPerSecond: 0 },
  };
  for (let r = 1; r <= rounds; r += 1) {
    options.progress(`round ${r}/${rounds}: raw BullMQ`);
    const raw = await runRaw(url, jobs);
    options.progress(`round ${r}/${rounds}: ours`);
    const ours = await runOurs(url, jobs);
    for (const [key, f] of [
      ['raw', raw],
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
        variant: 'raw BullMQ',
        'enqueue jobs/s': round(best.raw.enqueuePerSecond),
        'end-to-end jobs/s': round(best.raw.endToEndPerSecond),
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
      enqueueRatio: Math.round((best.ours.enqueuePerSecond / best.raw.enqueuePerSecond) * 100) / 100,
      ratio,
    },
  };
};
