import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  deleteRedisKeys,
  startInProcess,
  testEnv,
  type RunningApp,
  type TestDatabase,
} from '../../../test/support';

const CLI = resolve(__dirname, '../../../dist/apps/api/src/admin-cli.js');
const run = promisify(execFile);

/**
 * The built admin CLI, run as an operator runs it, against the database and Redis a live API uses:
 * what it does must show on that API at once (same services, same cache invalidation).
 */
describe('admin CLI', () => {
  let db: TestDatabase;
  let api: RunningApp;
  let env: Record<string, string | undefined>;

  beforeAll(async () => {
    db = await createTestDatabase();
    env = testEnv({
      DATABASE_URL: db.url,
    });
    api = await startInProcess('api', env);
  });
  afterAll(async () => {
    await api?.close();
    await deleteRedisKeys(env.REDIS_KEY_PREFIX);
    await db?.drop();
  });

  async function admin(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env, timeout: 30_000 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }

  const me = (key: string) => fetch(`${api.baseUrl}/v1/me`, { headers: { 'x-api-key': key } });

  it('keys create --tier pro prints a key the API accepts; keys revoke makes the API refuse it at once', async () => {
    const created = await admin('keys', 'create', '--tier', 'pro', '--name', 'ops');
    expect(created.code, created.stderr).toBe(0);
    const key = JSON.parse(created.stdout) as { id: string; key: string; tier: string; name: string };
    expect(key).toMatchObject({ tier: 'pro', name: 'ops', key: expect.stringMatching(/^pk_/) });

    const before = await me(key.key);
    expect(before.status).toBe(200);
    expect(await before.json()).toMatchObject({ tier: { name: 'pro' } });

    const revoked = await admin('keys', 'revoke', key.id);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(JSON.parse(revoked.stdout)).toEqual({ id: key.id, revoked: true });
    // The API had the key cached; the CLI's invalidation reached it through Redis.
    expect((await me(key.key)).status).toBe(401);

    const again = await admin('keys', 'revoke', key.id);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stderr)).toMatchObject({ error: 'api_key_not_found' });
  }, 120_000);

  it('tiers set changes some limits of a tier, and a running API uses them at once', async () => {
    const { stdout } = await admin('keys', 'create', '--tier', 'free');
    const { key } = JSON.parse(stdout) as { key: string };
    expect((await me(key)).headers.get('ratelimit-limit')).toBe('150');

    const set = await admin('tiers', 'set', 'free', '--burst', '7', '--max-batch', '3');
    expect(set.code, set.stderr).toBe(0);
    expect(JSON.parse(set.stdout)).toEqual({
      name: 'free',
      ratePerMinute: 100,
      burst: 7,
      defaultPriority: 'normal',
      maxBatch: 3,
    });
    expect((await me(key)).headers.get('ratelimit-limit')).toBe('7');
    const got = await admin('tiers', 'get', 'free');
    expect(JSON.parse(got.stdout)).toMatchObject({ burst: 7, maxBatch: 3 });

    const created = await admin(
      'tiers',
      'set',
      'gold',
      '--rate-per-minute',
      '5000',
      '--burst',
      '6000',
      '--default-priority',
      'critical',
      '--max-batch',
      '800',
    );
    expect(created.code, created.stderr).toBe(0);
    expect((await admin('keys', 'create', '--tier', 'gold')).code).toBe(0);
  }, 120_000);

  it('refuses bad usage with exit code 2 and unknown tiers with 1, changing nothing', async () => {
    const count = async () =>
      JSON.stringify(
        await db.dataSource.query(
          `SELECT (SELECT count(*) FROM api_keys) AS keys, (SELECT json_agg(t ORDER BY name) FROM tiers t) AS tiers`,
        ),
      );
    const before = await count();
    // Every parsing rule is in admin-commands.spec.ts; here, one of each outcome through the real process.
    const cases: Array<[string[], number, RegExp]> = [
      [[], 2, /Usage: npm run -s admin/],
      [['keys', 'frob'], 2, /unknown command: keys frob/],
      [['keys', 'revoke', 'not-a-uuid'], 2, /<id>: Invalid UUID/],
      [['tiers', 'set', 'free', '--burst', 'lots'], 2, /--burst/],
      [['keys', 'create', '--tier', 'nope'], 1, /tier_not_found/],
      [['tiers', 'set', 'platinum', '--burst', '5'], 2, /a new tier needs --rate-per-minute/],
      [['tiers', 'get', 'nope'], 1, /tier_not_found/],
    ];
    for (const [args, code, message] of cases) {
      const result = await admin(...args);
      expect(result.code, args.join(' ')).toBe(code);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stdout, args.join(' ')).toBe('');
    }
    expect(await count()).toBe(before);
  }, 120_000);
});
