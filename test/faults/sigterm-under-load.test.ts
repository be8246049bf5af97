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

    const outcomes = { ok: 0, other: 0, writes: 0, failed: [] as string[] };
    // Half the clients write (a Postgres transaction per request, so requests are really in flight
    // when the listener closes), half read.
    const client = async (_: unknown, index: number) => {
      const write = index % 2 === 0;
      while (routable) {
        try {
          const res = write
            ? await fetch(`${api.baseUrl}/v1/events`, {
                method: 'POST',
                headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
                body: JSON.stringify({ userId: `u${index}`, type: 'search', category: 'books' }),
              })
            : await fetch(`${api.baseUrl}/v1/me`, { headers: { 'x-api-key': apiKey } });
          await res.arrayBuffer();
          if (res.status === 200 || res.status === 202) outcomes.ok += 1;
          else outcomes.other += 1;
          if (res.status === 202) outcomes.writes += 1;
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
    // Every write that was answered 202 is in Postgres.
    const [{ n }] = await db.dataSource.query('SELECT count(*)::int AS n FROM user_events');
    expect(n).toBe(outcomes.writes);
  });
});
