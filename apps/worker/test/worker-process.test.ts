import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, spawnApp, testEnv, waitFor, type TestDatabase } from '../../../test/support';

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
    // Ready once its queue consumers run (they start after Redis and Postgres answered).
    const ready = await waitFor(
      async () => ((await fetch(`${worker.baseUrl}/readyz`)).status === 200 ? true : undefined),
      'worker readiness',
      10_000,
    );
    expect(ready).toBe(true);
    const body = (await (await fetch(`${worker.baseUrl}/readyz`)).json()) as {
      info: Record<string, { status: string }>;
    };
    expect(body.info.workers?.status).toBe('up');
    expect(await (await fetch(`${worker.baseUrl}/metrics`)).text()).toContain(
      'process_cpu_user_seconds_total',
    );
    expect((await fetch(`${worker.baseUrl}/v1/me`)).status).toBe(404);
    expect(await worker.stop('SIGTERM')).toBe(0);
  });
});
