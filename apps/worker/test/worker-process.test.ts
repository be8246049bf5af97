import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, spawnApp, testEnv, type TestDatabase } from '../../../test/support';

describe('worker process', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('serves probes and metrics on its own port, and exits 0 on SIGTERM', async () => {
    const worker = await spawnApp('worker', testEnv({ DATABASE_URL: db.url }));
    const ready = await fetch(`${worker.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await (await fetch(`${worker.baseUrl}/metrics`)).text()).toContain(
      'process_cpu_user_seconds_total',
    );
    expect((await fetch(`${worker.baseUrl}/v1/me`)).status).toBe(404);
    expect(await worker.stop('SIGTERM')).toBe(0);
  });
});
