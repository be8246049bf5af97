import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from './ports';

const run = promisify(execFile);

/** Starts one redis-server with extra arguments and waits until it answers PING. */
export async function startRedisServer(port: number, dir: string, extra: string[]): Promise<ChildProcess> {
  const proc = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      ...extra,
    ],
    { stdio: 'ignore' },
  );
  await waitForPing(port);
  return proc;
}

export async function waitForPing(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const client = new Redis(port, '127.0.0.1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined); // not listening yet: retried below
    try {
      await client.connect();
      await client.ping();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      client.disconnect();
    }
  }
  throw new Error(`redis-server on ${port} did not start`);
}

export async function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGKILL');
  await exited;
}

/**
 * A private Redis Cluster: three masters and three replicas (`redis-cli --cluster create
 * --cluster-replicas 1`) on spare ports, waiting until every slot is served.
 */
export class PrivateRedisCluster {
  private constructor(
    readonly ports: number[],
    private readonly procs: ChildProcess[],
    private readonly dir: string,
  ) {}

  static async start(): Promise<PrivateRedisCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'redis-cluster-'));
    const ports = await distinctFreePorts(6);
    const procs = await Promise.all(
      ports.map((port) =>
        startRedisServer(port, dir, [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--cluster-node-timeout',
          '2000',
        ]),
      ),
    );
    const cluster = new PrivateRedisCluster(ports, procs, dir);
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
      ],
      { timeout: 60_000 },
    );
    await cluster.waitUntilHealthy();
    return cluster;
  }

  /** The value of REDIS_CLUSTER_NODES. */
  get nodes(): string {
    return this.ports.map((p) => `127.0.0.1:${p}`).join(',');
  }

  /** Every node agrees the cluster is ok (all 16384 slots assigned and their masters reachable). */
  async waitUntilHealthy(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = await Promise.all(
        this.ports.map(async (port) => {
          const { stdout } = await run('redis-cli', ['-p', String(port), 'cluster', 'info']).catch(() => ({
            stdout: '',
          }));
          return /cluster_state:ok/.test(stdout);
        }),
      );
      if (states.every(Boolean)) return;
      if (Date.now() > deadline) throw new Error('private Redis Cluster did not become healthy');
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async destroy(): Promise<void> {
    await Promise.all(this.procs.map(stopProcess));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** `count` spare ports, none repeated (the OS may hand the same one out twice in a row). */
export async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
