import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runOpenLoop } from './open-loop';

/**
 * The driver against a real local HTTP server that stalls: answers fast, except that every request
 * arriving between 200 and 500 ms after the first is held until 500 ms. Over 4 sockets a closed loop
 * would record only the 4 held requests as slow; an open loop must also count the ones that were due
 * during the stall and could not even be sent. Bounds are one-sided (at least this slow), so a busy
 * machine cannot fail them.
 */
let server: Server | undefined;
afterEach(
  () =>
    new Promise<void>((r) => {
      server?.closeAllConnections();
      return server ? server.close(() => r()) : r();
    }),
);

async function stallingServer(): Promise<string> {
  let first: number | undefined;
  server = createServer((request, response) => {
    const now = performance.now();
    first ??= now;
    const since = now - first;
    const answer = () => {
      const status = request.url === '/throttled' ? 429 : request.url === '/broken' ? 503 : 200;
      response.writeHead(status, { 'content-type': 'application/json' }).end('{"ok":true}');
    };
    if (request.url === '/hang') return; // never answers
    if (since >= 200 && since < 500) setTimeout(answer, 500 - since);
    else answer();
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('runOpenLoop', () => {
  it('measures latency from the intended send time, so requests due during a stall count as slow', async () => {
    const origin = await stallingServer();
    let i = 0;
    const result = await runOpenLoop({
      origin,
      rate: 200,
      durationSeconds: 1,
      connections: 4,
      // Requests 40-99 are due 200-500 ms in, during the stall; the other kinds are before and after it.
      next: () => {
        const index = i++;
        const kind = index < 40 ? 'before' : index < 100 ? 'during' : 'after';
        return { kind, method: 'GET', path: '/', headers: {} };
      },
    });
    expect(result.sent).toBe(200);
    expect(result.ok).toBe(200);
    // Only 4 of the 60 were on a socket when the stall began; the other 56 waited in the client's queue
    // and would look fast if timed from their actual send. From their slot, half waited 150 ms or more.
    // (A busier machine only makes them slower, so these bounds hold under load.)
    expect(result.byKind.during.count).toBe(60);
    expect(result.byKind.during.p50).toBeGreaterThan(140);
    expect(result.byKind.during.max).toBeGreaterThan(250);
    expect(result.latency.p95).toBeGreaterThan(100);
  });

  it('counts 429s apart from errors, per kind', async () => {
    const origin = await stallingServer();
    let i = 0;
    const paths = ['/', '/throttled', '/broken'];
    const result = await runOpenLoop({
      origin,
      rate: 300,
      durationSeconds: 0.1,
      connections: 4,
      next: () => {
        const path = paths[i++ % 3];
        return { kind: path === '/' ? 'read' : 'other', method: 'GET', path, headers: {} };
      },
    });
    expect(result.sent).toBe(30);
    expect(result).toMatchObject({ ok: 10, throttled: 10, errors: 10 });
    expect(result.statusCounts).toEqual({ 200: 10, 429: 10, 503: 10 });
    expect(result.byKind.read).toMatchObject({ count: 10, ok: 10, errors: 0 });
    expect(result.byKind.other).toMatchObject({ count: 20, throttled: 10, errors: 10 });
  });

  it('counts a request with no answer within the timeout as an error, not as a latency', async () => {
    const origin = await stallingServer();
    let i = 0;
    const result = await runOpenLoop({
      origin,
      rate: 100,
      durationSeconds: 0.1,
      connections: 20,
      timeoutMs: 300,
      next: () => ({ kind: 'read', method: 'GET', path: i++ % 2 ? '/hang' : '/', headers: {} }),
    });
    expect(result).toMatchObject({ sent: 10, completed: 5, ok: 5, errors: 5 });
    expect(result.statusCounts).toEqual({ 0: 5, 200: 5 });
    expect(result.latency.count).toBe(5);
  });
});
