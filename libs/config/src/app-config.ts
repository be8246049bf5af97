import type { z } from 'zod';
import { envSchema, type RawEnv } from './env.schema';
import { parseHostList, type HostPort } from './host-list';
import { parsePostgresUrl } from './postgres-url';
import { SCALE_PRESETS, capToCpus } from './scale-presets';
import type { RedisTopology } from './redis-topology';
import { toTracingSettings } from './tracing-settings';
import { toWebhookSettings, webhookDeadlineIssue } from './webhook-settings';

/**
 * The environment, validated and shaped into what the apps read. AppConfig is inferred from it, so a
 * setting is its line in env.schema.ts plus its line in toAppConfig, and nothing else to keep in step.
 */
export const appConfigSchema = envSchema.transform(toAppConfig);
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
  if (metricsPort > 0 && metricsPort === Number(cleaned.PORT ?? '3000')) {
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
  if (Boolean(cleaned.ADMIN_USER) !== Boolean(cleaned.ADMIN_PASSWORD)) {
    issues.push('ADMIN_USER / ADMIN_PASSWORD: set both or neither');
  }
  return issues;
}

function toAppConfig(e: RawEnv) {
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
      trustProxy: e.TRUST_PROXY,
      // Long enough in production for load balancers to see /readyz fail before the listener closes.
      shutdownDrainDelayMs: e.SHUTDOWN_DRAIN_DELAY_MS ?? (isProduction ? 5_000 : 0),
      shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
      /**
       * Where the API serves /metrics: its own port, or undefined for the public one. Production keeps
       * the scrape off the public port (a load balancer would expose it).
       */
      metricsPort: e.METRICS_PORT ?? (isProduction ? DEFAULT_METRICS_PORT : undefined),
      /** Node's server timeouts, set through Fastify (0 disables requestMs or connectionMs). */
      timeouts: {
        requestMs: e.HTTP_REQUEST_TIMEOUT_MS,
        connectionMs: e.HTTP_CONNECTION_TIMEOUT_MS,
        keepAliveMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      },
      /** OpenAPI UI at /docs and the document at /docs-json. */
      docsEnabled: e.DOCS_ENABLED ?? !isProduction,
      /** Origins allowed by CORS; empty: no CORS headers at all. */
      corsOrigins: e.CORS_ORIGINS,
    },
    admin: { token: e.ADMIN_TOKEN, user: e.ADMIN_USER, password: e.ADMIN_PASSWORD },
    database: {
      /** The (first) primary host's URL: always a plain one-host URL. */
      url: hostUrls[0],
      /** One URL per host listed in DATABASE_URL; more than one means "write to whichever is primary". */
      hostUrls,
      /** Where migrations and CREATE DATABASE run (MIGRATION_DATABASE_URL, else the primary). */
      migrationUrl: e.MIGRATION_DATABASE_URL,
      /** DATABASE_URL goes through a transaction pooler: no startup parameters, no session state. */
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
      /** Share of maxmemory above which new jobs are refused (0: off). */
      memoryGuardRatio: e.REDIS_MEMORY_GUARD_RATIO,
    },
    throttle: {
      expectedInstances: e.THROTTLE_EXPECTED_INSTANCES,
      anonymous: { perMinute: e.THROTTLE_ANONYMOUS_PER_MINUTE, burst: e.THROTTLE_ANONYMOUS_BURST },
      authFailures: {
        perMinute: e.THROTTLE_AUTH_FAILURES_PER_MINUTE,
        burst: e.THROTTLE_AUTH_FAILURES_BURST,
      },
      /** Most tokens one API process leases from a key's Redis bucket at a time. */
      leaseMaxTokens: e.THROTTLE_LEASE_MAX_TOKENS,
      /** Unspent leased tokens expire after this long. */
      leaseTtlMs: e.THROTTLE_LEASE_TTL_MS,
      tierCacheTtlMs: e.TIER_CACHE_TTL_MS,
      apiKeyCacheTtlMs: e.API_KEY_CACHE_TTL_MS,
      /** How long a key no one holds is remembered as unknown (0: not remembered). */
      apiKeyNegativeCacheTtlMs: e.API_KEY_NEGATIVE_CACHE_TTL_MS,
    },
    loadShedding: {
      maxEventLoopDelayMs: e.LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS,
      maxHeapUsedBytes: e.LOAD_SHED_MAX_HEAP_USED_BYTES,
      retryAfterSeconds: e.LOAD_SHED_RETRY_AFTER_SECONDS,
    },
    circuitBreakers: e.CIRCUIT_BREAKERS,
    cache: {
      l1MaxEntries: e.CACHE_L1_MAX_ENTRIES,
      l1MaxBytes: e.CACHE_L1_MAX_BYTES,
      l1TtlMs: e.CACHE_L1_TTL_MS,
      l2TtlMs: e.CACHE_L2_TTL_MS,
      compressOverBytes: e.CACHE_COMPRESS_OVER_BYTES,
      /** Live L2 entries one tag may index (bounded tag sets); past it the soonest to expire are evicted. */
      maxTagEntries: e.CACHE_MAX_TAG_ENTRIES,
    },
    queue: {
      concurrency: e.QUEUE_CONCURRENCY ?? preset.queueConcurrency,
      jobTimeoutMs: e.QUEUE_JOB_TIMEOUT_MS,
      workerShutdownDeadlineMs: e.WORKER_SHUTDOWN_DEADLINE_MS,
      outboxRelayIntervalMs: e.OUTBOX_RELAY_INTERVAL_MS,
      outboxRelayBatch: e.OUTBOX_RELAY_BATCH,
      /** Lock duration and stalled-check interval: a crashed worker's job runs again after about this long. */
      stalledIntervalMs: e.QUEUE_STALLED_INTERVAL_MS,
      /** How long a queue-depth read is reused by the backpressure check. */
      depthCacheMs: e.QUEUE_DEPTH_CACHE_MS,
      ...dispatchReplication(e),
      overrides: e.QUEUE_OVERRIDES,
    },
    /** POST /v1/jobs. */
    jobs: {
      /** Jobs one API key may have queued or delayed at once. */
      maxPendingPerKey: e.JOBS_MAX_PENDING_PER_KEY,
      /**
       * Whether diagnostics.* job types may be started. A canary that parks workers has no place in
       * production unless an operator asks for it.
       */
      diagnostics: e.JOBS_DIAGNOSTICS ?? !isProduction,
    },
    /** Group commit of concurrent writes in one process (rows = events). */
    writes: {
      batchMaxRows: e.WRITE_BATCH_MAX_ROWS,
      queueMaxRows: e.WRITE_QUEUE_MAX_ROWS,
      batchConcurrency: e.WRITE_BATCH_CONCURRENCY,
    },
    /** How long data is kept (the worker deletes older rows hourly); 0 keeps it forever. */
    retention: { userEventsDays: e.USER_EVENTS_RETENTION_DAYS },
    /** Limits shared by all of a tenant's keys (rate limits stay per key, by tier). */
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
function dispatchReplication(e: RawEnv) {
  const failsOver = Boolean(e.REDIS_SENTINELS || e.REDIS_CLUSTER_NODES);
  return {
    /**
     * Replicas that must acknowledge (WAIT) a batch of added jobs before their outbox rows are marked
     * dispatched: a job only the master had is lost if the master fails over. 0: never asked.
     */
    dispatchReplicas: e.QUEUE_DISPATCH_REPLICAS ?? (failsOver ? 1 : 0),
    /** How long WAIT waits for them; rows not confirmed by then stay pending for the relay. */
    dispatchWaitMs:
      e.QUEUE_DISPATCH_WAIT_MS ?? Math.max(1, Math.min(500, Math.floor(e.REDIS_COMMAND_TIMEOUT_MS / 2))),
  };
}

/** The variable names the schema knows: used by deployment cross-checks and .env.example tests. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);
