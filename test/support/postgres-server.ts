import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';

const BIN = '/usr/lib/postgresql/15/bin';

/**
 * A private Postgres cluster (initdb) on a spare port, owned by the postgres user, so fault tests can
 * stop the "primary" without touching the machine's shared server.
 */
export class PrivatePostgres {
  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<PrivatePostgres> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'pg-primary-'));
    chmodSync(dir, 0o700);
    const { uid, gid } = postgresUser();
    chownSync(dir, uid, gid);
    asPostgres([`${BIN}/initdb`, '-D', dir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    writeFileSync(
      join(dir, 'postgresql.auto.conf'),
      [
        `port = ${port}`,
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${dir}'`,
        'fsync = off',
        '', // a trailing newline: pg_basebackup -R appends to this file
      ].join('\n'),
    );
    chownSync(join(dir, 'postgresql.auto.conf'), uid, gid);
    const pg = new PrivatePostgres(port, dir);
    pg.resume();
    return pg;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}`;
  }

  resume(): void {
    asPostgres([
      `${BIN}/pg_ctl`,
      '-D',
      this.dir,
      '-l',
      join(this.dir, 'server.log'),
      '-w',
      '-t',
      '30',
      'start',
    ]);
  }

  /** An immediate stop: like a crashed or killed primary. */
  stop(): void {
    asPostgres([`${BIN}/pg_ctl`, '-D', this.dir, '-m', 'immediate', '-w', 'stop'], true);
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

function asPostgres(command: string[], tolerateFailure = false): void {
  const result = spawnSync('runuser', ['-u', 'postgres', '--', ...command], { encoding: 'utf8' });
  if (result.status !== 0 && !tolerateFailure) {
    throw new Error(`${command.join(' ')} failed: ${result.stderr || result.stdout}`);
  }
}
