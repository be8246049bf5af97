import { z } from 'zod';
import { breakerOverridesSchema, type BreakerOverrides } from './breaker-options';
import { envSchema, type RawEnv } from './env.schema';
import { parseCorsOrigins } from './cors-origins';
import { parseHostList, type HostPort } from './host-list';
import { parsePostgresUrl } from './postgres-url';
import { queueOverridesSchema, type QueueOverrides } from './queue-overrides';
import { SCALE_PRESETS, capToCpus, type ScaleProfile } from './scale-presets';
import type { RedisTopology } from './redis-topology';
import { toTracingSettings, type TracingSettings } from './tracing-settings';
import { parseTrustProxy, type TrustProxy } from './trust-proxy';
import { toWebhookSettings, webhookDeadlineIssue, type WebhookSettings } from './webhook-settings';

export interface AppConfig {
  nodeEnv: RawEnv['NODE_ENV'];
  isProduction: boolean;
  logLevel: RawEnv['LOG_LEVEL'];
  scaleProfile: ScaleProfile;
  http: {
    host: string;
    port: number;
    workerPort: number;
    apiProcesses: number;
    bodyLimitBytes: number;
    trustProxy: TrustProxy;
    shutdownDrainDelayMs: number;
    shutdownTimeoutMs: number;
    /** Where the API serves /metrics: its own port, or undefined for the public one. */
    metricsPort?: number;
    /** Node's server timeouts, set through Fastify (0 disables requestMs or connectionMs). */
    timeouts: { requestMs: number; connectionMs: number; keepAliveMs: number };
    /** OpenAPI UI at /docs and the document at /docs-json. */
    docsEnabled: boolean;
    /** Origins allowed by CORS; empty: no CORS headers at all. */
    corsOrigins: string[];
  };
  admin: { token?: string; user?: string; password?: string };
  database: {
    /** The (first) primary host's URL: always a plain one-host URL. */
    url: string;
    /** One URL per host listed in DATABASE_URL; more than one means "write to whichever is primary". */
    hostUrls: string[];
    /** Where migrations and CREATE DATABASE run (MIGRATION_DATABASE_URL, else the primary). */
    migrationUrl?: string;
    /** DATABASE_URL goes through a transaction pooler: no startup parameters, no session state. */
    transactionPooler: boolean;
    replicaUrls: string[];
    poolSize: number;
    acquireTimeoutMs: number;
    idleTimeoutMs: number;
    statementTimeoutMs: number;
    slowQueryMs: number;
    replicaCheckIntervalMs: number;
    maxReplicaLagMs: number;
    maxReplicaLagBytes: number;
    readYourWritesTtlMs: number;
  };
  redis: {
    url: string;
    topology: RedisTopology;
    keyPrefix: string;
    connections: number;
    commandTimeoutMs: number;
    /** Share of maxmemory above which new jobs are refused (0: off). */
    memoryGuardRatio: number;
  };
  throttle: {
    expectedInstances: number;
    anonymous: { perMinute: number; burst: number };
    authFailures: { perMinute: number; burst: number };
    /** Most tokens one API process leases from a key's Redis bucket at a time. */
    leaseMaxTokens: number;
    /** Unspent leased tokens expire after this long. */
    leaseTtlMs: number;
    tierCacheTtlMs: number;
    apiKeyCacheTtlMs: number;
    /** How long a key no one holds is remembered as unknown (0: not remembered). */
    apiKeyNegativeCacheTtlMs: number;
  };
  loadShedding: { maxEventLoopDelayMs: number; maxHeapUsedBytes: number; retryAfterSeconds: number };
  circuitBreakers: BreakerOverrides;
  cache: {
    l1MaxEntries: number;
    l1MaxBytes: number;
    l1TtlMs: number;
    l2TtlMs: number;
    compressOverBytes: number;
    /** Live L2 entries one tag may index (bounded tag sets); past it the soonest to expire are evicted. */
    maxTagEntries: number;
  };
  queue: {
    concurrency: number;
    jobTimeoutMs: number;
    workerShutdownDeadlineMs: number;
    outboxRelayIntervalMs: number;
    outboxRelayBatch: number;
    /** Lock duration and stalled-check interval: a crashed worker's job runs again after about this long. */
    stalledIntervalMs: number;
    /** How long a queue-depth read is reused by the backpressure check. */
    depthCacheMs: number;
    /**
     * Replicas that must acknowledge (WAIT) a batch of added jobs before their outbox rows are marked
     * dispatched: a job only the master had is lost if the master fails over. 0: never asked.
     */
    dispatchReplicas: number;
    /** How long WAIT waits for them; rows not confirmed by then stay pending for the relay. */
    dispatchWaitMs: number;
    overrides: QueueOverrides;
  };
  /** POST /v1/jobs. */
  jobs: {
    /** Jobs one API key may have queued or delayed at once. */
    maxPendingPerKey: number;
    /** Whether diagnostics.* job types may be started (default: outside production only). */
    diagnostics: boolean;
  };
  /** Group commit of concurrent writes in one process (rows = events). */
  writes: { batchMaxRows: number; queueMaxRows: number; batchConcurrency: number };
  /** How long data is kept (the worker deletes older rows hourly); 0 keeps it forever. */
  retention: { userEventsDays: number };
  /** Limits shared by all of a tenant's keys (rate limits stay per key, by tier). */
  tenants: { maxWebhookSubscriptions: number; maxPendingJobs: number };
  webhooks: WebhookSettings;
  tracing: TracingSettings;
}

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
  const parsed = envSchema.safeParse(cleaned);
  const issues: string[] = parsed.success
    ? []
    : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);

  // The structured variables are checked on their raw text too, so one message lists every problem.
  const raw = (name: string, fallback: string) => cleaned[name] ?? fallback;
  const trustProxy = parseTrustProxy(raw('TRUST_PROXY', 'false'));
  if (trustProxy instanceof Error) issues.push(`TRUST_PROXY: ${trustProxy.message}`);
  const breakers = parseBreakers(raw('CIRCUIT_BREAKERS', '{}'));
  if (breakers instanceof Error) issues.push(`CIRCUIT_BREAKERS: ${breakers.message}`);
  const queueOverrides = parseQueueOverrides(raw('QUEUE_OVERRIDES', '{}'));
  if (queueOverrides instanceof Error) issues.push(`QUEUE_OVERRIDES: ${queueOverrides.message}`);
  const corsOrigins = parseCorsOrigins(raw('CORS_ORIGINS', ''));
  if (corsOrigins instanceof Error) issues.push(`CORS_ORIGINS: ${corsOrigins.message}`);
  const metricsPort = Number(
    cleaned.METRICS_PORT ?? (cleaned.NODE_ENV === 'production' ? DEFAULT_METRICS_PORT : NaN),
  );
  if (metricsPort > 0 && metricsPort === Number(raw('PORT', '3000'))) {
    issues.push('METRICS_PORT: must differ from PORT (metrics are kept off the public port)');
  }
  if (cleaned.REDIS_SENTINELS && cleaned.REDIS_CLUSTER_NODES) {
    issues.push('REDIS_SENTINELS / REDIS_CLUSTER_NODES: set one or the other');
  }
  if (cleaned.REDIS_SENTINELS && !cleaned.REDIS_SENTINEL_NAME) {
    issues.push('REDIS_SENTINEL_NAME: required with REDIS_SENTINELS (the monitored master name)');
  }
  const webhookIssue = webhookDeadlineIssue(cleaned);
  if (webhookIssue) issues.push(webhookIssue);
  if (
    parsed.success &&
    parsed.data.QUEUE_DISPATCH_WAIT_MS !== undefined &&
    parsed.data.QUEUE_DISPATCH_WAIT_MS >= parsed.data.REDIS_COMMAND_TIMEOUT_MS
  ) {
    // The client would give up on WAIT before the server answers it.
    issues.push('QUEUE_DISPATCH_WAIT_MS: must be less than REDIS_COMMAND_TIMEOUT_MS');
  }
  if (Boolean(cleaned.ADMIN_USER) !== Boolean(cleaned.ADMIN_PASSWORD)) {
    issues.push('ADMIN_USER / ADMIN_PASSWORD: set both or neither');
  }
  if (
    !parsed.success ||
    issues.length > 0 ||
    trustProxy instanceof Error ||
    breakers instanceof Error ||
    queueOverrides instanceof Error ||
    corsOrigins instanceof Error
  ) {
    throw new ConfigValidationError(issues);
  }
  const e = parsed.data;

  const preset = SCALE_PRESETS[e.SCALE_PROFILE];
  // Both were validated by the schema; parsing again only returns the structured form.
  const primary = parsePostgresUrl(e.DATABASE_URL) as Exclude<ReturnType<typeof parsePostgresUrl>, string>;
  const hostUrls = primary.hosts.map((host) => primary.urlFor(host));
  const isProduction = e.NODE_ENV === 'production';
  return {
    nodeEnv: e.NODE_ENV,
    isProduction,
    logLevel: e.LOG_LEVEL,
    scaleProfile: e.SCALE_PROFILE,
    http: {
      host: e.HOST,
      port: e.PORT,
      workerPort: e.WORKER_PORT,
      apiProcesses: capToCpus(e.API_PROCESSES ?? preset.apiProcesses),
      bodyLimitBytes: e.BODY_LIMIT_BYTES,
      trustProxy,
      // Long enough in production for load balancers to see /readyz fail before the listener closes.
      shutdownDrainDelayMs: e.SHUTDOWN_DRAIN_DELAY_MS ?? (isProduction ? 5_000 : 0),
      shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
      // Production keeps the scrape off the public port (a load balancer would expose it).
      metricsPort: e.METRICS_PORT ?? (isProduction ? DEFAULT_METRICS_PORT : undefined),
      timeouts: {
        requestMs: e.HTTP_REQUEST_TIMEOUT_MS,
        connectionMs: e.HTTP_CONNECTION_TIMEOUT_MS,
        keepAliveMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      },
      docsEnabled: e.DOCS_ENABLED ?? !isProduction,
      corsOrigins,
    },
    admin: { token: e.ADMIN_TOKEN, user: e.ADMIN_USER, password: e.ADMIN_PASSWORD },
    database: {
      url: hostUrls[0],
      hostUrls,
      migrationUrl: e.MIGRATION_DATABASE_URL,
      transactionPooler: e.DATABASE_TRANSACTION_POOLER,
      replicaUrls: e.DATABASE_REPLICA_URLS,
      poolSize: e.DB_POOL_SIZE ?? preset.dbPoolSize,
      acquireTimeoutMs: e.DB_ACQUIRE_TIMEOUT_MS,
      idleTimeoutMs: e.DB_IDLE_TIMEOUT_MS,
      statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS,
      slowQueryMs: e.DB_SLOW_QUERY_MS,
      replicaCheckIntervalMs: e.REPLICA_CHECK_INTERVAL_MS,
      maxReplicaLagMs: e.MAX_REPLICA_LAG_MS,
      maxReplicaLagBytes: e.MAX_REPLICA_LAG_BYTES,
      readYourWritesTtlMs: e.READ_YOUR_WRITES_TTL_MS,
    },
    redis: {
      url: e.REDIS_URL,
      topology: redisTopology(e),
      keyPrefix: e.REDIS_KEY_PREFIX,
      connections: e.REDIS_CONNECTIONS ?? preset.redisConnections,
      commandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
      memoryGuardRatio: e.REDIS_MEMORY_GUARD_RATIO,
    },
    throttle: {
      expectedInstances: e.THROTTLE_EXPECTED_INSTANCES,
      anonymous: { perMinute: e.THROTTLE_ANONYMOUS_PER_MINUTE, burst: e.THROTTLE_ANONYMOUS_BURST },
      authFailures: {
        perMinute: e.THROTTLE_AUTH_FAILURES_PER_MINUTE,
        burst: e.THROTTLE_AUTH_FAILURES_BURST,
      },
      leaseMaxTokens: e.THROTTLE_LEASE_MAX_TOKENS,
      leaseTtlMs: e.THROTTLE_LEASE_TTL_MS,
      tierCacheTtlMs: e.TIER_CACHE_TTL_MS,
      apiKeyCacheTtlMs: e.API_KEY_CACHE_TTL_MS,
      apiKeyNegativeCacheTtlMs: e.API_KEY_NEGATIVE_CACHE_TTL_MS,
    },
    loadShedding: {
      maxEventLoopDelayMs: e.LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS,
      maxHeapUsedBytes: e.LOAD_SHED_MAX_HEAP_USED_BYTES,
      retryAfterSeconds: e.LOAD_SHED_RETRY_AFTER_SECONDS,
    },
    circuitBreakers: breakers,
    cache: {
      l1MaxEntries: e.CACHE_L1_MAX_ENTRIES,
      l1MaxBytes: e.CACHE_L1_MAX_BYTES,
      l1TtlMs: e.CACHE_L1_TTL_MS,
      l2TtlMs: e.CACHE_L2_TTL_MS,
      compressOverBytes: e.CACHE_COMPRESS_OVER_BYTES,
      maxTagEntries: e.CACHE_MAX_TAG_ENTRIES,
    },
    queue: {
      concurrency: e.QUEUE_CONCURRENCY ?? preset.queueConcurrency,
      jobTimeoutMs: e.QUEUE_JOB_TIMEOUT_MS,
      workerShutdownDeadlineMs: e.WORKER_SHUTDOWN_DEADLINE_MS,
      outboxRelayIntervalMs: e.OUTBOX_RELAY_INTERVAL_MS,
      outboxRelayBatch: e.OUTBOX_RELAY_BATCH,
      stalledIntervalMs: e.QUEUE_STALLED_INTERVAL_MS,
      depthCacheMs: e.QUEUE_DEPTH_CACHE_MS,
      ...dispatchReplication(e),
      overrides: queueOverrides,
    },
    jobs: {
      maxPendingPerKey: e.JOBS_MAX_PENDING_PER_KEY,
      // A canary that parks workers has no place in production unless an operator asks for it.
      diagnostics: e.JOBS_DIAGNOSTICS ?? !isProduction,
    },
    writes: {
      batchMaxRows: e.WRITE_BATCH_MAX_ROWS,
      queueMaxRows: e.WRITE_QUEUE_MAX_ROWS,
      batchConcurrency: e.WRITE_BATCH_CONCURRENCY,
    },
    retention: { userEventsDays: e.USER_EVENTS_RETENTION_DAYS },
    tenants: {
      maxWebhookSubscriptions: e.TENANT_MAX_WEBHOOK_SUBSCRIPTIONS,
      maxPendingJobs: e.TENANT_MAX_PENDING_JOBS,
    },
    webhooks: toWebhookSettings(e),
    tracing: toTracingSettings(e),
  };
}

function redisTopology(e: RawEnv): RedisTopology {
  const hosts = (list: string) => parseHostList(list) as HostPort[];
  if (e.REDIS_CLUSTER_NODES)
    return { kind: 'cluster', nodes: hosts(e.REDIS_CLUSTER_NODES), url: e.REDIS_URL };
  if (e.REDIS_SENTINELS)
    return {
      kind: 'sentinel',
      sentinels: hosts(e.REDIS_SENTINELS),
      masterName: e.REDIS_SENTINEL_NAME!,
      url: e.REDIS_URL,
    };
  return { kind: 'standalone', url: e.REDIS_URL };
}

/**
 * Sentinel and Cluster fail over to a replica, which has only what was replicated to it: there the
 * outbox waits for one replica by default. One server has no failover to lose a job in.
 */
function dispatchReplication(e: RawEnv): { dispatchReplicas: number; dispatchWaitMs: number } {
  const failsOver = Boolean(e.REDIS_SENTINELS || e.REDIS_CLUSTER_NODES);
  return {
    dispatchReplicas: e.QUEUE_DISPATCH_REPLICAS ?? (failsOver ? 1 : 0),
    dispatchWaitMs:
      e.QUEUE_DISPATCH_WAIT_MS ?? Math.max(1, Math.min(500, Math.floor(e.REDIS_COMMAND_TIMEOUT_MS / 2))),
  };
}

function parseBreakers(raw: string): BreakerOverrides | Error {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return new Error('must be a JSON object');
  }
  const result = breakerOverridesSchema.safeParse(json);
  return result.success ? result.data : new Error(z.prettifyError(result.error).replace(/\n/g, '; '));
}

function parseQueueOverrides(raw: string): QueueOverrides | Error {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return new Error('must be a JSON object');
  }
  const result = queueOverridesSchema.safeParse(json);
  return result.success ? result.data : new Error(z.prettifyError(result.error).replace(/\n/g, '; '));
}

/** The variable names the schema knows: used by deployment cross-checks and .env.example tests. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);
