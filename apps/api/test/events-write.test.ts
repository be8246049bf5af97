import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '@platform/database';
import {
  createTestDatabase,
  deleteRedisKeys,
  LOCAL_REDIS,
  startInProcess,
  testEnv,
  waitFor,
  type RunningApp,
  type TestDatabase,
} from '../../../test/support';

/** POST /v1/events through the real API: group commit, idempotency keys, a bounded write queue. */
describe('POST /v1/events writes (real API, Postgres, Redis)', () => {
  let db: TestDatabase;
  let api: RunningApp;
  let env: Record<string, string | undefined>;
  let key: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    env = testEnv({ DATABASE_URL: db.url });
    api = await startInProcess('api', env);
    key = (await issueApiKey(db.dataSource, 'writer', 'internal')).key;
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
    await deleteRedisKeys(env?.REDIS_KEY_PREFIX);
  });

  const post = (body: unknown, headers: Record<string, string> = {}, app = api, apiKey = key) =>
    fetch(`${app.baseUrl}/v1/events`, {
      method: 'POST',
      headers: { 'x-api-key': apiKey, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const count = async (sql: string, params: unknown[] = []) =>
    Number((await db.dataSource.query<Array<{ n: string }>>(sql, params))[0].n);
  const metric = async (name: string) => {
    const text = await (await fetch(`${api.baseUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return Number(line?.split(' ')[1] ?? 0);
  };

  it('writes concurrent requests in fewer statements, every one committed with its outbox rows', async () => {
    const statementsBefore = await metric('events_write_batch_requests_count');
    const requests = Array.from({ length: 200 }, (_, i) =>
      post({ userId: `gc-${i % 20}`, type: 'search', category: 'books' }),
    );
    const responses = await Promise.all(requests);
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 202));
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as Array<{ jobIds: string[] }>;
    const jobIds = bodies.flatMap((b) => b.jobIds);
    expect(new Set(jobIds).size).toBe(200);

    expect(await count(`SELECT count(*) AS n FROM user_events WHERE user_id LIKE 'gc-%'`)).toBe(200);
    // Each answer's job id is its outbox row's id, committed before the answer.
    expect(await count(`SELECT count(*) AS n FROM outbox WHERE id = ANY($1::uuid[])`, [jobIds])).toBe(200);
    await waitFor(
      async () =>
        (await count(
          `SELECT count(*) AS n FROM outbox WHERE id = ANY($1::uuid[]) AND dispatched_at IS NULL`,
          [jobIds],
        )) === 0,
      'every outbox row dispatched',
    );
    const statements = (await metric('events_write_batch_requests_count')) - statementsBefore;
    expect(statements).toBeGreaterThan(0);
    expect(statements).toBeLessThan(200);
  });

  it('keeps no write positions when no replica is configured', async () => {
    const redis = new Redis(LOCAL_REDIS);
    try {
      const [, keys] = await redis.scan(
        '0',
        'MATCH',
        `${env.REDIS_KEY_PREFIX}db:write-lsn:*`,
        'COUNT',
        10_000,
      );
      expect(keys).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });

  it('answers a retry with the same Idempotency-Key with the first answer, writing nothing again', async () => {
    const body = { events: [{ userId: 'idem-1', type: 'purchase', category: 'garden' }] };
    const first = await post(body, { 'idempotency-key': 'order-42' });
    expect(first.status).toBe(202);
    const firstBody = await first.json();
    const again = await post(body, { 'idempotency-key': 'order-42' });
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(firstBody);
    expect(await count(`SELECT count(*) AS n FROM user_events WHERE user_id = 'idem-1'`)).toBe(1);

    const other = await post(
      { events: [{ userId: 'idem-1', type: 'search', category: 'garden' }] },
      { 'idempotency-key': 'order-42' },
    );
    expect(other.status).toBe(409);
    expect(await other.json()).toMatchObject({ error: 'idempotency_conflict' });
    expect(await count(`SELECT count(*) AS n FROM user_events WHERE user_id = 'idem-1'`)).toBe(1);
  });

  it('writes once when the same key arrives many times at once', async () => {
    const body = { userId: 'idem-2', type: 'search', category: 'toys' };
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => post(body, { 'idempotency-key': 'burst-1' })),
    );
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 202));
    const bodies = await Promise.all(responses.map((r) => r.json()));
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM user_events WHERE user_id = 'idem-2'`)).toBe(1);
  });

  it('refuses a malformed Idempotency-Key with 400, writing nothing', async () => {
    for (const bad of ['has space', 'x'.repeat(256), 'tab\there']) {
      const res = await post(
        { userId: 'idem-bad', type: 'search', category: 'toys' },
        { 'idempotency-key': bad },
      );
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({
        error: 'validation_failed',
        fields: [{ field: 'headers.idempotency-key' }],
      });
    }
    expect(await count(`SELECT count(*) AS n FROM user_events WHERE user_id = 'idem-bad'`)).toBe(0);
  });

  it('answers 503 + Retry-After when the write queue is full, and writes exactly what it accepted', async () => {
    const small = await startInProcess('api', {
      ...env,
      WRITE_QUEUE_MAX_ROWS: '3',
      WRITE_BATCH_MAX_ROWS: '1',
      WRITE_BATCH_CONCURRENCY: '1',
    });
    try {
      const responses = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          post({ userId: `full-${i}`, type: 'search', category: 'books' }, {}, small),
        ),
      );
      const statuses = responses.map((r) => r.status);
      expect(statuses.every((s) => s === 202 || s === 503)).toBe(true);
      const refusals = await Promise.all(
        responses
          .filter((r) => r.status === 503)
          .map(async (r) => ({
            retryAfter: r.headers.get('retry-after'),
            body: (await r.json()) as { error: string },
          })),
      );
      // (A loaded machine may also shed some as "overloaded": those wrote nothing either.)
      const full = refusals.filter((r) => r.body.error === 'write_queue_full');
      expect(full.length).toBeGreaterThan(0);
      expect(full.every((r) => r.retryAfter === '1')).toBe(true);
      const accepted = statuses.filter((s) => s === 202).length;
      expect(await count(`SELECT count(*) AS n FROM user_events WHERE user_id LIKE 'full-%'`)).toBe(accepted);
    } finally {
      await small.close();
    }
  });
});
