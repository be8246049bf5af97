import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  OPENAPI_DOCUMENT_PATH,
  startInProcess,
  testEnv,
  TEST_ADMIN_TOKEN,
  type RunningApp,
  type TestDatabase,
} from '../../../test/support';

describe('HTTP contract: errors, limits, request ids, metrics, docs', () => {
  let db: TestDatabase;
  let api: RunningApp;
  const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startInProcess('api', testEnv({ DATABASE_URL: db.url, LOG_LEVEL: 'info' }));
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  const post = (body: string | Buffer, contentType = 'application/json') =>
    fetch(`${api.baseUrl}/v1/admin/api-keys`, {
      method: 'POST',
      headers: { ...admin, 'content-type': contentType },
      body,
    });

  async function expectError(res: Response, status: number, code: string) {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      error: code,
      message: expect.any(String),
      requestId: res.headers.get('x-request-id'),
    });
    return body;
  }

  it('answers an oversized body with 413', async () => {
    await expectError(await post(Buffer.alloc(1024 * 1024 + 10, 'a')), 413, 'payload_too_large');
  });

  it('answers a non-JSON body with 415', async () => {
    await expectError(
      await post('name=x', 'application/x-www-form-urlencoded'),
      415,
      'unsupported_media_type',
    );
    await expectError(await post('hello', 'text/plain'), 415, 'unsupported_media_type');
  });

  it('answers malformed JSON with 400', async () => {
    await expectError(await post('{"name": "x",'), 400, 'invalid_json');
  });

  it('rejects prototype-poisoning keys', async () => {
    const res = await post('{"name":"x","tier":"free","__proto__":{"admin":true}}');
    expect(res.status).toBe(400);
  });

  it('answers unknown routes with a JSON 404', async () => {
    await expectError(await fetch(`${api.baseUrl}/v1/nothing-here`), 404, 'not_found');
  });

  it('echoes a caller request id, or generates one, and logs it', async () => {
    const given = await fetch(`${api.baseUrl}/health`, { headers: { 'x-request-id': 'trace-abc.123' } });
    expect(given.headers.get('x-request-id')).toBe('trace-abc.123');
    const generated = await fetch(`${api.baseUrl}/health`, {
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    await new Promise((r) => setTimeout(r, 50));
    expect(api.logs.some((l) => l.includes('"requestId":"trace-abc.123"'))).toBe(true);
  });

  it('never logs credentials', async () => {
    await fetch(`${api.baseUrl}/v1/me`, { headers: { 'x-api-key': 'pk_secret-value-123' } });
    await new Promise((r) => setTimeout(r, 50));
    expect(api.logs.join('\n')).not.toContain('pk_secret-value-123');
    expect(api.logs.join('\n')).not.toContain(TEST_ADMIN_TOKEN);
  });

  it('labels /metrics by route template, never by raw id', async () => {
    const id = '3f6c2a8e-9b1d-4c7e-8a5f-0d2e4b6a8c1e';
    await fetch(`${api.baseUrl}/v1/admin/api-keys/${id}`, { method: 'DELETE', headers: admin });
    await fetch(`${api.baseUrl}/v1/no/such/${id}`);
    const metrics = await (await fetch(`${api.baseUrl}/metrics`)).text();
    expect(metrics).toContain('http_server_request_duration_seconds_bucket');
    expect(metrics).toMatch(/route="\/v1\/admin\/api-keys\/:id",status_code="404"/);
    expect(metrics).toContain('route="unmatched"');
    expect(metrics).not.toContain(id);
    expect(metrics).toContain('process_cpu_user_seconds_total');
  });

  it('serves the OpenAPI document and UI', async () => {
    const doc = (await (await fetch(`${api.baseUrl}/docs-json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/me',
        '/v1/admin/api-keys',
        '/v1/admin/api-keys/{id}',
        '/v1/admin/tiers/{name}',
      ]),
    );
    // The running API serves exactly the committed contract the typed client is generated from.
    expect(doc).toEqual(JSON.parse(readFileSync(OPENAPI_DOCUMENT_PATH, 'utf8')));
    const ui = await fetch(`${api.baseUrl}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });
});
