import { afterAll, describe, expect, it } from 'vitest';
import { ProbeConnection } from '../src/replicas/probe-connection';

const PRIMARY_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** The health probes' own connection, against the real Postgres. */
describe('ProbeConnection', () => {
  const probe = new ProbeConnection(PRIMARY_URL, 'probe-connection-test');
  afterAll(() => probe.close());

  it('answers a burst of identical probes with one query, not a queue on the one client', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      const answers = await Promise.all(
        Array.from({ length: 150 }, () =>
          probe.query<{ at: string }>('SELECT clock_timestamp()::text AS at, pg_sleep(0.05)', 1_000),
        ),
      );
      // One execution: every caller holds the same row (clock_timestamp differs per statement).
      expect(new Set(answers.map(([row]) => row.at)).size).toBe(1);
      // The next probe runs anew.
      const [later] = await probe.query<{ at: string }>(
        'SELECT clock_timestamp()::text AS at, pg_sleep(0.05)',
        1_000,
      );
      expect(later.at).not.toBe(answers[0][0].at);
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.includes('already executing a query'))).toEqual([]);
  });

  it('keeps an answer that arrived in time when the event loop was blocked past the deadline', async () => {
    await probe.query('SELECT 1', 1_000); // connected
    const answer = probe.query<{ one: number }>('SELECT 1 AS one', 200);
    // One turn later the query is on the wire. Its answer comes back within milliseconds, but nothing
    // reads it while the loop is busy: after the block, the deadline's timer is due before the socket
    // is read (a plain timer race, as pg's query_timeout, fails it).
    await new Promise<void>((resolve) =>
      setImmediate(() => {
        const blockedUntil = Date.now() + 500;
        while (Date.now() < blockedUntil) {
          // a /metrics burst, a large JSON body: any synchronous work
        }
        resolve();
      }),
    );
    const [row] = await answer;
    expect(row.one).toBe(1);
  });

  it('reports a failure to each caller of that probe, and reconnects for the next', async () => {
    const failures = await Promise.allSettled(
      Array.from({ length: 5 }, () => probe.query('SELECT pg_sleep(0.5)', 100)),
    );
    expect(failures.map((f) => f.status)).toEqual(Array(5).fill('rejected'));
    const [row] = await probe.query<{ one: number }>('SELECT 1 AS one', 1_000);
    expect(row.one).toBe(1);
  });
});
