import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { distinctFreePorts, startRedisServer, stopProcess, waitForPing } from './redis-cluster';

export const SENTINEL_MASTER_NAME = 'platform';

/**
 * A private Sentinel set: one master, one replica and three sentinels (quorum 2) on spare ports.
 * `down-after-milliseconds` is short so a failover in a test takes seconds, not the default 30 s+.
 */
export class PrivateSentinelSet {
  /** When this set last ran a manual failover (Sentinel refuses another within 2 × failover-timeout). */
  private lastFailoverAt = 0;

  private constructor(
    readonly masterPort: number,
    readonly replicaPort: number,
    readonly sentinelPorts: number[],
    private readonly servers: Map<number, ChildProcess>,
    private readonly dir: string,
  ) {}

  static async start(options: { downAfterMs?: number } = {}): Promise<PrivateSentinelSet> {
    const dir = mkdtempSync(join(tmpdir(), 'redis-sentinel-'));
    const [masterPort, replicaPort, ...sentinelPorts] = await distinctFreePorts(5);
    const servers = new Map<number, ChildProcess>();
    servers.set(masterPort, await startRedisServer(masterPort, dir, []));
    servers.set(
      replicaPort,
      await startRedisServer(replicaPort, dir, ['--replicaof', '127.0.0.1', String(masterPort)]),
    );
    await Promise.all(
      sentinelPorts.map(async (port) => {
        const file = join(dir, `sentinel-${port}.conf`);
        writeFileSync(
          file,
          [
            `port ${port}`,
            'bind 127.0.0.1',
            `dir ${dir}`,
            `logfile ${join(dir, `sentinel-${port}.log`)}`,
            `sentinel monitor ${SENTINEL_MASTER_NAME} 127.0.0.1 ${masterPort} 2`,
            `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} ${options.downAfterMs ?? 1_000}`,
            // Sentinel will not fail the same master over again within twice this: keep it short so a
            // second failover in the same test file is not refused.
            `sentinel failover-timeout ${SENTINEL_MASTER_NAME} 3000`,
            `sentinel parallel-syncs ${SENTINEL_MASTER_NAME} 1`,
          ].join('\n'),
        );
        servers.set(port, spawn('redis-server', [file, '--sentinel'], { stdio: 'ignore' }));
        await waitForPing(port);
      }),
    );
    const set = new PrivateSentinelSet(masterPort, replicaPort, sentinelPorts, servers, dir);
    await set.waitForSentinelsToAgree(masterPort);
    return set;
  }

  /** REDIS_SENTINELS for the app. */
  get sentinels(): string {
    return this.sentinelPorts.map((p) => `127.0.0.1:${p}`).join(',');
  }

  /** The master's port according to the first sentinel. */
  async currentMasterPort(): Promise<number | undefined> {
    const client = new Redis(this.sentinelPorts[0], '127.0.0.1', {
      lazyConnect: true,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const reply = (await client.call('SENTINEL', 'get-master-addr-by-name', SENTINEL_MASTER_NAME)) as
        [string, string] | null;
      return reply ? Number(reply[1]) : undefined;
    } catch {
      return undefined;
    } finally {
      client.disconnect();
    }
  }

  /** Every sentinel knows the master, the replica and the other sentinels (ready to fail over). */
  async waitForSentinelsToAgree(masterPort: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ok = await Promise.all(
        this.sentinelPorts.map(async (port) => {
          const client = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null });
          client.on('error', () => undefined);
          try {
            await client.connect();
            const master = (await client.call('SENTINEL', 'master', SENTINEL_MASTER_NAME)) as string[];
            const field = (name: string) => master[master.indexOf(name) + 1];
            return (
              Number(field('port')) === masterPort &&
              Number(field('num-slaves')) >= 1 &&
              Number(field('num-other-sentinels')) >= 2
            );
          } catch {
            return false;
          } finally {
            client.disconnect();
          }
        }),
      );
      if (ok.every(Boolean)) return;
      if (Date.now() > deadline) throw new Error('sentinels did not agree on the master');
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /**
   * A manual failover (`SENTINEL FAILOVER`): the replica is promoted and the old master, still running,
   * becomes its replica. Clients still on it get READONLY for writes until they reconnect.
   */
  async failover(): Promise<void> {
    const client = new Redis(this.sentinelPorts[0], '127.0.0.1', {
      lazyConnect: true,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.call('SENTINEL', 'FAILOVER', SENTINEL_MASTER_NAME);
      this.lastFailoverAt = Date.now();
    } finally {
      client.disconnect();
    }
  }

  /** The replica on `port` streams from its master (link up, no sync in progress). */
  async waitForReplicaLink(port: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const client = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null });
      client.on('error', () => undefined);
      try {
        await client.connect();
        const info = await client.info('replication');
        if (/master_link_status:up/.test(info) && /master_sync_in_progress:0/.test(info)) return;
      } catch {
        // not answering yet
      } finally {
        client.disconnect();
      }
      if (Date.now() > deadline) throw new Error(`replica ${port} never caught up with its master`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * Wait out the window in which the sentinels refuse to fail the same master over again (twice the
   * failover-timeout of 3 s after the last failover), so a kill right after a manual failover is
   * acted on at once rather than after a delay the test would misread as not following.
   */
  async waitForFailoverWindow(): Promise<void> {
    const wait = this.lastFailoverAt + 2 * 3_000 + 500 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }

  /** The end of each sentinel's log, for a test's failure message. */
  logTails(lines = 25): string {
    return this.sentinelPorts
      .map((port) => {
        let log: string;
        try {
          log = readFileSync(join(this.dir, `sentinel-${port}.log`), 'utf8');
        } catch {
          log = '(no log)';
        }
        return `--- sentinel ${port}\n${log.trimEnd().split('\n').slice(-lines).join('\n')}`;
      })
      .join('\n');
  }

  /** SIGKILL a data server (the master, to cause a failover). */
  async kill(port: number): Promise<void> {
    const proc = this.servers.get(port);
    if (proc) await stopProcess(proc);
  }

  /** Start a killed data server again, as a replica of `masterPort`. */
  async restartAsReplica(port: number, masterPort: number): Promise<void> {
    await this.kill(port);
    this.servers.set(
      port,
      await startRedisServer(port, this.dir, ['--replicaof', '127.0.0.1', String(masterPort)]),
    );
    await this.waitForReplicaLink(port);
  }

  async destroy(): Promise<void> {
    await Promise.all([...this.servers.values()].map(stopProcess));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
