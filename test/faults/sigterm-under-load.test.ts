import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '@platform/database';
import { createTestDatabase, spawnApp, testEnv, type TestDatabase } from '../support';

/**
 * SIGTERM while 50 clients keep requests in flight. Clients behave like a load balancer: a probe
 * polls /readyz every 100 ms and no new request is sent once it fails. Every request already sent
 * must complete with a response (no connection reset), and the process exits 0.
 */
describe('SIGTERM to the API under load', () => {
  let db: TestDatabase;
  let apiKey: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    apiKey = (await issueApiKey(db.dataSource, 'load', 'internal')).key;
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('completes in-flight requests, resets no connection, exits 0', async () => {
    const api = await spawnApp('api', testEnv({ DATABASE_URL: db.url, SHUTDOWN_DRAIN_DELAY_MS: '1500' }));
    let routable = true;
    const probe = setInterval(() => {
      void fetch(`${api.baseUrl}/readyz`)
        .then((r) => {
          if (r.status !== 200) routable = false;
        })
        .catch(() => (routable = false));
    }, 100);

    const outcomes = { ok: 0, other: 0, failed: [] as string[] };
    const client = async () => {
      while (routable) {
        try {
          const res = await fetch(`${api.baseUrl}/v1/me`, { headers: { 'x-api-key': apiKey } });
          await res.arrayBuffer();
          if (res.status === 200) outcomes.ok += 1;
          else outcomes.other += 1;
        } catch (error) {
          outcomes.failed.push(String((error as { cause?: unknown }).cause ?? error));
        }
      }
    };
    const clients = Array.from({ length: 50 }, client);
    await new Promise((r) => setTimeout(r, 1_000));
    const before = outcomes.ok;
    api.proc.kill('SIGTERM');
    await Promise.all(clients);
    clearInterval(probe);

    expect(before).toBeGreaterThan(100);
    expect(outcomes.failed).toEqual([]);
    expect(outcomes.other).toBe(0);
    expect(await api.exited).toBe(0);
  });
});
