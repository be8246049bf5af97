import { createServer, type Socket } from 'node:net';
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

  it('fails in time, and closes, against a server that accepts and never answers', async () => {
    // A stopped host behind a live port: it takes the bytes, never answers and never hangs up, so pg's
    // polite end() (goodbye, then wait for the server's close) would wait forever.
    const sockets = new Set<Socket>();
    const silent = createServer({ allowHalfOpen: true }, (socket) => {
      sockets.add(socket.resume().on('close', () => sockets.delete(socket)));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const stalled = new ProbeConnection(`postgres://postgres@127.0.0.1:${port}/postgres`, 'probe-stall-test');
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        const started = Date.now();
        await expect(stalled.query('SELECT 1', 200)).rejects.toThrow(/timed out/);
        // Each probe answers at its deadline; the second is not stuck behind the first's close.
        expect(Date.now() - started).toBeLessThan(1_000);
      }
      // Shutdown during a stalled handshake: the close gives the server a grace to say goodbye, then
      // cuts the socket; the probe waiting on it fails, at the latest at its deadline.
      const pending = stalled.query('SELECT 1', 2_000);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const closing = Date.now();
      await stalled.close();
      expect(Date.now() - closing).toBeLessThan(2_500);
      await expect(pending).rejects.toThrow();
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
