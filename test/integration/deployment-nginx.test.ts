import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  freePort,
  startInProcess,
  testEnv,
  type RunningApp,
  type TestDatabase,
} from '../support';
import { readText, run } from './deployment-support';

/**
 * The compose load balancer for real: deploy/nginx/nginx.conf with only its addresses rewritten to
 * loopback (upstreams -> two API instances in this process, listen -> a spare port, writable temp
 * paths), run by the nginx binary (.ci/run installs it) in front of the real API.
 */
function loopbackVariant(conf: string, upstreams: Record<string, number>, listenPort: number, dir: string) {
  let variant = conf;
  for (const [host, port] of Object.entries(upstreams)) {
    const before = variant;
    variant = variant.replace(new RegExp(`server ${host}:3000 `), `server 127.0.0.1:${port} `);
    if (variant === before) throw new Error(`upstream ${host}:3000 not found in nginx.conf`);
  }
  if (!/^\s*listen 8080;$/m.test(variant)) throw new Error('listen 8080 not found in nginx.conf');
  variant = variant.replace(/^(\s*)listen 8080;$/m, `$1listen 127.0.0.1:${listenPort};`);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((t) => `  ${t}_temp_path ${join(dir, t)};`)
    .join('\n');
  return variant.replace(/^http \{$/m, `http {\n${temp}`);
}

function accessLogsFor(app: RunningApp, url: string): number {
  return app.logs.filter((line) => line.includes(`"url":"${url}"`)).length;
}

describe('nginx in front of two API instances (deploy/nginx/nginx.conf)', () => {
  let db: TestDatabase;
  let apis: RunningApp[] = [];
  let nginx: ChildProcess | undefined;
  let nginxOutput = '';
  let baseUrl = '';
  const dir = mkdtempSync(join(tmpdir(), 'nginx-'));
  // nginx workers run as an unprivileged user when the test runs as root.
  chmodSync(dir, 0o777);
  const confPath = join(dir, 'nginx.conf');
  const pidArgs = ['-p', dir, '-c', confPath, '-g', `pid ${join(dir, 'nginx.pid')};`];

  beforeAll(async () => {
    db = await createTestDatabase();
    // info level: the access log lines tell which instance served a request.
    apis = await Promise.all(
      [1, 2].map(() => startInProcess('api', testEnv({ DATABASE_URL: db.url, LOG_LEVEL: 'info' }))),
    );
    const port = await freePort();
    const ports = apis.map((a) => Number(new URL(a.baseUrl).port));
    writeFileSync(
      confPath,
      loopbackVariant(
        readText('deploy/nginx/nginx.conf'),
        { 'api-1': ports[0], 'api-2': ports[1] },
        port,
        dir,
      ),
    );
    baseUrl = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((r) => nginx!.once('exit', r));
      nginx.kill('SIGQUIT');
      await exited;
    }
    await Promise.all(apis.map((a) => a.close().catch(() => undefined)));
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes nginx -t', () => {
    const result = run('nginx', ['-t', ...pidArgs]);
    expect(result.stderr).toContain('syntax is ok');
    expect(result.stderr).toContain('test is successful');
    expect(result.status).toBe(0);
    // The effective configuration nginx parsed balances by least connections.
    const dump = run('nginx', ['-T', ...pidArgs]).stdout;
    expect(dump).toMatch(/upstream api \{\s*#[^\n]*\n\s*least_conn;/);
  });

  it('spreads requests over both instances and keeps the caller request id', async () => {
    nginx = spawn('nginx', [...pidArgs.slice(0, -1), `daemon off; pid ${join(dir, 'nginx.pid')};`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    nginx.stderr!.on('data', (d: Buffer) => (nginxOutput += d.toString()));
    const deadline = Date.now() + 10_000;
    while (true) {
      try {
        if ((await fetch(`${baseUrl}/health`)).ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline || nginx.exitCode !== null)
        throw new Error(`nginx did not start: ${nginxOutput}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    const before = apis.map((a) => accessLogsFor(a, '/readyz'));
    const responses = await Promise.all(Array.from({ length: 40 }, () => fetch(`${baseUrl}/readyz`)));
    expect(responses.map((r) => r.status)).toEqual(Array(40).fill(200));
    const served = apis.map((a, i) => accessLogsFor(a, '/readyz') - before[i]);
    expect(served[0] + served[1]).toBe(40);
    expect(Math.min(...served), `served per instance: ${served.join(', ')}`).toBeGreaterThan(0);

    const tagged = await fetch(`${baseUrl}/health`, { headers: { 'x-request-id': 'via-nginx-42' } });
    expect(tagged.headers.get('x-request-id')).toBe('via-nginx-42');
    const generated = await fetch(`${baseUrl}/health`);
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);

    // Instances are scraped one by one, never through the balancer.
    expect((await fetch(`${baseUrl}/metrics`)).status).toBe(404);
  });

  it('keeps answering when one instance goes away (passive health checks, retry on connect error)', async () => {
    await apis[1].close();
    const responses = await Promise.all(Array.from({ length: 20 }, () => fetch(`${baseUrl}/health`)));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
  });
});
