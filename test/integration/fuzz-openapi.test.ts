import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '@platform/database';
import {
  createTestDatabase,
  startInProcess,
  testEnv,
  TEST_ADMIN_TOKEN,
  type RunningApp,
  type TestDatabase,
} from '../support';

/**
 * Generated bad input for every operation in the live OpenAPI document: random path params, query
 * strings, bodies (valid-shaped with wrong types, unknown and prototype-polluting keys, huge values,
 * odd unicode) and content types. Invariants: never a 5xx; every 4xx is the JSON error envelope; a
 * rejected request writes nothing.
 */
const RUNS = 10_000;

interface Operation {
  method: string;
  path: string;
  pathParams: string[];
  queryParams: string[];
  bodyKeys: string[];
  hasBody: boolean;
}

const weirdString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '__proto__',
    'constructor',
    '../../etc/passwd',
    '%00',
    '\u0000',
    'NaN',
    '-1',
    '1e309',
    '🙂'.repeat(50),
    'a'.repeat(5000),
  ),
  fc.uuid(),
  fc.integer().map(String),
);
const jsonish = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  weirdString,
  fc.constantFrom(null, -1, 0, 1e308, Number.NaN, true),
);

function operationsFrom(doc: {
  paths: Record<string, Record<string, Record<string, unknown>>>;
}): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = (op.parameters as Array<{ name: string; in: string }> | undefined) ?? [];
      const schema = (
        op.requestBody as { content?: Record<string, { schema?: { properties?: object } }> } | undefined
      )?.content?.['application/json']?.schema;
      ops.push({
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: params.filter((p) => p.in === 'query').map((p) => p.name),
        bodyKeys: Object.keys(schema?.properties ?? {}),
        hasBody: Boolean(op.requestBody),
      });
    }
  }
  return ops;
}

describe('generated bad input over the OpenAPI document', () => {
  let db: TestDatabase;
  let api: RunningApp;
  let apiKey: string;
  let operations: Operation[];
  let countAll: () => Promise<string>;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startInProcess(
      'api',
      testEnv({
        DATABASE_URL: db.url,
        // Generous limits so the fuzzer reaches validation instead of being rate limited throughout.
        THROTTLE_ANONYMOUS_PER_MINUTE: '1000000',
        THROTTLE_ANONYMOUS_BURST: '1000000',
        THROTTLE_AUTH_FAILURES_PER_MINUTE: '1000000',
        THROTTLE_AUTH_FAILURES_BURST: '1000000',
      }),
    );
    apiKey = (await issueApiKey(db.dataSource, 'fuzz', 'internal')).key;
    const doc = (await (await fetch(`${api.baseUrl}/docs-json`)).json()) as Parameters<
      typeof operationsFrom
    >[0];
    operations = operationsFrom(doc);
    const tables = (
      await db.dataSource.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)
    ).map((r: { tablename: string }) => r.tablename);
    const sql = `SELECT ${tables.map((t: string) => `(SELECT count(*) FROM "${t}") AS "${t}"`).join(', ')}`;
    countAll = async () => JSON.stringify((await db.dataSource.query(sql))[0]);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('covers the documented routes', () => {
    expect(operations.length).toBeGreaterThanOrEqual(6);
  });

  it(`answers ${RUNS} generated requests with no 5xx, JSON 4xx bodies, and no writes on rejection`, async () => {
    const seen = new Map<string, number>();
    const request = fc.record({
      opIndex: fc.nat(),
      auth: fc.constantFrom('none', 'key', 'bad-key', 'admin', 'bearer-key'),
      params: fc.array(weirdString, { minLength: 4, maxLength: 4 }),
      query: fc.dictionary(fc.constantFrom('user_ids', 'limit', 'x', '__proto__'), weirdString, {
        maxKeys: 3,
      }),
      bodyValues: fc.array(jsonish, { minLength: 6, maxLength: 6 }),
      extraKeys: fc.dictionary(
        fc.constantFrom('extra', '__proto__', 'constructor', 'events', 'id'),
        jsonish,
        { maxKeys: 2 },
      ),
      bodyKind: fc.constantFrom('shaped', 'shaped', 'arbitrary', 'raw', 'none', 'array'),
      contentType: fc.constantFrom(
        'application/json',
        'application/json',
        'application/json',
        'text/plain',
        'application/x-www-form-urlencoded',
        undefined,
      ),
      raw: fc.constantFrom(
        '{',
        '{"a":',
        '[1,2',
        '{"__proto__":{"x":1}}',
        '{"constructor":{"prototype":{}}}',
        'null',
        '"str"',
        '\u0000',
      ),
    });

    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const op = operations[r.opIndex % operations.length];
        let path = op.path;
        op.pathParams.forEach((name, i) => {
          path = path.replace(`{${name}}`, encodeURIComponent(r.params[i] ?? 'x'));
        });
        const search = new URLSearchParams(Object.entries(r.query)).toString();
        const headers: Record<string, string> = {};
        if (r.auth === 'key') headers['x-api-key'] = apiKey;
        if (r.auth === 'bearer-key') headers.authorization = `Bearer ${apiKey}`;
        if (r.auth === 'bad-key') headers['x-api-key'] = 'pk_wrong';
        if (r.auth === 'admin') headers.authorization = `Bearer ${TEST_ADMIN_TOKEN}`;
        let body: string | undefined;
        if (op.method !== 'GET' && r.bodyKind !== 'none') {
          if (r.bodyKind === 'raw') body = r.raw;
          else if (r.bodyKind === 'array') body = JSON.stringify([r.bodyValues[0]]);
          else if (r.bodyKind === 'arbitrary') body = JSON.stringify(r.bodyValues[0]) ?? 'null';
          else {
            const shaped: Record<string, unknown> = {};
            op.bodyKeys.forEach((k, i) => (shaped[k] = r.bodyValues[i % r.bodyValues.length]));
            // JSON text keeps "__proto__" as a real key, as an attacker would send it.
            const extra = Object.entries(r.extraKeys).map(
              ([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`,
            );
            const base = JSON.stringify(shaped);
            body = extra.length
              ? `${base.slice(0, -1)}${base.length > 2 ? ',' : ''}${extra.join(',')}}`
              : base;
          }
          if (r.contentType) headers['content-type'] = r.contentType;
        }

        const before = await countAll();
        const res = await fetch(`${api.baseUrl}${path}${search ? `?${search}` : ''}`, {
          method: op.method,
          headers,
          body,
        });
        const text = await res.text();
        const outcome =
          res.status >= 400
            ? `${res.status} ${(JSON.parse(text) as { error: string }).error}`
            : String(res.status);
        seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
        const context = `${op.method} ${path}?${search} ${body?.slice(0, 200)} -> ${res.status} ${text.slice(0, 300)}`;
        expect(res.status, context).toBeLessThan(500);
        if (res.status >= 400) {
          expect(res.headers.get('content-type'), context).toMatch(/application\/json/);
          const error = JSON.parse(text) as {
            error?: unknown;
            message?: unknown;
            requestId?: unknown;
            fields?: unknown;
          };
          expect(typeof error.error, context).toBe('string');
          expect(typeof error.message, context).toBe('string');
          expect(error.requestId, context).toBe(res.headers.get('x-request-id'));
          if (error.error === 'validation_failed') expect(Array.isArray(error.fields), context).toBe(true);
          expect(await countAll(), context).toBe(before);
        }
      }),
      { numRuns: RUNS },
    );
    // The generator must reach past the door: auth failures, validation, media types and successes all occur.
    const outcomes = [...seen.keys()];
    for (const expected of [
      '401 unauthorized',
      '400 validation_failed',
      '415 unsupported_media_type',
      '400 invalid_json',
    ]) {
      expect(outcomes, JSON.stringify([...seen])).toContain(expected);
    }
    expect(outcomes.some((o) => o.startsWith('2'))).toBe(true);
  }, 900_000);
});
