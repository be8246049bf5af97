import { z } from 'zod';
import { configDeclaration } from './config-declaration';
import { complete, envShape, readDeclared, type Declared } from './declaration';
import { SCALE_PRESETS, capToCpus } from './scale-presets';
import type { RedisTopology } from './redis-topology';
import { toTracingSettings } from './tracing-settings';
import { toWebhookSettings, webhookDeadlineIssue } from './webhook-settings';

/**
 * The environment, validated and shaped into what the apps read. A setting is declared once, in
 * configDeclaration: the flat env schema below and AppConfig (inferred, nothing written by hand) both
 * come from it. Only the settings toAppConfig derives are written a second time, there.
 */
export const envSchema = z.object(envShape(configDeclaration));
export const appConfigSchema = envSchema.transform((env) =>
  toAppConfig(readDeclared(configDeclaration, env)),
);
export type AppConfig = z.output<typeof appConfigSchema>;

/** Boot refuses to start with a bad environment; the message lists every offending variable at once. */
export class ConfigValidationError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid environment:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

type Env = Record<string, string | undefined>;

/** The API's metrics port in production when METRICS_PORT is unset. */
export const DEFAULT_METRICS_PORT = 3002;

export function loadConfig(env: Env = process.env): AppConfig {
  // Empty strings mean "unset" so a blank line in .env does not fail a numeric variable.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = appConfigSchema.safeParse(cleaned);
  const issues: string[] = parsed.success
    ? []
    : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  // Checked on the raw text, so they are reported even when some other variable failed the schema.
  issues.push(...crossFieldIssues(cleaned));
  if (
    parsed.success &&
    cleaned.QUEUE_DISPATCH_WAIT_MS !== undefined &&
    parsed.data.queue.dispatchWaitMs >= parsed.data.redis.commandTimeoutMs
  ) {
    // The client would give up on WAIT before the server answers it.
    issues.push('QUEUE_DISPATCH_WAIT_MS: must be less than REDIS_COMMAND_TIMEOUT_MS');
  }
  if (!parsed.success || issues.length > 0) throw new ConfigValidationError(issues);
  return parsed.data;
}

function crossFieldIssues(cleaned: Env): string[] {
  const issues: string[] = [];
  const metricsPort = Number(
    cleaned.METRICS_PORT ?? (cleaned.NODE_ENV === 'production' ? DEFAULT_METRICS_PORT : NaN),
  );
  if (metricsPort > 0 && metricsPort === readVariable(cleaned, 'PORT')) {
    issues.push('METRICS_PORT: must differ from PORT (metrics are kept off the public port)');
  }
  if (cleaned.REDIS_SENTINELS && cleaned.REDIS_CLUSTER_NODES) {
    issues.push('REDIS_SENTINELS / REDIS_CLUSTER_NODES: set one or the other');
  }
  if (cleaned.REDIS_SENTINELS && !cleaned.REDIS_SENTINEL_NAME) {
    issues.push('REDIS_SENTINEL_NAME: required with REDIS_SENTINELS (the monitored master name)');
  }
  const webhookIssue = webhookDeadlineIssue(
    readVariable(cleaned, 'WEBHOOK_DELIVERY_TIMEOUT_MS'),
    readVariable(cleaned, 'QUEUE_STALLED_INTERVAL_MS'),
  );
  if (webhookIssue) issues.push(webhookIssue);
  if (Boolean(cleaned.ADMIN_USER) !== Boolean(cleaned.ADMIN_PASSWORD)) {
    issues.push('ADMIN_USER / ADMIN_PASSWORD: set both or neither');
  }
  return issues;
}

/**
 * One variable as its own schema reads it (its default when unset); undefined when it is invalid,
 * which the schema reports on its own line.
 */
function readVariable(cleaned: Env, name: string): unknown {
  const result = envSchema.shape[name].safeParse(cleaned[name]);
  return result.success ? result.data : undefined;
}

/**
 * The derived step: the settings whose value is not simply their variable's. Each falls back to, or is
 * built from, what other settings say (the SCALE_PROFILE preset, NODE_ENV, the Redis topology, a
 * timeout), which is only known once the whole environment is read. Everything else is as declared.
 */
function toAppConfig(d: Declared<typeof configDeclaration>) {
  const preset = SCALE_PRESETS[d.scaleProfile];
  const isProduction = d.nodeEnv === 'production';
  const topology = redisTopology(d.redis);
  // Sentinel and Cluster fail over to a replica, which has only what was replicated to it: there the
  // outbox waits for one replica by default. One server has no failover to lose a job in.
  const failsOver = topology.kind !== 'standalone';
  return complete(d, {
    // NODE_ENV, as a flag: several defaults below differ in production.
    isProduction,
    http: complete(d.http, {
      // The preset when unset; capped to the CPUs even when set (more processes only add switches).
      apiProcesses: capToCpus(d.http.apiProcesses ?? preset.apiProcesses),
      // These three default by NODE_ENV (their declarations say why production differs).
      shutdownDrainDelayMs: d.http.shutdownDrainDelayMs ?? (isProduction ? 5_000 : 0),
      metricsPort: d.http.metricsPort ?? (isProduction ? DEFAULT_METRICS_PORT : undefined),
      docsEnabled: d.http.docsEnabled ?? !isProduction,
    }),
    database: complete(d.database, {
      // DATABASE_URL may list several hosts; url is the first one's plain URL.
      url: d.database.hostUrls[0],
      // The preset when unset, like redis.connections and queue.concurrency.
      poolSize: d.database.poolSize ?? preset.dbPoolSize,
    }),
    // topology: REDIS_URL and three more variables decide it together (redisTopology).
    redis: complete(d.redis, { topology, connections: d.redis.connections ?? preset.redisConnections }),
    queue: complete(d.queue, {
      concurrency: d.queue.concurrency ?? preset.queueConcurrency,
      dispatchReplicas: d.queue.dispatchReplicas ?? (failsOver ? 1 : 0),
      // Below the command timeout, so the client does not give up on WAIT before the server answers.
      dispatchWaitMs:
        d.queue.dispatchWaitMs ?? Math.max(1, Math.min(500, Math.floor(d.redis.commandTimeoutMs / 2))),
    }),
    // Off in production by default (see its declaration).
    jobs: complete(d.jobs, { diagnostics: d.jobs.diagnostics ?? !isProduction }),
    // allowHttp defaults by NODE_ENV, deliveryTimeoutMs by the job lock.
    webhooks: toWebhookSettings(d.webhooks, { isProduction, stalledIntervalMs: d.queue.stalledIntervalMs }),
    // enabled: four OTEL_* variables decide it together.
    tracing: toTracingSettings(d.tracing),
  });
}

/** REDIS_URL alone, or with the sentinels or cluster nodes that take precedence over its host. */
function redisTopology({ url, topology: t }: Declared<typeof configDeclaration>['redis']): RedisTopology {
  if (t.clusterNodes) return { kind: 'cluster', nodes: t.clusterNodes, url };
  // crossFieldIssues refuses REDIS_SENTINELS without REDIS_SENTINEL_NAME.
  if (t.sentinels) return { kind: 'sentinel', sentinels: t.sentinels, masterName: t.sentinelName!, url };
  return { kind: 'standalone', url };
}

/** The variable names the schema knows: used by deployment cross-checks and .env.example tests. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);
