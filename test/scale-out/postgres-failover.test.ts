import { afterEach, describe, expect, it } from 'vitest';
import { Client } from 'pg';
import { loadConfig } from '@platform/config';
import { migrateAndSeed } from '../../scripts/migrate';
import { PgStandby, PrivatePostgres, spawnApp, TEST_ADMIN_TOKEN, testEnv, type SpawnedApp } from '../support';

interface Write {
  name: string;
  status: number;
  startedAt: number;
  ms: number;
  error?: string;
}

/**
 * A private primary and its streaming standby, both listed in DATABASE_URL. Under write load the
 * primary is stopped (immediate: a crash), then the standby is promoted with `pg_ctl promote`. Writes
 * answer 503 (never 500, never a hang) until the app finds the new primary, then resume. Printed: the
 * recovery time after promotion and the RPO, i.e. writes acknowledged before the crash that the new
 * primary does not have, with asynchronous replication and with synchronous_standby_names set.
 */
describe('Postgres primary failover (multi-host DATABASE_URL)', () => {
  let primary: PrivatePostgres | undefined;
  let standby: PgStandby | undefined;
  let api: SpawnedApp | undefined;

  afterEach(async () => {
    await api?.stop();
    primary?.destroy();
    await standby?.remove();
    api = primary = standby = undefined;
  });

  for (const mode of ['asynchronous', 'synchronous'] as const) {
    it(`fails over to the promoted standby (${mode} replication)`, async () => {
      primary = await PrivatePostgres.start();
      const migrateConfig = loadConfig({ DATABASE_URL: `${primary.url}/platform` });
      await migrateAndSeed(migrateConfig, () => undefined);
      standby = await PgStandby.create({ primaryPort: primary.port });
      await standby.waitForDatabase('platform');
      if (mode === 'synchronous') await requireSynchronousStandby(primary.url);

      const hosts = `127.0.0.1:${primary.port},127.0.0.1:${standby.port}`;
      api = await spawnApp(
        'api',
        testEnv({ DATABASE_URL: `postgres://postgres@${hosts}/platform`, DB_ACQUIRE_TIMEOUT_MS: '500' }),
      );
      const writes: Write[] = [];
      let running = true;
      let sequence = 0;
      const writer = async () => {
        while (running) writes.push(await createKey(api!.baseUrl, `w-${(sequence += 1)}`));
      };
      const load = Promise.all(Array.from({ length: 8 }, writer));

      await new Promise((r) => setTimeout(r, 1_500));
      expect(await readiness(api.baseUrl)).toMatchObject({
        status: 200,
        host: `127.0.0.1:${primary.port}/platform`,
      });
      primary.stop();
      const stoppedAt = Date.now();
      await new Promise((r) => setTimeout(r, 2_000)); // no primary at all for a while
      // No host takes writes: this instance cannot serve them, and says so.
      expect((await readiness(api.baseUrl)).status).toBe(503);
      // Measured from the moment `pg_ctl promote` is issued: it returns only after the promotion, and
      // the new primary may already be taking writes by then.
      const promotedAt = Date.now();
      await standby.promote();
      let recoveredAt = 0;
      while (Date.now() - promotedAt < 60_000) {
        const ok = writes.find((w) => w.startedAt >= promotedAt && w.status === 201);
        if (ok) {
          recoveredAt = ok.startedAt + ok.ms;
          break;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 1_000));
      running = false;
      await load;
      // Readiness asks the promoted host, as the pool does (they share the locator).
      expect(await readiness(api.baseUrl)).toMatchObject({
        status: 200,
        host: `127.0.0.1:${standby.port}/platform`,
      });

      const acknowledgedBefore = writes.filter((w) => w.status === 201 && w.startedAt + w.ms < stoppedAt);
      const present = await keyNames(standby.url('platform'));
      const lost = acknowledgedBefore.filter((w) => !present.has(w.name));
      // Between the crash and the promotion there is no primary at all: every write must be refused.
      const noPrimary = writes.filter((w) => w.startedAt >= stoppedAt && w.startedAt + w.ms < promotedAt);
      const afterCrash = writes.filter((w) => w.startedAt >= stoppedAt);
      console.log(
        `postgres failover (${mode}): writes resumed ${recoveredAt - promotedAt} ms after pg_ctl promote was issued ` +
          `(${recoveredAt - stoppedAt} ms after the crash); RPO: ${lost.length} of ` +
          `${acknowledgedBefore.length} writes acknowledged before the crash missing on the new primary; ` +
          `${noPrimary.length} writes with no primary: ${summarize(noPrimary)}`,
      );

      expect(recoveredAt, 'writes resumed').toBeGreaterThan(0);
      expect(recoveredAt - promotedAt).toBeLessThan(30_000);
      expect(noPrimary.length).toBeGreaterThan(3);
      for (const w of noPrimary) expect(w.status, JSON.stringify(w)).toBe(503);
      for (const w of afterCrash.filter((w) => w.status !== 201)) {
        expect(w.status, JSON.stringify(w)).toBe(503);
        expect(w.error).toMatch(/^database_(unavailable|busy)$/);
        expect(w.ms, JSON.stringify(w)).toBeLessThan(3_000);
      }
      expect(writes.filter((w) => w.status !== 201 && w.status !== 503)).toEqual([]);
      if (mode === 'synchronous') expect(lost).toEqual([]);
      expect(api.output()).not.toMatch(/"status":500/);
    });
  }
});

/** /readyz's status and the host its Postgres check asked. */
async function readiness(baseUrl: string): Promise<{ status: number; host?: string }> {
  const res = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(5_000) });
  const body = (await res.json()) as { details: { postgres?: { host?: string } } };
  return { status: res.status, host: body.details.postgres?.host };
}

async function createKey(baseUrl: string, name: string): Promise<Write> {
  const startedAt = Date.now();
  try {
    const res = await fetch(`${baseUrl}/v1/admin/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name, tier: 'free' }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await res.json()) as { error?: string };
    return { name, status: res.status, startedAt, ms: Date.now() - startedAt, error: body.error };
  } catch (error) {
    return { name, status: 0, startedAt, ms: Date.now() - startedAt, error: (error as Error).message };
  }
}

/** synchronous_standby_names = '*': a commit returns only once the standby has it. */
async function requireSynchronousStandby(serverUrl: string): Promise<void> {
  const client = new Client({ connectionString: `${serverUrl}/postgres` });
  await client.connect();
  try {
    await client.query("ALTER SYSTEM SET synchronous_standby_names = '*'");
    await client.query('SELECT pg_reload_conf()');
    const deadline = Date.now() + 15_000;
    for (;;) {
      const { rows } = await client.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_replication WHERE sync_state = 'sync'",
      );
      if (rows[0].n > 0) return;
      if (Date.now() > deadline) throw new Error('the standby never became synchronous');
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await client.end();
  }
}

async function keyNames(url: string): Promise<Set<string>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>('SELECT name FROM api_keys');
    return new Set(rows.map((r) => r.name));
  } finally {
    await client.end();
  }
}

function summarize(writes: Write[]): string {
  const counts = new Map<string, number>();
  for (const w of writes) counts.set(`${w.status}`, (counts.get(`${w.status}`) ?? 0) + 1);
  const ms = writes.map((w) => w.ms).sort((a, b) => a - b);
  return `${[...counts].map(([s, n]) => `${n}x${s}`).join(', ')}; max ${ms[ms.length - 1] ?? 0} ms`;
}
