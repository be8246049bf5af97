import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '@platform/database';
import {
  createTestDatabase,
  freePort,
  spawnApp,
  startInProcess,
  testEnv,
  type RunningApp,
  type TestDatabase,
} from '../../../test/support';

/**
 * What an operator gets with NODE_ENV=production and nothing else set: each default asserted over
 * real HTTP against the real API, and each variable that opens it shown to open it.
 */
describe('production defaults (NODE_ENV=production)', () => {
  let db: TestDatabase;
  let api: RunningApp;
  let metricsPort: number;

  const production = (overrides: Record<string, string> = {}) =>
    testEnv({ NODE_ENV: 'production', DATABASE_URL: db.url, ...overrides });

  beforeAll(async () => {
    db = await createTestDatabase();
    metricsPort = await freePort();
    api = await startInProcess('api', production({ METRICS_PORT: String(metricsPort) }));
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  describe('OpenAPI UI and document', () => {
    it('are not served by default', async () => {
      for (const path of ['/docs', '/docs/', '/docs-json']) {
        expect((await fetch(`${api.baseUrl}${path}`)).status, path).toBe(404);
      }
    });

    it('are served with DOCS_ENABLED=true', async () => {
      const open = await startInProcess('api', production({ DOCS_ENABLED: 'true', METRICS_PORT: '0' }));
      try {
        const ui = await fetch(`${open.baseUrl}/docs`);
        expect(ui.status).toBe(200);
        expect(await ui.text()).toContain('swagger');
        const doc = (await (await fetch(`${open.baseUrl}/docs-json`)).json()) as { openapi: string };
        expect(doc.openapi).toMatch(/^3\./);
      } finally {
        await open.close();
      }
    });
  });

  describe('security headers (@fastify/helmet)', () => {
    it('are on every response: probes, API routes, errors and unknown paths', async () => {
      for (const path of ['/health', '/readyz', '/v1/me', '/no-such-route']) {
        const res = await fetch(`${api.baseUrl}${path}`);
        await res.arrayBuffer();
        const h = res.headers;
        // A JSON API: no content may load and no page may frame it.
        expect(h.get('content-security-policy'), path).toContain("default-src 'none'");
        expect(h.get('content-security-policy'), path).toContain("frame-ancestors 'none'");
        expect(h.get('strict-transport-security'), path).toMatch(/^max-age=\d{7,}/);
        expect(h.get('x-content-type-options'), path).toBe('nosniff');
        expect(h.get('x-frame-options'), path).toBe('DENY');
        expect(h.get('referrer-policy'), path).toBe('no-referrer');
        expect(h.get('cross-origin-opener-policy'), path).toBe('same-origin');
        expect(h.get('x-powered-by'), path).toBeNull();
        // The platform's own headers are still there.
        expect(h.get('x-request-id'), path).toBeTruthy();
      }
    });
  });

  describe('CORS (@fastify/cors)', () => {
    const preflight = (baseUrl: string, origin: string) =>
      fetch(`${baseUrl}/v1/me`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'x-api-key',
        },
      });

    it('is off without CORS_ORIGINS: no Access-Control-Allow-Origin for any origin', async () => {
      const res = await preflight(api.baseUrl, 'https://app.example.com');
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      const get = await fetch(`${api.baseUrl}/health`, { headers: { origin: 'https://app.example.com' } });
      expect(get.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('with CORS_ORIGINS, answers a preflight from a listed origin and nothing to another', async () => {
      const open = await startInProcess(
        'api',
        production({
          CORS_ORIGINS: 'https://app.example.com, https://admin.example.com',
          METRICS_PORT: '0',
        }),
      );
      try {
        const allowed = await preflight(open.baseUrl, 'https://admin.example.com');
        expect(allowed.status).toBe(204);
        expect(allowed.headers.get('access-control-allow-origin')).toBe('https://admin.example.com');
        expect(allowed.headers.get('access-control-allow-methods')).toContain('GET');
        expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-api-key');
        expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
        expect(allowed.headers.get('vary')?.toLowerCase()).toContain('origin');

        const other = await preflight(open.baseUrl, 'https://evil.example.net');
        expect(other.headers.get('access-control-allow-origin')).toBeNull();

        // A simple request from a listed origin can read the platform's response headers.
        const get = await fetch(`${open.baseUrl}/v1/me`, { headers: { origin: 'https://app.example.com' } });
        expect(get.status).toBe(401);
        expect(get.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
        expect(get.headers.get('access-control-expose-headers')?.toLowerCase()).toContain('x-request-id');
        // A cached per-caller read (full pipeline, then the fast path) keeps Vary: Origin beside its own.
        const { key } = await issueApiKey(db.dataSource, 'cors', 'pro');
        for (const expected of ['MISS', 'HIT-L1']) {
          const read = await fetch(`${open.baseUrl}/v1/me`, {
            headers: { 'x-api-key': key, origin: 'https://app.example.com' },
          });
          await read.arrayBuffer();
          expect(read.headers.get('x-cache')).toBe(expected);
          expect(read.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
          const vary = (read.headers.get('vary') ?? '').toLowerCase();
          for (const header of ['origin', 'authorization', 'x-api-key'])
            expect(vary, expected).toContain(header);
        }
        const denied = await fetch(`${open.baseUrl}/v1/me`, {
          headers: { origin: 'https://evil.example.net' },
        });
        expect(denied.headers.get('access-control-allow-origin')).toBeNull();
      } finally {
        await open.close();
      }
    });
  });

  describe('timeouts', () => {
    it('keeps idle connections 72 s by default (above a typical load balancer idle timeout)', async () => {
      const reply = await rawExchange(api.baseUrl, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(reply).toMatch(/^HTTP\/1\.1 200/);
      expect(reply).toMatch(/^keep-alive: timeout=72\r$/im);
    });

    it('request, connection and keep-alive timeouts follow their variables', async () => {
      const tight = await startInProcess(
        'api',
        production({
          HTTP_REQUEST_TIMEOUT_MS: '1000',
          HTTP_CONNECTION_TIMEOUT_MS: '600',
          HTTP_KEEP_ALIVE_TIMEOUT_MS: '2000',
          METRICS_PORT: '0',
        }),
      );
      try {
        // A client that trickles its request (a byte at a time, never silent long enough for the
        // connection timeout) gets 408 once the request timeout passes.
        const slow = await openSocket(tight.baseUrl);
        slow.socket.write('POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n');
        const trickle = setInterval(() => slow.socket.write('X-Slow: 1\r\n'), 200);
        const slowEnd = await slow.closed.finally(() => clearInterval(trickle));
        expect(slowEnd.data).toMatch(/^HTTP\/1\.1 408/);
        expect(slowEnd.afterMs).toBeGreaterThanOrEqual(900);
        expect(slowEnd.afterMs).toBeLessThan(3_000);

        // A connection that sends nothing is closed once the connection timeout passes.
        const silent = await openSocket(tight.baseUrl);
        const silentEnd = await silent.closed;
        expect(silentEnd.data).toBe('');
        expect(silentEnd.afterMs).toBeGreaterThanOrEqual(500);
        expect(silentEnd.afterMs).toBeLessThan(2_000);

        // Between requests the keep-alive timeout applies, not the (shorter) connection timeout.
        const kept = await openSocket(tight.baseUrl);
        kept.socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
        await kept.next();
        expect(kept.data()).toMatch(/^keep-alive: timeout=2\r$/im);
        await new Promise((r) => setTimeout(r, 1_200));
        kept.socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
        await kept.next();
        expect(kept.data().match(/HTTP\/1\.1 200/g)).toHaveLength(2);
        const keptEnd = await kept.closed;
        expect(keptEnd.afterMs).toBeGreaterThanOrEqual(1_200 + 1_800);
      } finally {
        await tight.close();
      }
    });
  });

  describe('/metrics', () => {
    it('is on METRICS_PORT, not on the public port', async () => {
      await fetch(`${api.baseUrl}/health`);
      expect((await fetch(`${api.baseUrl}/metrics`)).status).toBe(404);
      const scrape = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(scrape.status).toBe(200);
      expect(scrape.headers.get('content-type')).toContain('text/plain');
      const text = await scrape.text();
      expect(text).toMatch(/http_server_request_duration_seconds_count\{[^}]*route="\/health"/);
      expect(text).toContain('process_cpu_user_seconds_total');
      // The metrics listener serves metrics only.
      expect((await fetch(`http://127.0.0.1:${metricsPort}/health`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${metricsPort}/v1/me`)).status).toBe(404);
    });

    it('covers every process of an API_PROCESSES cluster on METRICS_PORT', async () => {
      const port = await freePort();
      const app = await spawnApp(
        'api',
        production({ API_PROCESSES: '2', METRICS_PORT: String(port), SHUTDOWN_DRAIN_DELAY_MS: '0' }),
      );
      try {
        const healthCount = async () => {
          const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
          const match =
            /http_server_request_duration_seconds_count\{method="GET",route="\/health",status_code="200"\} (\d+)/.exec(
              text,
            );
          return Number(match?.[1] ?? 0);
        };
        const before = await healthCount();
        for (let i = 0; i < 10; i += 1) expect((await fetch(`${app.baseUrl}/health`)).status).toBe(200);
        for (let i = 0; i < 3; i += 1) expect((await healthCount()) - before).toBe(10);
        expect((await fetch(`${app.baseUrl}/metrics`)).status).toBe(404);
        expect(await app.stop('SIGTERM')).toBe(0);
      } finally {
        await app.stop('SIGKILL');
      }
    });
  });
});

interface OpenSocket {
  socket: Socket;
  data(): string;
  /** Resolves when more data arrives. */
  next(): Promise<void>;
  /** Resolves when the server closes the connection: what it sent, and after how long. */
  closed: Promise<{ data: string; afterMs: number }>;
}

async function openSocket(baseUrl: string): Promise<OpenSocket> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const opened = Date.now();
  let data = '';
  let waiter: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    data += chunk.toString('latin1');
    waiter?.();
  });
  socket.on('error', () => undefined);
  const closed = new Promise<{ data: string; afterMs: number }>((resolve) =>
    socket.once('close', () => resolve({ data, afterMs: Date.now() - opened })),
  );
  return {
    socket,
    data: () => data,
    next: () => new Promise<void>((resolve) => (waiter = resolve)),
    closed,
  };
}

/** One request over a fresh connection; the raw response head and body. */
async function rawExchange(baseUrl: string, request: string): Promise<string> {
  const s = await openSocket(baseUrl);
  s.socket.write(request);
  await s.next();
  s.socket.destroy();
  return s.data();
}
