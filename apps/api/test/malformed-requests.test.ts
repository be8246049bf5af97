import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '@platform/database';
import {
  createTestDatabase,
  startInProcess,
  testEnv,
  type RunningApp,
  type TestDatabase,
} from '../../../test/support';

interface Case {
  name: string;
  method: string;
  path: string;
  body?: string;
  contentType?: string;
  status: number;
  /** A field the error must name (validation errors). */
  field?: string;
}

const ok = { userId: 'u1', type: 'search', category: 'books' };
const json = (v: unknown) => JSON.stringify(v);
const long = 'x'.repeat(65);

/** For every domain route: malformed input gets a 4xx JSON error naming the fields, and writes nothing. */
const CASES: Case[] = [
  // POST /v1/events
  {
    name: 'event: wrong type',
    method: 'POST',
    path: '/v1/events',
    body: json({ ...ok, type: 'click' }),
    status: 400,
    field: 'body.type',
  },
  {
    name: 'event: number as userId',
    method: 'POST',
    path: '/v1/events',
    body: json({ ...ok, userId: 42 }),
    status: 400,
    field: 'body.userId',
  },
  {
    name: 'event: missing category',
    method: 'POST',
    path: '/v1/events',
    body: json({ userId: 'u1', type: 'search' }),
    status: 400,
    field: 'body.category',
  },
  {
    name: 'event: unknown field',
    method: 'POST',
    path: '/v1/events',
    body: json({ ...ok, admin: true }),
    status: 400,
    field: 'body',
  },
  {
    name: 'event: overlong userId',
    method: 'POST',
    path: '/v1/events',
    body: json({ ...ok, userId: long }),
    status: 400,
    field: 'body.userId',
  },
  {
    name: 'event: zero-width category',
    method: 'POST',
    path: '/v1/events',
    body: json({ ...ok, category: 'bo\u200bok' }),
    status: 400,
    field: 'body.category',
  },
  {
    name: 'event: control char category',
    method: 'POST',
    path: '/v1/events',
    body: json({ ...ok, category: 'a\u0007' }),
    status: 400,
    field: 'body.category',
  },
  {
    name: 'event: future time',
    method: 'POST',
    path: '/v1/events',
    body: json({ ...ok, occurredAt: '2999-01-01T00:00:00Z' }),
    status: 400,
    field: 'body.occurredAt',
  },
  {
    name: 'event: NaN time',
    method: 'POST',
    path: '/v1/events',
    body: json({ ...ok, occurredAt: 'NaN' }),
    status: 400,
    field: 'body.occurredAt',
  },
  {
    name: 'event: __proto__ key',
    method: 'POST',
    path: '/v1/events',
    body: '{"userId":"u1","type":"search","category":"b","__proto__":{"x":1}}',
    status: 400,
  },
  {
    name: 'events: empty batch',
    method: 'POST',
    path: '/v1/events',
    body: json({ events: [] }),
    status: 400,
    field: 'body.events',
  },
  {
    name: 'events: over tier max',
    method: 'POST',
    path: '/v1/events',
    body: json({ events: Array(101).fill(ok) }),
    status: 400,
    field: 'body.events',
  },
  {
    name: 'events: one bad in batch',
    method: 'POST',
    path: '/v1/events',
    body: json({ events: [ok, { ...ok, type: 1 }] }),
    status: 400,
    field: 'body.events.1.type',
  },
  {
    name: 'events: text/plain',
    method: 'POST',
    path: '/v1/events',
    body: json(ok),
    contentType: 'text/plain',
    status: 415,
  },
  {
    name: 'events: form body',
    method: 'POST',
    path: '/v1/events',
    body: 'userId=u1',
    contentType: 'application/x-www-form-urlencoded',
    status: 415,
  },
  { name: 'events: broken JSON', method: 'POST', path: '/v1/events', body: '{"userId":', status: 400 },
  {
    name: 'events: array body',
    method: 'POST',
    path: '/v1/events',
    body: json([ok]),
    status: 400,
    field: 'body',
  },
  // recommendations
  {
    name: 'recs: overlong id',
    method: 'GET',
    path: `/v1/users/${long}/recommendations`,
    status: 400,
    field: 'params.userId',
  },
  {
    name: 'recs: odd unicode id',
    method: 'GET',
    path: `/v1/users/${encodeURIComponent('ü💥')}/recommendations`,
    status: 400,
    field: 'params.userId',
  },
  {
    name: 'recs: negative looking id ok but spaces not',
    method: 'GET',
    path: '/v1/users/%20-1/recommendations',
    status: 400,
    field: 'params.userId',
  },
  {
    name: 'batch: missing ids',
    method: 'GET',
    path: '/v1/recommendations',
    status: 400,
    field: 'query.user_ids',
  },
  {
    name: 'batch: empty id',
    method: 'GET',
    path: '/v1/recommendations?user_ids=a,,b',
    status: 400,
    field: 'query.user_ids.1',
  },
  {
    name: 'batch: unknown param',
    method: 'GET',
    path: '/v1/recommendations?user_ids=a&limit=5',
    status: 400,
    field: 'query',
  },
  {
    name: 'batch: too many ids',
    method: 'GET',
    path: `/v1/recommendations?user_ids=${Array.from({ length: 101 }, (_, i) => `u${i}`).join(',')}`,
    status: 400,
    field: 'query.user_ids',
  },
  {
    name: 'invalidate: bad id',
    method: 'POST',
    path: `/v1/users/${encodeURIComponent('a b')}/recommendations/invalidate`,
    status: 400,
    field: 'params.userId',
  },
  // webhooks
  {
    name: 'webhook: not a url',
    method: 'POST',
    path: '/v1/webhooks',
    body: json({ url: 'nope', events: ['recommendations.updated'] }),
    status: 400,
    field: 'body.url',
  },
  {
    name: 'webhook: events not array',
    method: 'POST',
    path: '/v1/webhooks',
    body: json({ url: 'https://a.example', events: 'recommendations.updated' }),
    status: 400,
    field: 'body.events',
  },
  {
    name: 'webhook: delete bad id',
    method: 'DELETE',
    path: '/v1/webhooks/123',
    status: 400,
    field: 'params.id',
  },
  // jobs
  {
    name: 'job: unknown type',
    method: 'POST',
    path: '/v1/jobs',
    body: json({ type: 'rm.rf', payload: {} }),
    status: 400,
    field: 'body.type',
  },
  {
    name: 'job: internal type',
    method: 'POST',
    path: '/v1/jobs',
    body: json({ type: 'recommendations.recompute', payload: { userId: 'u1' } }),
    status: 400,
    field: 'body.type',
  },
  {
    name: 'job: bad priority',
    method: 'POST',
    path: '/v1/jobs',
    body: json({ type: 'digest.compute', payload: { text: 'a' }, priority: 'urgent' }),
    status: 400,
    field: 'body.priority',
  },
  {
    name: 'job: negative delay',
    method: 'POST',
    path: '/v1/jobs',
    body: json({ type: 'digest.compute', payload: { text: 'a' }, delayMs: -1 }),
    status: 400,
    field: 'body.delayMs',
  },
  {
    name: 'job: bad payload',
    method: 'POST',
    path: '/v1/jobs',
    body: json({ type: 'digest.compute', payload: { text: 5 } }),
    status: 400,
    field: 'body.payload.text',
  },
  { name: 'job: get unknown id', method: 'GET', path: '/v1/jobs/not-a-uuid', status: 404 },
];

describe('malformed requests, route by route', () => {
  let db: TestDatabase;
  let api: RunningApp;
  let key: string;
  const counts = async () =>
    JSON.stringify(
      await db.dataSource.query(
        `SELECT (SELECT count(*) FROM user_events) e, (SELECT count(*) FROM outbox) o,
                (SELECT count(*) FROM webhook_subscriptions) w, (SELECT count(*) FROM recommendations) r`,
      ),
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startInProcess('api', testEnv({ DATABASE_URL: db.url }));
    key = (await issueApiKey(db.dataSource, 'm', 'free')).key;
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it.each(CASES)('$name → $status', async (c) => {
    const before = await counts();
    const res = await fetch(`${api.baseUrl}${c.path}`, {
      method: c.method,
      headers: {
        'x-api-key': key,
        ...(c.body !== undefined ? { 'content-type': c.contentType ?? 'application/json' } : {}),
      },
      body: c.body,
    });
    const text = await res.text();
    expect(res.status, text).toBe(c.status);
    const error = JSON.parse(text) as {
      error: string;
      message: string;
      requestId: string;
      fields?: Array<{ field: string }>;
    };
    expect(error).toMatchObject({
      error: expect.any(String),
      message: expect.any(String),
      requestId: expect.any(String),
    });
    if (c.field)
      expect(
        error.fields?.map((f) => f.field),
        text,
      ).toContain(c.field);
    expect(await counts()).toBe(before);
  });
});
