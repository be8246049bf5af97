import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from './ports';

/**
 * A private PgBouncer (Debian's `pgbouncer`) in transaction pooling mode on a spare port, in front of
 * a Postgres server (the shared one by default). It refuses unknown startup parameters, as a
 * production PgBouncer does. Runs as the postgres user (PgBouncer will not run as root).
 */
export class PrivatePgBouncer {
  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(options: { upstreamPort?: number; poolSize?: number } = {}): Promise<PrivatePgBouncer> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'pgbouncer-'));
    const owner = postgresUser();
    writeFileSync(join(dir, 'userlist.txt'), '"postgres" ""\n');
    writeFileSync(
      join(dir, 'pgbouncer.ini'),
      [
        '[databases]',
        `* = host=127.0.0.1 port=${options.upstreamPort ?? 5432}`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${port}`,
        'unix_socket_dir =',
        'auth_type = trust',
        `auth_file = ${join(dir, 'userlist.txt')}`,
        'pool_mode = transaction',
        'max_client_conn = 1000',
        // As many server connections per database as the api and worker pools hold directly (20 + 20):
        // fewer would make the pooler, not the topology, the bottleneck of the re-run tests.
        `default_pool_size = ${options.poolSize ?? 40}`,
        `logfile = ${join(dir, 'pgbouncer.log')}`,
        `pidfile = ${join(dir, 'pgbouncer.pid')}`,
        'admin_users = postgres',
      ].join('\n'),
    );
    for (const file of ['', 'userlist.txt', 'pgbouncer.ini'])
      chownSync(join(dir, file), owner.uid, owner.gid);
    const started = spawnSync(
      'runuser',
      ['-u', 'postgres', '--', 'pgbouncer', '-d', join(dir, 'pgbouncer.ini')],
      {
        encoding: 'utf8',
      },
    );
    if (started.status !== 0) throw new Error(`pgbouncer did not start: ${started.stderr || started.stdout}`);
    const bouncer = new PrivatePgBouncer(port, dir);
    await bouncer.waitUntilAnswering();
    return bouncer;
  }

  /** A URL to `database` through the pooler. */
  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  get log(): string {
    return readFileSync(join(this.dir, 'pgbouncer.log'), 'utf8');
  }

  private async waitUntilAnswering(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const client = new Client({ connectionString: this.url('postgres') });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('SELECT 1');
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 100));
      } finally {
        await client.end().catch(() => undefined);
      }
    }
  }

  stop(): void {
    try {
      const pid = Number(readFileSync(join(this.dir, 'pgbouncer.pid'), 'utf8').trim());
      if (pid > 0) process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }

  destroy(): void {
    this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function postgresUser(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}
