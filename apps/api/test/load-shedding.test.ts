import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '@platform/database';
import { createTestDatabase, startInProcess, testEnv, type TestDatabase } from '../../../test/support';

describe('load shedding before any work (@fastify/under-pressure)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('heap above LOAD_SHED_MAX_HEAP_USED_BYTES: 503 + Retry-After with the JSON body; probes exempt', async () => {
    const api = await startInProcess(
      'api',
      testEnv({
        DATABASE_URL: db.url,
        LOAD_SHED_MAX_HEAP_USED_BYTES: '1',
        LOAD_SHED_RETRY_AFTER_SECONDS: '3',
      }),
    );
    try {
      const { key } = await issueApiKey(db.dataSource, 'shed', 'free');
      await sleep(700); // the first memory sample
      const res = await fetch(`${api.baseUrl}/v1/me`, { headers: { 'x-api-key': key } });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('3');
      // Shed before auth and throttling: no bucket was touched.
      expect(res.headers.get('ratelimit-limit')).toBeNull();
      expect(await res.json()).toMatchObject({ error: 'overloaded', requestId: expect.any(String) });
      for (const probe of ['/health', '/readyz', '/metrics']) {
        expect((await fetch(`${api.baseUrl}${probe}`)).status).toBe(200);
      }
    } finally {
      await api.close();
    }
  });

  it('event-loop delay above LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS sheds until the loop recovers', async () => {
    const api = await startInProcess(
      'api',
      testEnv({ DATABASE_URL: db.url, LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '100' }),
    );
    try {
      const { key } = await issueApiKey(db.dataSource, 'loop', 'free');
      const call = () => fetch(`${api.baseUrl}/v1/me`, { headers: { 'x-api-key': key } });
      expect((await call()).status).toBe(200);
      let shed = 0;
      for (let attempt = 0; attempt < 3 && shed === 0; attempt += 1) {
        const until = Date.now() + 1_500;
        while (Date.now() < until) {
          // block the event loop this app shares with the test
        }
        const [blocked, probe] = await Promise.all([call(), fetch(`${api.baseUrl}/health`)]);
        expect(probe.status).toBe(200);
        if (blocked.status === 503) shed += 1;
        else expect(blocked.status).toBe(200);
      }
      expect(shed).toBe(1);
      // Once the loop is healthy again (next samples), requests are served.
      await sleep(1_500);
      expect((await call()).status).toBe(200);
    } finally {
      await api.close();
    }
  });
});
