import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { loadConfig } from '@platform/config';
import {
  ensureDatabase,
  issueApiKey,
  postgresOptions,
  runMigrations,
  seedDefaultTiers,
} from '@platform/database';
import { PrivatePostgres, spawnApp, testEnv, TEST_ADMIN_TOKEN, type SpawnedApp } from '../support';

/**
 * The primary stops under steady traffic: readiness fails within 5 s, writes are answered 503 within
 * 1 s (never hang, never 500), the process survives, and everything recovers when it returns.
 */
describe('primary stopped under load', () => {
  let pg: PrivatePostgres;
  let api: SpawnedApp;
  let apiKey: string;

  beforeAll(async () => {
    pg = await PrivatePostgres.start();
    const url = `${pg.url}/platform`;
    const config = loadConfig({ DATABASE_URL: url });
    await ensureDatabase(url);
    await runMigrations(config);
    const ds = new DataSource({ ...postgresOptions(config, url, 'fault-test'), poolSize: 1 });
    await ds.initialize();
    await seedDefaultTiers(ds);
    apiKey = (await issueApiKey(ds, 'fault', 'internal')).key;
    await ds.destroy();
    api = await spawnApp('api', testEnv({ DATABASE_URL: url, DB_ACQUIRE_TIMEOUT_MS: '500' }));
  });
  afterAll(async () => {
    await api?.stop();
    pg?.destroy();
  });

  const write = async () => {
    const started = Date.now();
    const res = await fetch(`${api.baseUrl}/v1/admin/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'during-fault', tier: 'free' }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await res.json()) as { error?: string };
    return { status: res.status, ms: Date.now() - started, error: body.error };
  };
  const ready = async () =>
    (await fetch(`${api.baseUrl}/readyz`, { signal: AbortSignal.timeout(5_000) })).status;

  it('fails readiness, answers writes with fast 503s, survives, and recovers', async () => {
    // Steady traffic before the fault.
    for (let i = 0; i < 20; i += 1) expect((await write()).status).toBe(201);
    expect(await ready()).toBe(200);
    const reads = setInterval(
      () => void fetch(`${api.baseUrl}/v1/me`, { headers: { 'x-api-key': apiKey } }).catch(() => undefined),
      20,
    );

    pg.stop();
    const stoppedAt = Date.now();
    let readinessFailedAfter = Infinity;
    const outageWrites: Array<{ status: number; ms: number; error?: string }> = [];
    while (Date.now() - stoppedAt < 6_000) {
      if (readinessFailedAfter === Infinity && (await ready()) === 503)
        readinessFailedAfter = Date.now() - stoppedAt;
      outageWrites.push(await write());
    }
    expect(readinessFailedAfter).toBeLessThanOrEqual(5_000);
    expect(outageWrites.length).toBeGreaterThan(3);
    for (const w of outageWrites) {
      expect(w.status, JSON.stringify(w)).toBe(503);
      expect(w.error).toMatch(/^database_(unavailable|busy)$/);
      expect(w.ms, JSON.stringify(w)).toBeLessThanOrEqual(1_000);
    }
    expect(api.proc.exitCode).toBeNull();

    pg.resume();
    const restartedAt = Date.now();
    let recovered = false;
    while (!recovered && Date.now() - restartedAt < 15_000) {
      recovered = (await ready()) === 200 && (await write()).status === 201;
      if (!recovered) await new Promise((r) => setTimeout(r, 200));
    }
    clearInterval(reads);
    expect(recovered).toBe(true);
    expect(api.output()).not.toMatch(/"status":500/);
  });
});
