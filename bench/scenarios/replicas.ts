import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import { register } from 'prom-client';
import { DataSource } from 'typeorm';
import { ConfigModule, loadConfig } from '@platform/config';
import {
  DatabaseModule,
  dropDatabase,
  ensureDatabase,
  postgresOptions,
  ReplicaRouter,
  runAs,
  runMigrations,
  seedDefaultTiers,
  Tier,
} from '@platform/database';
import { RedisModule } from '@platform/redis';
import { ResilienceModule } from '@platform/resilience';
import type { BenchOptions, BenchResult, Scenario } from '../bench-contract';

const run$ = promisify(execFile);
const SCRIPT = resolve(__dirname, '../../../scripts/pg-replica.sh');
const PRIMARY = 'postgres://postgres@127.0.0.1:5432';

/**
 * Cost of replica routing per read: `findOneBy` through plain TypeORM on the primary (baseline), through
 * the router with no replica, and through the router reading a real standby (made with
 * scripts/pg-replica.sh; needs root or the postgres user) inside a caller context (one Redis GET each).
 */
export const run: Scenario = async (options) => {
  const name = `bench_replicas_${randomBytes(4).toString('hex')}`;
  const url = `${PRIMARY}/${name}`;
  const port = await freePort();
  const dataDir = `/tmp/pg-replica-bench-${port}`;
  const script = (...args: string[]) =>
    run$('bash', [SCRIPT, ...args, '--port', String(port), '--data-dir', dataDir], { timeout: 120_000 });
  const env = { DATABASE_URL: url, DB_POOL_SIZE: options.flags['pool'] ?? '10', LOG_LEVEL: 'warn' };
  await ensureDatabase(url);
  try {
    await runMigrations(loadConfig(env));
    const plain = new DataSource(postgresOptions(loadConfig(env), url, 'bench-plain'));
    await plain.initialize();
    await seedDefaultTiers(plain);
    options.progress('creating the standby');
    await script('create');
    const replicaUrl = `postgres://postgres@127.0.0.1:${port}/${name}`;
    const direct = await openRouted(env);
    const withStandby = await openRouted({
      ...env,
      DATABASE_REPLICA_URLS: replicaUrl,
      REPLICA_CHECK_INTERVAL_MS: '200',
    });
    try {
      await waitUntil(() => withStandby.router.status().replicas[0]?.inRotation === true, 30_000);
      let caller = 0;
      const phases: Record<string, () => Promise<unknown>> = {
        'plain TypeORM, primary': () => plain.getRepository(Tier).findOneBy({ name: 'free' }),
        'router, no replica': () => direct.dataSource.getRepository(Tier).findOneBy({ name: 'free' }),
        'router, standby, no caller': () =>
          withStandby.dataSource.getRepository(Tier).findOneBy({ name: 'free' }),
        'router, standby, caller context': () =>
          runAs(`bench:${caller++ % 1000}`, () =>
            withStandby.dataSource.getRepository(Tier).findOneBy({ name: 'free' }),
          ),
      };
      // Rounds alternate the phases so load from other processes spreads over all of them; the median counts.
      const rounds = Number(options.flags['rounds'] ?? 3);
      const samples = new Map<string, Measured[]>();
      const before = await queriesOn(replicaName(port, name));
      for (let round = 0; round < rounds; round++) {
        for (const [phase, read] of Object.entries(phases)) {
          samples.set(phase, [...(samples.get(phase) ?? []), await measure(phase, options, read)]);
        }
      }
      const routedOps = ['router, standby, no caller', 'router, standby, caller context']
        .flatMap((phase) => samples.get(phase)!)
        .reduce((n, m) => n + m.ops, 0);
      const replicaShare = Math.min(1, ((await queriesOn(replicaName(port, name))) - before) / routedOps);
      const [baseline, noReplica, noCaller, routed] = Object.keys(phases).map((phase) =>
        median(samples.get(phase)!),
      );
      const rows = [baseline, noReplica, noCaller, routed].map((r) => ({
        phase: r.phase,
        'reads/s': Math.round(r.perSecond),
        'p99 ms': r.p99Ms.toFixed(2),
      }));
      return {
        scenario: 'replicas',
        rows,
        figures: {
          readsPerSecond: Math.round(routed.perSecond),
          p99Ms: routed.p99Ms,
          replicaShare: Number(replicaShare.toFixed(3)),
          noReplicaReadsPerSecond: Math.round(noReplica.perSecond),
          standbyNoCallerReadsPerSecond: Math.round(noCaller.perSecond),
          baseline: { readsPerSecond: Math.round(baseline.perSecond), p99Ms: baseline.p99Ms },
          ratio: Number((routed.perSecond / baseline.perSecond).toFixed(3)),
        },
      } satisfies BenchResult;
    } finally {
      await Promise.all([plain.destroy(), direct.close(), withStandby.close()]);
    }
  } finally {
    await script('remove').catch(() => undefined);
    await dropDatabase(url);
  }
};

interface Routed {
  dataSource: DataSource;
  router: ReplicaRouter;
  close(): Promise<void>;
}

async function openRouted(env: Record<string, string>): Promise<Routed> {
  const config = loadConfig({ ...env, REDIS_KEY_PREFIX: `bench:${randomBytes(4).toString('hex')}:` });
  @Module({
    imports: [ConfigModule.forRoot({ config }), RedisModule, ResilienceModule, DatabaseModule],
  })
  class BenchModule {}
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: ['error'] });
  const dataSource = app.get<DataSource>(getDataSourceToken());
  await waitUntil(() => dataSource.isInitialized, 10_000);
  return { dataSource, router: app.get(ReplicaRouter), close: () => app.close() };
}

interface Measured {
  phase: string;
  ops: number;
  perSecond: number;
  p99Ms: number;
}

function median(samples: Measured[]): Measured {
  return [...samples].sort((a, b) => a.perSecond - b.perSecond)[Math.floor(samples.length / 2)];
}

async function measure(
  phase: string,
  options: BenchOptions,
  read: () => Promise<unknown>,
): Promise<Measured> {
  const concurrency = Math.min(options.connections, 50);
  const warmUntil = Date.now() + 1_000;
  const endAt = warmUntil + options.durationSeconds * 1_000;
  const latencies: number[] = [];
  let ops = 0;
  const worker = async () => {
    while (Date.now() < endAt) {
      const started = performance.now();
      await read();
      if (Date.now() > warmUntil) {
        ops++;
        latencies.push(performance.now() - started);
      }
    }
  };
  options.progress(phase);
  await Promise.all(Array.from({ length: concurrency }, worker));
  latencies.sort((a, b) => a - b);
  return {
    phase,
    ops,
    perSecond: ops / options.durationSeconds,
    p99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
  };
}

async function queriesOn(target: string): Promise<number> {
  const metric = register.getSingleMetric('db_queries_total');
  const values = metric ? (await metric.get()).values : [];
  return values.find((v) => v.labels.target === target)?.value ?? 0;
}

function replicaName(port: number, database: string): string {
  return `127.0.0.1:${port}/${database}`;
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
