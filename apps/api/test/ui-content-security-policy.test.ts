import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  deleteRedisKeys,
  startInProcess,
  testEnv,
  type RunningApp,
  type TestDatabase,
} from '../../../test/support';

const USER = 'ops';
const PASSWORD = 'bull-board-password-123';

/**
 * The two HTML UIs, opened in production with their switches on, in a real browser: their pages
 * carry a content security policy, and it blocks nothing they need (any violation fails the test).
 */
describe('OpenAPI UI and Bull Board under the production security headers (headless Chromium)', () => {
  let db: TestDatabase;
  let api: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startInProcess(
      'api',
      testEnv({
        NODE_ENV: 'production',
        DATABASE_URL: db.url,
        DOCS_ENABLED: 'true',
        ADMIN_USER: USER,
        ADMIN_PASSWORD: PASSWORD,
        METRICS_PORT: '0',
      }),
    );
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await db?.drop();
    await deleteRedisKeys(api?.config.redis.keyPrefix);
  });

  /** A context that records every CSP violation the pages report (page scripts as text: no DOM types here). */
  async function watchedContext(options: Parameters<Browser['newContext']>[0] = {}) {
    const context = await browser.newContext(options);
    await context.addInitScript({
      content: `window.cspViolations = [];
        document.addEventListener('securitypolicyviolation', (e) =>
          window.cspViolations.push(e.effectiveDirective + ' blocked ' + (e.blockedURI || 'inline')));`,
    });
    return context;
  }
  const violations = (context: BrowserContext) =>
    Promise.all(context.pages().map((p) => p.evaluate<string[]>('window.cspViolations'))).then((lists) =>
      lists.flat(),
    );

  it('renders the OpenAPI UI with every operation, blocking nothing', async () => {
    const context = await watchedContext();
    const page = await context.newPage();
    const response = await page.goto(`${api.baseUrl}/docs`);
    expect(response?.status()).toBe(200);
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-eval');
    await page.getByText('Platform API').first().waitFor({ timeout: 20_000 });
    await page.getByText('/v1/me').first().waitFor({ timeout: 20_000 });
    expect(await violations(context)).toEqual([]);
    await context.close();
  });

  it('renders Bull Board with its queues, blocking nothing', async () => {
    const context = await watchedContext({ httpCredentials: { username: USER, password: PASSWORD } });
    const page = await context.newPage();
    const response = await page.goto(`${api.baseUrl}/admin/queues`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    for (const name of ['jobs', 'recommendations', 'webhooks']) {
      await page.getByText(name, { exact: true }).first().waitFor({ timeout: 20_000 });
    }
    expect(await violations(context)).toEqual([]);
    await context.close();
  });

  it('keeps the strict API policy on the document beside the UI', async () => {
    const res = await fetch(`${api.baseUrl}/docs-json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
  });
});
