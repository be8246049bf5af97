import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from 'pg';
import { currentEnv } from '@platform/config';
import { freePort } from '../support';
import { repoPath, run } from './deployment-support';

/** Debian keeps the server binaries per major version; use the newest installed. */
const PG_BIN = `/usr/lib/postgresql/${
  readdirSync('/usr/lib/postgresql')
    .map(Number)
    .sort((a, b) => b - a)[0]
}/bin`;
const REPLICATION_PASSWORD = 'replica-test-password';

/**
 * The compose replica for real, without Docker: a private primary (initdb on a spare port) set up by
 * deploy/postgres/primary-init.sh, then deploy/postgres/replica-entrypoint.sh cloning it. Two shims stand
 * in for what the postgres image provides: `gosu` (run as a user) and `docker-entrypoint.sh` (start
 * postgres on the existing data directory). Needs root (to act as the postgres user), like the compose
 * containers' entrypoints.
 */
describe('compose replica scripts: primary-init.sh + replica-entrypoint.sh make a streaming standby', () => {
  const dir = mkdtempSync(join(tmpdir(), 'replica-'));
  const primaryData = join(dir, 'primary');
  const replicaData = join(dir, 'replica');
  const sockets = join(dir, 'sockets');
  const shims = join(dir, 'bin');
  let primaryPort = 0;
  let replicaPort = 0;
  let replica: ChildProcess | undefined;
  let replicaOutput = '';

  const asPostgres = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    run('runuser', ['-u', 'postgres', '--', ...args], { env: { ...currentEnv(), ...env } });
  const connect = async (port: number) => {
    const client = new Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
    await client.connect();
    return client;
  };

  beforeAll(async () => {
    chmodSync(dir, 0o755);
    for (const d of [primaryData, sockets, shims]) mkdirSync(d);
    chownSync(primaryData, uidOf('postgres'), gidOf('postgres'));
    chownSync(sockets, uidOf('postgres'), gidOf('postgres'));
    primaryPort = await freePort();
    replicaPort = await freePort();

    const init = asPostgres([
      `${PG_BIN}/initdb`,
      '-D',
      primaryData,
      '-U',
      'postgres',
      '--auth-local=trust',
      '--auth-host=trust',
    ]);
    expect(init.status, init.stderr).toBe(0);
    const start = asPostgres([
      `${PG_BIN}/pg_ctl`,
      '-D',
      primaryData,
      '-l',
      join(sockets, 'primary.log'),
      '-w',
      '-o',
      `-p ${primaryPort} -k ${sockets} -c listen_addresses=127.0.0.1 -c wal_level=replica -c max_wal_senders=5`,
      'start',
    ]);
    expect(start.status, start.stderr + start.stdout).toBe(0);

    // "all" never matches replication connections, so the line primary-init.sh appends decides them.
    const hba = join(primaryData, 'pg_hba.conf');
    writeFileSync(hba, 'local all all trust\nhost all all 127.0.0.1/32 trust\n');
    const initScript = asPostgres(['bash', repoPath('deploy/postgres/primary-init.sh')], {
      PGDATA: primaryData,
      POSTGRES_USER: 'postgres',
      PGHOST: sockets,
      PGPORT: String(primaryPort),
      REPLICATION_PASSWORD,
    });
    expect(initScript.status, initScript.stderr).toBe(0);
    expect(asPostgres([`${PG_BIN}/pg_ctl`, '-D', primaryData, 'reload']).status).toBe(0);

    writeFileSync(join(shims, 'gosu'), '#!/bin/sh\nuser="$1"; shift\nexec runuser -u "$user" -- "$@"\n', {
      mode: 0o755,
    });
    // The image's entrypoint would drop to postgres and exec "postgres ..." on the existing PGDATA.
    writeFileSync(
      join(shims, 'docker-entrypoint.sh'),
      `#!/bin/sh\nshift\nexec runuser -u postgres -- ${PG_BIN}/postgres -D "$PGDATA" -p ${replicaPort} -k ${sockets} -c listen_addresses=127.0.0.1 "$@"\n`,
      { mode: 0o755 },
    );
    replica = spawn('bash', [repoPath('deploy/postgres/replica-entrypoint.sh')], {
      env: {
        ...currentEnv(),
        PATH: `${shims}:${PG_BIN}:${currentEnv().PATH}`,
        PGDATA: replicaData,
        PRIMARY_HOST: '127.0.0.1',
        PRIMARY_PORT: String(primaryPort),
        REPLICATION_PASSWORD,
        REPLICATION_SLOT: 'replica_1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    replica.stdout!.on('data', (d: Buffer) => (replicaOutput += d.toString()));
    replica.stderr!.on('data', (d: Buffer) => (replicaOutput += d.toString()));
  });

  afterAll(async () => {
    if (replica && replica.exitCode === null) {
      asPostgres([`${PG_BIN}/pg_ctl`, '-D', replicaData, '-m', 'immediate', 'stop']);
      replica.kill('SIGKILL');
    }
    asPostgres([`${PG_BIN}/pg_ctl`, '-D', primaryData, '-m', 'immediate', 'stop']);
    rmSync(dir, { recursive: true, force: true });
  });

  it('clones the primary, streams through the slot as a hot standby, and replays new writes', async () => {
    let standby: Client | undefined;
    const deadline = Date.now() + 60_000;
    while (!standby) {
      try {
        standby = await connect(replicaPort);
      } catch {
        if (Date.now() > deadline || replica?.exitCode !== null) {
          throw new Error(`replica did not start:\n${replicaOutput.slice(-3000)}`);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    const primary = await connect(primaryPort);
    try {
      expect((await standby.query('select pg_is_in_recovery() as r')).rows[0].r).toBe(true);
      const senders = await primary.query(
        "select usename, state from pg_stat_replication where usename = 'replicator'",
      );
      const slot = await primary.query(
        "select active from pg_replication_slots where slot_name = 'replica_1'",
      );
      expect(slot.rows).toEqual([{ active: true }]);
      await primary.query('create table replicated (id int)');
      await primary.query('insert into replicated values (42)');
      const until = Date.now() + 10_000;
      let rows: unknown[] = [];
      while (Date.now() < until) {
        rows = await standby
          .query<{ id: number }>('select id from replicated')
          .then((r) => r.rows)
          .catch((): unknown[] => []);
        if (rows.length) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(rows).toEqual([{ id: 42 }]);
      expect(senders.rows).toEqual([{ usename: 'replicator', state: 'streaming' }]);
      // The standby refuses writes.
      await expect(standby.query('insert into replicated values (1)')).rejects.toThrow(/read-only/);
    } finally {
      await standby.end();
      await primary.end();
    }
  });
});

function uidOf(user: string): number {
  return Number(run('id', ['-u', user]).stdout.trim());
}

function gidOf(user: string): number {
  return Number(run('id', ['-g', user]).stdout.trim());
}
