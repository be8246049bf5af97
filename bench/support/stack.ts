import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { currentEnv, loadConfig } from '@platform/config';
import {
  dropDatabase,
  ensureDatabase,
  issueApiKey,
  postgresOptions,
  runMigrations,
  seedDefaultTiers,
} from '@platform/database';

// Compiled into dist/bench/support; the repository root is three levels up.
const ROOT = resolve(__dirname, '../../..');
export const BENCH_ADMIN_TOKEN = 'bench-admin-token-0123456789';

export interface Stack {
  apiUrl: string;
  workerUrl?: string;
  env: Record<string, string | undefined>;
  dataSource: DataSource;
  /** A key on the `internal` tier (limits far above what the bench sends), unless a scenario wants limits. */
  apiKey: string;
  /** Its tenant: seeded users and the scenario's other keys belong to it. */
  tenantId: string;
  /** Process ids, for CPU accounting (the API's is the cluster primary when API_PROCESSES > 1). */
  pids: { api: number | undefined; worker: number | undefined };
  /** Where the API's and the worker's stdout (their pino log lines) go for this run. */
  logDir: string;
  /** `keepLogs`: leave the log directory for a reader (a scenario saw responses it has to explain). */
  stop(options?: { keepLogs?: boolean }): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => ok(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export async function waitForHttp(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

export interface StartProcessOptions {
  /** The Node binary; the bench's own by default. */
  node?: string;
  nodeArgs?: string[];
  /** A file for the process's stdout (its log lines); discarded otherwise. */
  logFile?: string;
}

export function startProcess(
  entry: string,
  env: Record<string, string | undefined>,
  args: string[] = [],
  options: StartProcessOptions = {},
): ChildProcess {
  const stdout = options.logFile ? openSync(options.logFile, 'a') : 'ignore';
  const proc = spawn(
    options.node ?? process.execPath,
    [...(options.nodeArgs ?? []), resolve(ROOT, entry), ...args],
    {
      env: env,
      stdio: ['ignore', stdout, 'inherit'],
    },
  );
  if (typeof stdout === 'number') closeSync(stdout); // the child holds its own copy
  return proc;
}

export async function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/**
 * The real API (and optionally worker) processes against the local Postgres and Redis, on a fresh
 * database that is dropped afterwards. Logs at `info` like production (the access log is part of the
 * cost being measured).
 */
export async function startStack(
  options: {
    worker?: boolean;
    env?: Record<string, string>;
    /** Start the API with `--cpu-prof --cpu-prof-dir <dir>` (one .cpuprofile per process, written on exit). */
    cpuProfDir?: string;
    /** The Node binary the API and worker run under; the bench's own by default. */
    node?: string;
  } = {},
): Promise<Stack> {
  const suffix = randomBytes(4).toString('hex');
  const databaseUrl = `postgres://postgres@127.0.0.1:5432/bench_${suffix}`;
  const base = currentEnv();
  const env: Record<string, string | undefined> = {
    PATH: base.PATH,
    HOME: base.HOME,
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    REDIS_URL: 'redis://127.0.0.1:6379',
    REDIS_KEY_PREFIX: `bench:${suffix}:`,
    ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
    API_PROCESSES: '1',
    SHUTDOWN_DRAIN_DELAY_MS: '0',
    ...options.env,
  };
  const config = loadConfig(env);
  await ensureDatabase(databaseUrl);
  await runMigrations(config);
  const dataSource = new DataSource({ ...postgresOptions(config, databaseUrl, 'bench'), poolSize: 4 });
  await dataSource.initialize();
  await seedDefaultTiers(dataSource);
  const { key: apiKey, tenant: tenantId } = await issueApiKey(dataSource, 'bench', 'internal');

  const apiPort = await freePort();
  const workerPort = await freePort();
  env.PORT = String(apiPort);
  env.WORKER_PORT = String(workerPort);
  // Production serves the API's /metrics on a port of its own: a spare one, so runs never collide.
  env.METRICS_PORT = String(await freePort());
  const apiNodeArgs = options.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir] : [];
  const logDir = mkdtempSync(join(tmpdir(), `bench-${suffix}-`));
  const api = startProcess('dist/apps/api/src/main.js', env, [], {
    node: options.node,
    nodeArgs: apiNodeArgs,
    logFile: join(logDir, 'api.log'),
  });
  const worker = options.worker
    ? startProcess('dist/apps/worker/src/main.js', env, [], {
        node: options.node,
        logFile: join(logDir, 'worker.log'),
      })
    : undefined;
  const procs = worker ? [api, worker] : [api];
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const workerUrl = options.worker ? `http://127.0.0.1:${workerPort}` : undefined;
  await waitForHttp(`${apiUrl}/readyz`);
  if (workerUrl) await waitForHttp(`${workerUrl}/readyz`);

  return {
    apiUrl,
    workerUrl,
    env,
    dataSource,
    apiKey,
    tenantId,
    pids: { api: api.pid, worker: worker?.pid },
    logDir,
    stop: async (stopOptions = {}) => {
      await Promise.all(procs.map(stopProcess));
      if (!stopOptions.keepLogs) rmSync(logDir, { recursive: true, force: true });
      await dataSource.destroy();
      await dropDatabase(databaseUrl);
      await deleteRedisPrefix(env.REDIS_URL!, env.REDIS_KEY_PREFIX!);
    },
  };
}

/** Removes every key the run wrote (cache entries, buckets, queues), so a bench leaves Redis as it found it. */
async function deleteRedisPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
