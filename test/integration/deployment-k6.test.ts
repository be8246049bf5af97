import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoPath, run } from './deployment-support';

/**
 * k6 has no binary here, so the scripts are loaded by Node as ES modules with k6's built-in modules
 * ('k6', 'k6/http', 'k6/metrics') replaced by recording stubs: each script must parse, declare
 * thresholds, and run one iteration against a fake API that records the requests and metrics.
 */
const STUBS = {
  'k6.mjs': `
export const calls = globalThis.__k6 ??= { requests: [], metrics: [], checks: [] };
export function check(value, sets) {
  let ok = true;
  for (const [name, fn] of Object.entries(sets)) { const r = !!fn(value); calls.checks.push([name, r]); ok &&= r; }
  return ok;
}
export function sleep() {}
export function group(_name, fn) { return fn(); }
`,
  'http.mjs': `
import { calls } from './k6.mjs';
function respond(method, url) {
  calls.requests.push(method + ' ' + url);
  const path = new URL(url).pathname;
  const status = globalThis.__k6status ?? (method === 'POST' ? 202 : 200);
  const body = path === '/v1/jobs' ? { id: 'job-1', status: 'waiting' }
    : path.startsWith('/v1/jobs/') ? { id: 'job-1', state: 'completed' } : {};
  return {
    status,
    headers: { 'X-Cache': 'HIT-L1' },
    body: JSON.stringify(body),
    json: (key) => (key ? body[key] : body),
  };
}
export default {
  get: (url) => respond('GET', url),
  post: (url) => respond('POST', url),
  setResponseCallback() {},
  expectedStatuses: (...s) => s,
};
`,
  'metrics.mjs': `
import { calls } from './k6.mjs';
class Metric { constructor(name) { this.name = name; } add(v) { calls.metrics.push([this.name, v]); } }
export class Counter extends Metric {}
export class Rate extends Metric {}
export class Trend extends Metric {}
export class Gauge extends Metric {}
`,
};

const SCENARIOS = ['smoke', 'load', 'spike', 'stress', 'soak', 'workflow'];

describe('k6 scenarios (k6/*.js)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'k6-'));

  beforeAll(() => {
    cpSync(repoPath('k6'), join(dir, 'k6'), { recursive: true });
    for (const [name, text] of Object.entries(STUBS)) writeFileSync(join(dir, name), text);
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    const rewrite = (file: string, depth: string) => {
      const source = readFileSync(file, 'utf8')
        .replace(/from 'k6'/g, `from '${depth}k6.mjs'`)
        .replace(/from 'k6\/http'/g, `from '${depth}http.mjs'`)
        .replace(/from 'k6\/metrics'/g, `from '${depth}metrics.mjs'`);
      writeFileSync(file, source);
    };
    for (const f of readdirSync(join(dir, 'k6')).filter((f) => f.endsWith('.js')))
      rewrite(join(dir, 'k6', f), '../');
    for (const f of readdirSync(join(dir, 'k6/lib'))) rewrite(join(dir, 'k6/lib', f), '../../');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ships every scenario the load-test plan names', () => {
    const scripts = readdirSync(repoPath('k6')).filter((f) => f.endsWith('.js'));
    expect(scripts.sort()).toEqual(SCENARIOS.map((s) => `${s}.js`).sort());
  });

  /** Runs one iteration of a scenario in a fresh Node process and reports what it did. */
  function iterate(scenario: string, env: Record<string, string> = {}, status?: number) {
    const script = `
      globalThis.__ENV = ${JSON.stringify({ BASE_URL: 'http://api.test', API_KEY: 'k', ...env })};
      ${status ? `globalThis.__k6status = ${status};` : ''}
      const mod = await import(${JSON.stringify(pathToFileURL(join(dir, 'k6', `${scenario}.js`)).href)});
      for (let i = 0; i < 5; i++) mod.default();
      console.log(JSON.stringify({ options: mod.options, calls: globalThis.__k6 }));
    `;
    const result = run(process.execPath, ['--input-type=module', '-e', script], { cwd: dir });
    expect(result.stderr, scenario).toBe('');
    expect(result.status, scenario).toBe(0);
    return JSON.parse(result.stdout) as {
      options: { thresholds: Record<string, unknown[]>; scenarios?: object; vus?: number };
      calls: { requests: string[]; metrics: [string, unknown][]; checks: [string, boolean][] };
    };
  }

  it.each(SCENARIOS)('%s parses, holds p95 < 500 ms, p99 < 1 s and < 1 %% failures, and runs', (scenario) => {
    const { options, calls } = iterate(scenario);
    const duration = JSON.stringify(options.thresholds.http_req_duration);
    expect(duration).toContain('p(95)<500');
    expect(duration).toContain('p(99)<1000');
    expect(options.thresholds.http_req_failed).toBeDefined();
    if (scenario !== 'spike') expect(options.thresholds.http_req_failed).toEqual(['rate<0.01']);
    expect(options.scenarios ?? options.vus).toBeTruthy();
    expect(calls.requests.length).toBeGreaterThan(0);
    expect(calls.requests.every((r) => r.includes('http://api.test/'))).toBe(true);
    expect(calls.checks.every(([, ok]) => ok)).toBe(true);
  });

  it('the workflow posts events, reads recommendations, submits a job and polls it', () => {
    const { calls } = iterate('workflow');
    const routes = calls.requests.map((r) =>
      r.replace(/\/\d+\//, '/:userId/').replace(/jobs\/job-1/, 'jobs/:id'),
    );
    expect(routes.slice(0, 4)).toEqual([
      'POST http://api.test/v1/events',
      'GET http://api.test/v1/users/:userId/recommendations',
      'POST http://api.test/v1/jobs',
      'GET http://api.test/v1/jobs/:id',
    ]);
    expect(calls.metrics.some(([name]) => name === 'job_completion_ms')).toBe(true);
  });

  it('counts cache hits from X-Cache and 429s as rate-limit hits', () => {
    const hits = iterate('smoke').calls.metrics.filter(([name]) => name === 'cache_hit_rate');
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every(([, v]) => v === true)).toBe(true);
    const limited = iterate('smoke', {}, 429).calls.metrics.filter(([name]) => name === 'rate_limit_hits');
    expect(limited.length).toBeGreaterThan(0);
  });

  it('reads BASE_URL and API_KEY from the environment (__ENV)', () => {
    const source = readFileSync(repoPath('k6/lib/common.js'), 'utf8');
    expect(source).toContain('__ENV.BASE_URL');
    expect(source).toContain('__ENV.API_KEY');
    expect(iterate('load', { BASE_URL: 'http://elsewhere.test/' }).calls.requests[0]).toContain(
      'http://elsewhere.test/v1/',
    );
  });
});
