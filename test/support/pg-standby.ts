import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from './ports';
import { randomSuffix } from './test-env';

const run = promisify(execFile);
const SCRIPT = resolve(__dirname, '../../scripts/pg-replica.sh');

/**
 * A real streaming standby of the shared primary (scripts/pg-replica.sh) on a spare port with its own
 * data dir, so test files running at the same time each have their own. `remove()` deletes it.
 */
export class PgStandby {
  private constructor(
    readonly port: number,
    readonly dataDir: string,
  ) {}

  /** A standby of the shared primary, or of a private one (`primaryPort`). */
  static async create(options: { delayMs?: number; primaryPort?: number } = {}): Promise<PgStandby> {
    const primary = options.primaryPort ? ['--primary-port', String(options.primaryPort)] : [];
    for (let attempt = 1; ; attempt++) {
      const standby = new PgStandby(await freePort(), `/tmp/pg-standby-${randomSuffix()}`);
      try {
        await standby.script('create', '--delay-ms', String(options.delayMs ?? 0), ...primary);
        return standby;
      } catch (error) {
        // The base backup shares the primary with every other test running at the same time; its
        // replication stream was seen cut once ("terminating connection due to administrator
        // command"). A second, fresh copy is what an operator would do too.
        if (attempt >= 2 || !/pg_basebackup/.test((error as Error).message)) throw error;
      }
    }
  }

  /** `pg_ctl promote`: the standby becomes a primary (a failover drill). */
  promote(): Promise<void> {
    return this.script('promote');
  }

  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  stop(): Promise<void> {
    return this.script('stop');
  }

  start(): Promise<void> {
    return this.script('start');
  }

  setDelay(ms: number): Promise<void> {
    return this.script('set-delay', '--delay-ms', String(ms));
  }

  remove(): Promise<void> {
    return this.script('remove');
  }

  /** Waits until the standby has replayed the creation of `database` (and the migrations in it). */
  async waitForDatabase(database: string, table = 'api_keys', timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const client = new Client({ connectionString: this.url(database) });
      try {
        await client.connect();
        await client.query(`SELECT 1 FROM ${table} LIMIT 1`);
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 200));
      } finally {
        await client.end().catch(() => undefined);
      }
    }
  }

  private async script(command: string, ...args: string[]): Promise<void> {
    await run('bash', [SCRIPT, command, '--port', String(this.port), '--data-dir', this.dataDir, ...args], {
      timeout: 120_000,
    });
  }
}
