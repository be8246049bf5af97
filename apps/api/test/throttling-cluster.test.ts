import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '@platform/database';
import {
  createTestDatabase,
  spawnApp,
  testEnv,
  type SpawnedApp,
  type TestDatabase,
} from '../../../test/support';

const RATE_PER_MS = 100 / 60_000; // the free tier: 100/min, burst 150
const BURST = 150;

describe('several API processes sharing one Redis (built app; run `npm run build` first)', () => {
  let db: TestDatabase;
  let apps: SpawnedApp[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = testEnv({ DATABASE_URL: db.url }); // one REDIS_KEY_PREFIX: one cluster
    apps = await Promise.all([spawnApp('api', env), spawnApp('api', env), spawnApp('api', env)]);
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await db?.drop();
  });

  it('never admits more for one key than burst + rate × elapsed, summed over every instance', async () => {
    const { key } = await issueApiKey(db.dataSource, 'cluster', 'free');
    const durationMs = 4_000;
    const statuses: number[] = [];
    const started = performance.now();
    const hammer = async (app: SpawnedApp) => {
      while (performance.now() - started < durationMs) {
        const res = await fetch(`${app.baseUrl}/v1/me`, { headers: { 'x-api-key': key } });
        await res.arrayBuffer();
        statuses.push(res.status);
      }
    };
    // Eight connections per instance, all at once.
    await Promise.all(apps.flatMap((app) => Array.from({ length: 8 }, () => hammer(app))));
    const elapsed = performance.now() - started;

    const admitted = statuses.filter((s) => s === 200).length;
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    expect(statuses.length).toBeGreaterThan(admitted); // the limit was actually reached
    expect(admitted).toBeGreaterThanOrEqual(BURST);
    expect(admitted).toBeLessThanOrEqual(Math.floor(BURST + RATE_PER_MS * elapsed));
  });
});
