/* eslint-disable @typescript-eslint/no-explicit-any --
   Manifests and configs are untyped YAML/JSON; their shape is what the schemas and assertions check. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { currentEnv } from '@platform/config';
import {
  createTestDatabase,
  freePort,
  startInProcess,
  testEnv,
  TEST_ADMIN_TOKEN,
  waitFor,
  type RunningApp,
  type TestDatabase,
} from '../support';
import {
  adapterSeriesQueries,
  alertRules,
  dashboardQueries,
  exportedSeriesNames,
  kedaQueries,
  metricNamesIn,
  PROMETHEUS_SYNTHETIC,
  readYaml,
  readYamlDocuments,
  repoPath,
  run,
} from './deployment-support';

/**
 * The deployment files against the running apps: the real api and worker (in this process) with a
 * little traffic, their real /metrics, the probe paths the manifests use, the image's healthcheck
 * script, and a real Prometheus (Debian's package, installed by .ci/run) scraping both with the
 * compose scrape config and evaluating every alert, dashboard and KEDA expression.
 */
describe('deployment files against the running api and worker', () => {
  let db: TestDatabase;
  let api: RunningApp;
  let worker: RunningApp;
  /** Where the API serves /metrics: METRICS_PORT, as the manifests and compose set it. */
  let apiMetricsUrl: string;
  let metricsPages: string[] = [];
  let metricsText = '';

  beforeAll(async () => {
    db = await createTestDatabase();
    const metricsPort = await freePort();
    apiMetricsUrl = `http://127.0.0.1:${metricsPort}`;
    api = await startInProcess('api', testEnv({ DATABASE_URL: db.url, METRICS_PORT: String(metricsPort) }));
    worker = await startInProcess('worker', testEnv({ DATABASE_URL: db.url }));
    // The worker is ready once its queue consumers run (they start after Redis and Postgres answer).
    await waitFor(
      async () => ((await fetch(`${worker.baseUrl}/readyz`)).status === 200 ? true : undefined),
      'worker readiness',
      15_000,
    );
    await generateTraffic(api.baseUrl);
    metricsPages = await Promise.all(
      [apiMetricsUrl, worker.baseUrl].map(async (url) => (await fetch(`${url}/metrics`)).text()),
    );
    metricsText = metricsPages.join('\n');
  });

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await db?.drop();
  });

  it('every metric the dashboard, the alerts, KEDA and the HPA adapter use is exported by the apps', () => {
    const exported = exportedSeriesNames(metricsText);
    const used = new Map<string, string>();
    for (const q of dashboardQueries())
      for (const n of metricNamesIn(q.expr)) used.set(n, `dashboard "${q.panel}"`);
    for (const r of alertRules()) for (const n of metricNamesIn(r.expr)) used.set(n, `alert ${r.alert}`);
    for (const q of kedaQueries()) for (const n of metricNamesIn(q)) used.set(n, 'KEDA trigger');
    for (const q of adapterSeriesQueries())
      for (const n of metricNamesIn(q)) used.set(n, 'prometheus-adapter');
    const missing = [...used]
      .filter(([name]) => !exported.has(name) && !PROMETHEUS_SYNTHETIC.has(name))
      .map(([name, where]) => `${name} (${where})`);
    expect(missing, 'metrics used by deployment files but absent from /metrics').toEqual([]);
  });

  it('our own metrics pass promtool check metrics (prom-client nodejs_* defaults filtered out)', () => {
    for (const page of metricsPages) {
      const ours = page
        .split('\n')
        .filter((line) => !/^(# (HELP|TYPE) )?nodejs_/.test(line))
        .join('\n');
      expect(ours).toContain('# TYPE http_server_request_duration_seconds histogram');
      const result = run('promtool', ['check', 'metrics'], { input: ours });
      expect(result.stdout + result.stderr).toBe('');
      expect(result.status).toBe(0);
    }
  });

  it('answers 200 on every probe path the manifests and compose use, on the right port', async () => {
    const probes = (file: string) =>
      readYamlDocuments(file).flatMap((d) => {
        const c = d.spec.template.spec.containers[0];
        return ['startupProbe', 'livenessProbe', 'readinessProbe'].map((p) => c[p].httpGet.path as string);
      });
    for (const path of probes('k8s/base/api-deployment.yaml')) {
      expect((await fetch(`${api.baseUrl}${path}`)).status, `api ${path}`).toBe(200);
    }
    for (const path of probes('k8s/base/worker-deployment.yaml')) {
      expect((await fetch(`${worker.baseUrl}${path}`)).status, `worker ${path}`).toBe(200);
    }
    const monitor = readYamlDocuments('k8s/base/servicemonitor.yaml')[0];
    for (const url of [apiMetricsUrl, worker.baseUrl]) {
      expect((await fetch(`${url}${monitor.spec.endpoints[0].path}`)).status, url).toBe(200);
    }
    // Not on the API's public port once METRICS_PORT is set.
    expect((await fetch(`${api.baseUrl}/metrics`)).status).toBe(404);
  });

  it("the image's healthcheck script probes each app on its configured port", async () => {
    const script = repoPath('dist/scripts/healthcheck.js');
    const probe = (kind: string, env: Record<string, string>) =>
      new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, [script, kind], {
          env: { ...currentEnv(), ...env },
          stdio: 'ignore',
        });
        child.once('exit', resolve);
      });
    const apiPort = new URL(api.baseUrl).port;
    const workerPort = new URL(worker.baseUrl).port;
    expect(await probe('api', { PORT: apiPort })).toBe(0);
    expect(await probe('worker', { WORKER_PORT: workerPort })).toBe(0);
    const dead = String(await freePort());
    expect(await probe('api', { PORT: dead })).toBe(1);
    expect(await probe('worker', { WORKER_PORT: dead, PORT: apiPort })).toBe(1);
  });

  describe('a real Prometheus with the compose scrape config', () => {
    let prometheus: ChildProcess | undefined;
    let output = '';
    let url = '';
    const dir = mkdtempSync(join(tmpdir(), 'prometheus-'));

    beforeAll(async () => {
      const config = readYaml<any>('deploy/prometheus/prometheus.yml');
      // Only addresses and intervals change: targets -> the in-process apps, rules -> the repo file.
      config.global = { ...config.global, scrape_interval: '1s', evaluation_interval: '1s' };
      config.rule_files = [repoPath('deploy/prometheus/alerts.yml')];
      const targets: Record<string, string> = {
        'platform-api': new URL(apiMetricsUrl).host,
        'platform-worker': new URL(worker.baseUrl).host,
      };
      for (const job of config.scrape_configs) job.static_configs = [{ targets: [targets[job.job_name]] }];
      writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      prometheus = spawn(
        'prometheus',
        [
          `--config.file=${join(dir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${join(dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      prometheus.stderr!.on('data', (d: Buffer) => (output += d.toString()));
      // Ready once both jobs have been scraped successfully.
      const deadline = Date.now() + 30_000;
      while (true) {
        const up = await query('sum(up{job=~"platform-api|platform-worker"})').catch(() => undefined);
        if (up?.data.result[0]?.value[1] === '2') break;
        if (Date.now() > deadline || prometheus.exitCode !== null) {
          throw new Error(`prometheus did not scrape both apps:\n${output.slice(-3000)}`);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    });

    afterAll(async () => {
      if (prometheus && prometheus.exitCode === null) {
        const exited = new Promise((r) => prometheus!.once('exit', r));
        prometheus.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    });

    async function query(expr: string): Promise<any> {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      return res.json();
    }

    it('scrapes the request histogram from the API job', async () => {
      const result = await query('sum(http_server_request_duration_seconds_count{job="platform-api"})');
      expect(result.status).toBe('success');
      expect(Number(result.data.result[0]?.value[1])).toBeGreaterThan(0);
    });

    it('loads every alert rule and evaluates it without error', async () => {
      let rules: { name: string; health: string; lastError?: string }[] = [];
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        const body = (await (await fetch(`${url}/api/v1/rules`)).json()) as any;
        rules = body.data.groups.flatMap((g: any) => g.rules);
        if (rules.length > 0 && rules.every((r) => r.health !== 'unknown')) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(rules.map((r) => r.name).sort()).toEqual(
        alertRules()
          .map((r) => r.alert)
          .sort(),
      );
      expect(rules.filter((r) => r.health !== 'ok')).toEqual([]);
    });

    it('runs every dashboard and KEDA query as valid PromQL', async () => {
      const expressions = [
        ...dashboardQueries().map((q) => ({
          where: q.panel,
          expr: q.expr.replace(/\$__rate_interval/g, '1m'),
        })),
        ...kedaQueries().map((expr) => ({ where: 'KEDA', expr })),
      ];
      for (const { where, expr } of expressions) {
        const result = await query(expr);
        expect(result, `${where}: ${expr}`).toMatchObject({ status: 'success' });
      }
    });
  });
});

/** A little of everything the API serves, so lazily created metrics exist before the scrape. */
async function generateTraffic(baseUrl: string): Promise<void> {
  const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' };
  const created = await fetch(`${baseUrl}/v1/admin/api-keys`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ name: 'deployment-test', tier: 'pro' }),
  });
  expect(created.status).toBe(201);
  const { key } = (await created.json()) as { key: string };
  const caller = { 'x-api-key': key, 'content-type': 'application/json' };
  const requests: [string, string, unknown?][] = [
    ['GET', '/v1/me'],
    ['POST', '/v1/events', { userId: 1, type: 'search', category: 'books' }],
    ['GET', '/v1/users/1/recommendations'],
    ['GET', '/v1/users/1/recommendations'],
    ['GET', '/v1/recommendations?user_ids=1,2'],
    ['POST', '/v1/jobs', { type: 'recommendations.recompute', payload: { userId: 1 } }],
    ['GET', '/v1/jobs/does-not-exist'],
    ['GET', '/no-such-route'],
  ];
  for (const [method, path, body] of requests) {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: caller,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    await res.arrayBuffer();
    // Whatever the route answers today, it must not be a server error.
    expect(res.status, `${method} ${path}`).toBeLessThan(500);
  }
}
