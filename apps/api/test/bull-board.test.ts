import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdmittedProducer } from '@platform/queue';
import {
  createTestDatabase,
  deleteRedisKeys,
  startInProcess,
  testEnv,
  type RunningApp,
  type TestDatabase,
} from '../../../test/support';

const ARTIFACTS = resolve(__dirname, '../../../test-artifacts');
const USER = 'ops';
const PASSWORD = 'bull-board-password-123';
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('Bull Board at /admin/queues (real API, Redis, headless Chromium)', () => {
  let db: TestDatabase;
  let api: RunningApp;
  let browser: Browser | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startInProcess(
      'api',
      testEnv({ DATABASE_URL: db.url, ADMIN_USER: USER, ADMIN_PASSWORD: PASSWORD }),
    );
    // Something to look at: 7 waiting jobs (no worker runs in this test) and 3 delayed ones.
    const producer = api.app.get(AdmittedProducer);
    await producer.enqueueBulk(
      Array.from({ length: 7 }, (_, i) => ({ name: 'digest.compute' as const, payload: { text: `t${i}` } })),
    );
    await producer.enqueueBulk(
      Array.from({ length: 3 }, () => ({
        name: 'diagnostics.sleep' as const,
        payload: { ms: 1 },
        delayMs: 600_000,
      })),
    );
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await db?.drop();
    await deleteRedisKeys(api?.config.redis.keyPrefix);
  });

  it('refuses the UI and its API without credentials or with wrong ones (401)', async () => {
    for (const path of [
      '/admin/queues',
      '/admin/queues/',
      '/admin/queues/api/queues',
      '/admin/queues/api/queues?activeQueue=jobs',
    ]) {
      const res = await fetch(`${api.baseUrl}${path}`);
      expect(res.status, path).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
      expect(await res.json()).toMatchObject({ error: 'unauthorized' });
      const wrong = await fetch(`${api.baseUrl}${path}`, { headers: { authorization: basic(USER, 'nope') } });
      expect(wrong.status, path).toBe(401);
    }
    // Mutating API routes too.
    const pause = await fetch(`${api.baseUrl}/admin/queues/api/queues/jobs/pause`, { method: 'PUT' });
    expect(pause.status).toBe(401);
  });

  it('serves the queue API with the right credentials', async () => {
    const res = await fetch(`${api.baseUrl}/admin/queues/api/queues`, {
      headers: { authorization: basic(USER, PASSWORD) },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { queues: Array<{ name: string; counts: Record<string, number> }> };
    expect(body.queues.map((q) => q.name).sort()).toEqual(['jobs', 'recommendations', 'webhooks']);
    const jobs = body.queues.find((q) => q.name === 'jobs')!;
    expect(jobs.counts).toMatchObject({ delayed: 3 });
    expect((jobs.counts.waiting ?? 0) + (jobs.counts.prioritized ?? 0)).toBe(7);
  });

  it('signs in from a browser and shows the queues with their counts', async () => {
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-quic',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    // Without credentials the browser gets the basic-auth challenge and cannot get past it.
    const anonymous = await browser.newContext();
    await expect((await anonymous.newPage()).goto(`${api.baseUrl}/admin/queues`)).rejects.toThrow(
      /ERR_INVALID_AUTH_CREDENTIALS/,
    );

    const context = await browser.newContext({
      httpCredentials: { username: USER, password: PASSWORD },
      viewport: { width: 1280, height: 800 },
    });
    const page = await context.newPage();
    const response = await page.goto(`${api.baseUrl}/admin/queues`);
    expect(response?.status()).toBe(200);
    for (const name of ['jobs', 'recommendations', 'webhooks']) {
      await page.getByText(name, { exact: true }).first().waitFor({ timeout: 20_000 });
    }
    // A function, not a string: the page's CSP (no unsafe-eval) refuses string predicates.
    const loaded = () =>
      !(
        globalThis as unknown as { document: { body: { innerText: string } } }
      ).document.body.innerText.includes('Loading');
    await page.waitForFunction(loaded, undefined, {
      timeout: 20_000,
    });
    await page
      .getByText(/delayed/i)
      .first()
      .waitFor({ timeout: 20_000 });
    const text = await page.locator('body').innerText();
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: resolve(ARTIFACTS, 'bull-board-overview.png'), fullPage: true });
    expect(text).toMatch(/Delayed\s*3|3\s*Delayed/i);

    await page.goto(`${api.baseUrl}/admin/queues/queue/jobs?status=delayed`);
    await page.getByText('diagnostics.sleep').first().waitFor({ timeout: 20_000 });
    await page.screenshot({ path: resolve(ARTIFACTS, 'bull-board-jobs-delayed.png'), fullPage: true });
  });

  it('is not mounted without ADMIN_USER / ADMIN_PASSWORD', async () => {
    const bare = await startInProcess('api', testEnv({ DATABASE_URL: db.url }));
    try {
      expect((await fetch(`${bare.baseUrl}/admin/queues`)).status).toBe(404);
      expect((await fetch(`${bare.baseUrl}/admin/queues/api/queues`)).status).toBe(404);
    } finally {
      await bare.close();
    }
  });
});

describe('Bull Board basic-auth failures count in the failed-auth bucket (real API, Redis)', () => {
  let db: TestDatabase;
  let api: RunningApp;
  const BURST = 20; // THROTTLE_AUTH_FAILURES_BURST's default

  beforeAll(async () => {
    db = await createTestDatabase();
    // TRUST_PROXY=1: each test speaks from its own address (X-Forwarded-For), so buckets do not mix.
    api = await startInProcess(
      'api',
      testEnv({ DATABASE_URL: db.url, ADMIN_USER: USER, ADMIN_PASSWORD: PASSWORD, TRUST_PROXY: '1' }),
    );
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
    await deleteRedisKeys(api?.config.redis.keyPrefix);
  });

  const board = async (from: string, authorization: string) => {
    const res = await fetch(`${api.baseUrl}/admin/queues/api/queues`, {
      headers: { authorization, 'x-forwarded-for': from },
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  };

  it('a wave of wrong passwords gets at most the burst of 401s, then 429 with Retry-After and the JSON body', async () => {
    const from = '198.51.100.40';
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => board(from, basic(USER, `guess-${i}`))),
    );
    const statuses = answers.map((a) => a.status);
    const refused = statuses.filter((s) => s === 401).length;
    expect(refused + statuses.filter((s) => s === 429).length).toBe(50);
    // Slack: a Redis call past the throttle breaker's timeout on a loaded machine is decided in process.
    expect(refused).toBeLessThanOrEqual(BURST + 2);
    const limited = answers.find((a) => a.status === 429)!;
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.headers.get('content-type')).toMatch(/application\/json/);
    expect(limited.body).toMatchObject({ error: 'rate_limited', requestId: expect.any(String) });
    // The right password waits too while the address is out of attempts: a 200 would confirm a guess.
    expect((await board(from, basic(USER, PASSWORD))).status).toBe(429);
    expect((await board('198.51.100.41', basic(USER, PASSWORD))).status).toBe(200);
  });

  it('shares the bucket with admin-token failures', async () => {
    const from = '198.51.100.42';
    for (let i = 0; i < BURST / 2; i += 1) {
      const res = await fetch(`${api.baseUrl}/v1/admin/tiers/free`, {
        headers: { authorization: `Bearer wrong-${i}`, 'x-forwarded-for': from },
      });
      expect(res.status).toBe(401);
    }
    for (let i = 0; i < BURST / 2; i += 1) expect((await board(from, basic(USER, 'nope'))).status).toBe(401);
    expect((await board(from, basic(USER, 'nope'))).status).toBe(429);
  });
});
