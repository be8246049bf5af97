import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '@platform/database';
import {
  createTestDatabase,
  startInProcess,
  testEnv,
  type RunningApp,
  type TestDatabase,
} from '../../../test/support';

describe('webhook subscriptions', () => {
  let db: TestDatabase;
  let api: RunningApp;
  let keyA: string;
  let keyB: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startInProcess('api', testEnv({ DATABASE_URL: db.url }));
    keyA = (await issueApiKey(db.dataSource, 'a', 'pro')).key;
    keyB = (await issueApiKey(db.dataSource, 'b', 'pro')).key;
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  const call = (key: string, method: string, path = '', body?: unknown) =>
    fetch(`${api.baseUrl}/v1/webhooks${path}`, {
      method,
      headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('creates a subscription, shows its secret once, and lists it only to its owner', async () => {
    const created = await call(keyA, 'POST', '', {
      url: 'https://hooks.example.com/recs',
      events: ['recommendations.updated'],
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const sub = (await created.json()) as { id: string; secret: string };
    expect(sub.secret).toMatch(/^whsec_/);

    const listA = (await (await call(keyA, 'GET')).json()) as Array<Record<string, unknown>>;
    expect(listA).toHaveLength(1);
    expect(listA[0]).toMatchObject({ id: sub.id, url: 'https://hooks.example.com/recs' });
    expect(listA[0]).not.toHaveProperty('secret');
    expect(await (await call(keyB, 'GET')).json()).toEqual([]);

    expect((await call(keyB, 'DELETE', `/${sub.id}`)).status).toBe(404);
    expect((await call(keyA, 'DELETE', `/${sub.id}`)).status).toBe(204);
    expect(await (await call(keyA, 'GET')).json()).toEqual([]);
  });

  it('refuses private targets, unknown events and malformed bodies, writing nothing', async () => {
    const cases: Array<[unknown, string]> = [
      [{ url: 'http://127.0.0.1:9/x', events: ['recommendations.updated'] }, 'body.url'],
      [{ url: 'http://169.254.169.254/latest', events: ['recommendations.updated'] }, 'body.url'],
      [{ url: 'https://ok.example.com', events: ['user.deleted'] }, 'body.events.0'],
      [{ url: 'https://ok.example.com', events: [] }, 'body.events'],
      [
        { url: 'https://ok.example.com', events: ['recommendations.updated'], secret: 'short' },
        'body.secret',
      ],
      [{ url: 'https://ok.example.com', events: ['recommendations.updated'], extra: true }, 'body'],
    ];
    for (const [body, field] of cases) {
      const res = await call(keyA, 'POST', '', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const error = (await res.json()) as { fields: Array<{ field: string }> };
      expect(error.fields.map((f) => f.field)).toContain(field);
    }
    const rows = await db.dataSource.query(
      'SELECT count(*)::int AS n FROM webhook_subscriptions WHERE deleted_at IS NULL',
    );
    expect(rows[0].n).toBe(0);
  });

  it('in production, refuses http:// targets with a 400 naming the field', async () => {
    const production = await startInProcess(
      'api',
      testEnv({ DATABASE_URL: db.url, NODE_ENV: 'production', SHUTDOWN_DRAIN_DELAY_MS: '0' }),
    );
    try {
      const post = (url: string) =>
        fetch(`${production.baseUrl}/v1/webhooks`, {
          method: 'POST',
          headers: { 'x-api-key': keyB, 'content-type': 'application/json' },
          body: JSON.stringify({ url, events: ['recommendations.updated'] }),
        });
      const refused = await post('http://hooks.example.com/recs');
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({
        error: 'validation_failed',
        message: 'Invalid webhook url: must be https',
        fields: [{ field: 'body.url', message: 'must be https' }],
      });
      const rows = await db.dataSource.query(
        "SELECT count(*)::int AS n FROM webhook_subscriptions WHERE url LIKE 'http:%'",
      );
      expect(rows[0].n).toBe(0);
      expect((await post('https://hooks.example.com/recs')).status).toBe(201);
    } finally {
      await production.close();
    }
    // Outside production (this suite's API) plain http is accepted.
    expect(
      (
        await call(keyB, 'POST', '', {
          url: 'http://hooks.example.com/dev',
          events: ['recommendations.updated'],
        })
      ).status,
    ).toBe(201);
  });
});
