// First: tracing must be installed before the modules it instruments load.
import { spanExporter } from '../../../test/support/in-memory-tracing';
import { randomBytes } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateSecret } from '@platform/security';
import {
  createTestDatabase,
  startInProcess,
  testEnv,
  waitFor,
  TEST_ADMIN_TOKEN,
  type RunningApp,
  type TestDatabase,
} from '../../../test/support';

/** The secret the next issued key gets, when a test sets one (otherwise a random one as usual). */
const nextIssued = vi.hoisted(() => ({ secret: undefined as string | undefined }));
vi.mock('@platform/security', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@platform/security')>();
  return {
    ...actual,
    generateApiKey: () => {
      const secret = nextIssued.secret ?? actual.generateApiKey();
      nextIssued.secret = undefined;
      return secret;
    },
  };
});

/**
 * What an auth failure costs in I/O, read from the request's own trace: every Postgres and Redis
 * call the API makes while answering is a child span of the request's trace (requireParentSpan),
 * and the test picks the trace id with `traceparent`.
 */
describe('auth failures: I/O per request (real API, Postgres, Redis; spans in memory)', () => {
  let db: TestDatabase;
  let a: RunningApp;
  let b: RunningApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = testEnv({ DATABASE_URL: db.url });
    a = await startInProcess('api', env);
    b = await startInProcess('api', env); // same Redis prefix: two instances of one deployment
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  /** Calls /v1/me with `key` under a fresh trace; returns the status and the I/O spans of that request. */
  async function traced(api: RunningApp, key: string) {
    const traceId = randomBytes(16).toString('hex');
    const res = await fetch(`${api.baseUrl}/v1/me`, {
      headers: { 'x-api-key': key, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
    });
    await res.arrayBuffer();
    const spans = await waitFor(
      async () => {
        const inTrace = spanExporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
        return inTrace.some((s) => s.kind === SpanKind.SERVER) && inTrace;
      },
      'the request span',
      10_000,
      20,
    );
    return { status: res.status, postgres: spans.filter(isPostgres), redis: spans.filter(isRedis) };
  }

  it('refuses keys that cannot be keys with 401 at once: no Redis, no Postgres', async () => {
    const wellFormed = generateSecret('pk_');
    for (const malformed of [
      'pk_not-a-real-key',
      `sk_${wellFormed.slice(3)}`, // wrong prefix
      `${wellFormed}A`, // too long
      wellFormed.slice(0, -1), // too short
      `${wellFormed.slice(0, -1)}!`, // outside the alphabet
      `pk_${'x'.repeat(300)}`,
    ]) {
      const { status, postgres, redis } = await traced(a, malformed);
      expect(status, malformed).toBe(401);
      expect(names(postgres), malformed).toEqual([]);
      expect(names(redis), malformed).toEqual([]);
    }
  });

  it('a repeated unknown key costs no database query while it is remembered, on any instance', async () => {
    const unknown = generateSecret('pk_');
    const first = await traced(a, unknown);
    expect(first.status).toBe(401);
    expect(first.postgres.length).toBeGreaterThan(0);
    for (const api of [a, a, b, b]) {
      const again = await traced(api, unknown);
      expect(again.status).toBe(401);
      expect(names(again.postgres)).toEqual([]);
    }
  });

  it('a key issued right after its secret was refused works at once on every instance', async () => {
    const secret = generateSecret('pk_');
    expect((await traced(a, secret)).status).toBe(401);
    expect((await traced(b, secret)).status).toBe(401); // both instances now remember it as unknown
    nextIssued.secret = secret;
    const created = await fetch(`${a.baseUrl}/v1/admin/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'just-issued', tier: 'free' }),
    });
    expect(created.status).toBe(201);
    expect(((await created.json()) as { key: string }).key).toBe(secret);
    expect((await traced(b, secret)).status).toBe(200);
    expect((await traced(a, secret)).status).toBe(200);
  });
});

const isPostgres = (s: ReadableSpan) => s.instrumentationScope.name.endsWith('instrumentation-pg');
const isRedis = (s: ReadableSpan) => s.instrumentationScope.name.endsWith('instrumentation-ioredis');
const names = (spans: ReadableSpan[]) => spans.map((s) => s.name);
