/* eslint-disable @typescript-eslint/no-explicit-any --
   Manifests and configs are untyped YAML/JSON; their shape is what the schemas and assertions check. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

/** Shared readers for the deployment tests (compose, k8s, nginx, alerts, dashboards, k6). */
export const ROOT = resolve(__dirname, '../..');

export function repoPath(...parts: string[]): string {
  return resolve(ROOT, ...parts);
}

export function readText(...parts: string[]): string {
  return readFileSync(repoPath(...parts), 'utf8');
}

/** YAML with merge keys (`<<: *anchor`) resolved, as docker compose reads it. */
export function readYaml<T = any>(...parts: string[]): T {
  return parse(readText(...parts), { merge: true }) as T;
}

export function readYamlDocuments(...parts: string[]): any[] {
  return parseAllDocuments(readText(...parts))
    .map((d) => d.toJS())
    .filter((d) => d != null);
}

/** True when `command` is on PATH. */
export function hasBinary(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

export function run(
  command: string,
  args: string[],
  options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {},
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

// ---- PromQL ----

const PROMQL_WORDS = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'inf',
  'nan',
]);

/**
 * Metric names an expression selects. Not a PromQL parser: strings, label matchers, ranges and
 * grouping clauses are removed, then every identifier not called as a function is a metric name.
 * Real Prometheus evaluates each expression in deployment-live.test.ts, which catches syntax errors.
 */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const rest = stripped.slice((match.index ?? 0) + match[0].length);
    const isCall = /^\s*\(/.test(rest);
    const isNumberExponent = /[0-9.]$/.test(stripped.slice(0, match.index));
    if (isCall || isNumberExponent || PROMQL_WORDS.has(match[0].toLowerCase())) continue;
    names.add(match[0]);
  }
  return [...names];
}

export interface DashboardQuery {
  panel: string;
  expr: string;
}

export function dashboardQueries(): DashboardQuery[] {
  const dashboard = JSON.parse(readText('deploy/grafana/dashboards/platform.json')) as {
    panels: { title: string; targets?: { expr: string }[] }[];
  };
  return dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
}

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
}

export function alertRules(): AlertRule[] {
  const file = readYaml<{ groups: { rules: AlertRule[] }[] }>('deploy/prometheus/alerts.yml');
  return file.groups.flatMap((g) => g.rules);
}

export function kedaQueries(): string[] {
  return readYamlDocuments('k8s/base/worker-scaledobject.yaml').flatMap((doc) =>
    (doc.spec.triggers as { type: string; metadata: { query: string } }[])
      .filter((t) => t.type === 'prometheus')
      .map((t) => t.metadata.query),
  );
}

/** The series prometheus-adapter turns into the HPA's per-pod request rate. */
export function adapterSeriesQueries(): string[] {
  const values = readYaml<{ rules: { custom: { seriesQuery: string }[] } }>(
    'k8s/prometheus-adapter/values.yaml',
  );
  return values.rules.custom.map((r) => r.seriesQuery);
}

/** Series Prometheus makes itself (not exported by the apps). */
export const PROMETHEUS_SYNTHETIC = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);

/** Metric families a /metrics page declares, with the series names a histogram or summary expands to. */
export function exportedSeriesNames(metricsText: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of metricsText.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name);
    if (type === 'histogram') ['_bucket', '_sum', '_count'].forEach((s) => names.add(name + s));
    if (type === 'summary') ['_sum', '_count'].forEach((s) => names.add(name + s));
  }
  return names;
}

/** `${VAR:-default}` and `${VAR}` as compose interpolates them with an empty shell environment. */
export function interpolateCompose(value: string): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?::?-([^}]*))?\}/g, (_m, _name: string, fallback?: string) =>
    fallback === undefined ? '' : fallback,
  );
}
