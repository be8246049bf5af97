import { z } from 'zod';
import { breakerOverridesSchema } from './breaker-options';
import { parseCorsOrigins } from './cors-origins';
import { derived, env, type Declaration } from './declaration';
import {
  bool,
  hostList,
  int,
  jsonObject,
  optionalInt,
  parsedText,
  postgresHostUrls,
  secret,
  url,
  urlList,
} from './env-values';
import { queueOverridesSchema } from './queue-overrides';
import { SCALE_PROFILES } from './scale-presets';
import { tracingDeclaration } from './tracing-settings';
import { parseTrustProxy } from './trust-proxy';
import { webhookDeclaration } from './webhook-settings';

/**
 * Every setting of AppConfig, each declared once: where it lands, the variable it is read from and how
 * that variable's text is read. The env schema and AppConfig are both derived from this tree
 * (app-config.ts); doc comments written here are the ones editors show on AppConfig. A `derived`
 * setting, or one whose unset variable falls back to what other settings say (the SCALE_PROFILE
 * preset, NODE_ENV), is completed in toAppConfig, which says why; the rest is used as read.
 */
export const configDeclaration = {
  nodeEnv: env('NODE_ENV', z.enum(['development', 'production', 'test']).default('development')),
  isProduction: derived,
  logLevel: env(
    'LOG_LEVEL',
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  scaleProfile: env('SCALE_PROFILE', z.enum(SCALE_PROFILES).default('small')),
  http: {
    host: env('HOST', z.string().min(1).default('0.0.0.0')),
    port: env('PORT', int(0).max(65535).default(3000)),
    workerPort: env('WORKER_PORT', int(0).max(65535).default(3001)),
    /** API processes per host (unset: the SCALE_PROFILE preset), never more than the CPUs. */
    apiProcesses: env('API_PROCESSES', optionalInt(1)),
    bodyLimitBytes: env('BODY_LIMIT_BYTES', int(1024).default(1024 * 1024)),
    trustProxy: env('TRUST_PROXY', parsedText(parseTrustProxy).prefault('false')),
    /** Unset: 5 s in production, long enough for load balancers to see /readyz fail; 0 elsewhere. */
    shutdownDrainDelayMs: env('SHUTDOWN_DRAIN_DELAY_MS', optionalInt()),
    shutdownTimeoutMs: env('SHUTDOWN_TIMEOUT_MS', int(1000).default(30_000)),
    /**
     * Where the API serves /metrics: its own port, or undefined for the public one. Production keeps
     * the scrape off the public port (a load balancer would expose it): unset, 3002 there.
     */
    metricsPort: env('METRICS_PORT', int(0).max(65535).optional()),
    /** Node's server timeouts of both apps, set through Fastify (0 disables requestMs or connectionMs). */
    timeouts: {
      requestMs: env('HTTP_REQUEST_TIMEOUT_MS', int(0).default(30_000)),
      connectionMs: env('HTTP_CONNECTION_TIMEOUT_MS', int(0).default(60_000)),
      keepAliveMs: env('HTTP_KEEP_ALIVE_TIMEOUT_MS', int(1).default(72_000)),
    },
    /** OpenAPI UI at /docs and the document at /docs-json; unset: on, except in production. */
    docsEnabled: env('DOCS_ENABLED', bool.optional()),
    /** Browser origins allowed to call the API (CORS); empty: no CORS headers at all. */
    corsOrigins: env('CORS_ORIGINS', parsedText(parseCorsOrigins).prefault('')),
  },
  admin: {
    token: env('ADMIN_TOKEN', secret),
    user: env('ADMIN_USER', z.string().min(1).optional()),
    password: env('ADMIN_PASSWORD', secret),
  },
  database: {
    /** The (first) primary host's URL: always a plain one-host URL. */
    url: derived,
    /**
     * One URL per host listed in DATABASE_URL (`postgres://u@h1:5432,h2:5432/db`); more than one
     * means "write to whichever is primary" (the one not in recovery).
     */
    hostUrls: env('DATABASE_URL', postgresHostUrls.prefault('postgres://postgres@127.0.0.1:5432/platform')),
    /**
     * Where migrations and CREATE DATABASE run (MIGRATION_DATABASE_URL, else the primary): a direct
     * URL when DATABASE_URL goes through a transaction pooler that offers no session features or no
     * maintenance database.
     */
    migrationUrl: env('MIGRATION_DATABASE_URL', url(['postgres:', 'postgresql:']).optional()),
    /**
     * DATABASE_URL goes through a transaction pooler (PgBouncer pool_mode=transaction): no startup
     * parameters, no session state on pooled connections.
     */
    transactionPooler: env('DATABASE_TRANSACTION_POOLER', bool.default(false)),
    replicaUrls: env('DATABASE_REPLICA_URLS', urlList(['postgres:', 'postgresql:']).default([])),
    /** Unset: the SCALE_PROFILE preset. */
    poolSize: env('DB_POOL_SIZE', optionalInt(1)),
    acquireTimeoutMs: env('DB_ACQUIRE_TIMEOUT_MS', int(1).default(2_000)),
    idleTimeoutMs: env('DB_IDLE_TIMEOUT_MS', int(1).default(30_000)),
    statementTimeoutMs: env('DB_STATEMENT_TIMEOUT_MS', int(1).default(30_000)),
    slowQueryMs: env('DB_SLOW_QUERY_MS', int(1).default(500)),
    replicaCheckIntervalMs: env('REPLICA_CHECK_INTERVAL_MS', int(50).default(1_000)),
    maxReplicaLagMs: env('MAX_REPLICA_LAG_MS', int(0).default(5_000)),
    maxReplicaLagBytes: env('MAX_REPLICA_LAG_BYTES', int(0).default(8 * 1024 * 1024)),
    readYourWritesTtlMs: env('READ_YOUR_WRITES_TTL_MS', int(100).default(30_000)),
  },
  redis: {
    url: env('REDIS_URL', url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379')),
    /**
     * Standalone, Sentinel or Cluster: Sentinel or Cluster take precedence over REDIS_URL (whose
     * credentials and TLS still apply).
     */
    topology: {
      sentinels: env('REDIS_SENTINELS', hostList.optional()),
      sentinelName: env(
        'REDIS_SENTINEL_NAME',
        z
          .string()
          .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only')
          .optional(),
      ),
      clusterNodes: env('REDIS_CLUSTER_NODES', hostList.optional()),
    },
    keyPrefix: env(
      'REDIS_KEY_PREFIX',
      z
        .string()
        .regex(/^[a-zA-Z0-9:_-]*$/, 'letters, digits, ":", "_" and "-" only')
        .default('platform:'),
    ),
    /** Unset: the SCALE_PROFILE preset. */
    connections: env('REDIS_CONNECTIONS', optionalInt(1)),
    commandTimeoutMs: env('REDIS_COMMAND_TIMEOUT_MS', int(1).default(1_000)),
    /**
     * Share of maxmemory above which new jobs are refused (503 redis_memory_high); 0 turns the guard
     * off (so does a Redis without maxmemory).
     */
    memoryGuardRatio: env('REDIS_MEMORY_GUARD_RATIO', z.coerce.number().min(0).max(1).default(0.8)),
  },
  throttle: {
    expectedInstances: env('THROTTLE_EXPECTED_INSTANCES', int(1).default(1)),
    anonymous: {
      perMinute: env('THROTTLE_ANONYMOUS_PER_MINUTE', int(1).default(60)),
      burst: env('THROTTLE_ANONYMOUS_BURST', int(1).default(60)),
    },
    authFailures: {
      perMinute: env('THROTTLE_AUTH_FAILURES_PER_MINUTE', int(1).default(10)),
      burst: env('THROTTLE_AUTH_FAILURES_BURST', int(1).default(20)),
    },
    /** Most tokens one API process leases from a key's Redis bucket at a time. */
    leaseMaxTokens: env('THROTTLE_LEASE_MAX_TOKENS', int(1).default(100)),
    /** Unspent leased tokens expire after this long. */
    leaseTtlMs: env('THROTTLE_LEASE_TTL_MS', int(10).default(1_000)),
    tierCacheTtlMs: env('TIER_CACHE_TTL_MS', int(0).default(300_000)),
    apiKeyCacheTtlMs: env('API_KEY_CACHE_TTL_MS', int(0).default(300_000)),
    /** How long a key no one holds is remembered as unknown (0: not remembered). */
    apiKeyNegativeCacheTtlMs: env('API_KEY_NEGATIVE_CACHE_TTL_MS', int(0).default(30_000)),
  },
  loadShedding: {
    maxEventLoopDelayMs: env('LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS', int(0).default(1_000)),
    maxHeapUsedBytes: env('LOAD_SHED_MAX_HEAP_USED_BYTES', int(0).default(0)),
    retryAfterSeconds: env('LOAD_SHED_RETRY_AFTER_SECONDS', int(1).default(2)),
  },
  circuitBreakers: env('CIRCUIT_BREAKERS', jsonObject(breakerOverridesSchema)),
  cache: {
    l1MaxEntries: env('CACHE_L1_MAX_ENTRIES', int(1).default(10_000)),
    l1MaxBytes: env('CACHE_L1_MAX_BYTES', int(1024).default(64 * 1024 * 1024)),
    l1TtlMs: env('CACHE_L1_TTL_MS', int(1).default(60_000)),
    l2TtlMs: env('CACHE_L2_TTL_MS', int(1).default(3_600_000)),
    compressOverBytes: env('CACHE_COMPRESS_OVER_BYTES', int(0).default(1024)),
    /** Live L2 entries one tag may index (bounded tag sets); past it the soonest to expire are evicted. */
    maxTagEntries: env('CACHE_MAX_TAG_ENTRIES', int(1).default(10_000)),
  },
  queue: {
    /** Unset: the SCALE_PROFILE preset. */
    concurrency: env('QUEUE_CONCURRENCY', optionalInt(1)),
    jobTimeoutMs: env('QUEUE_JOB_TIMEOUT_MS', int(1).default(30_000)),
    workerShutdownDeadlineMs: env('WORKER_SHUTDOWN_DEADLINE_MS', int(0).default(25_000)),
    outboxRelayIntervalMs: env('OUTBOX_RELAY_INTERVAL_MS', int(10).default(1_000)),
    outboxRelayBatch: env('OUTBOX_RELAY_BATCH', int(1).default(500)),
    /** Lock duration and stalled-check interval: a crashed worker's job runs again after about this long. */
    stalledIntervalMs: env('QUEUE_STALLED_INTERVAL_MS', int(100).default(30_000)),
    /** How long a queue-depth read is reused by the backpressure check. */
    depthCacheMs: env('QUEUE_DEPTH_CACHE_MS', int(0).default(250)),
    /**
     * Replicas that must acknowledge (WAIT) a batch of added jobs before their outbox rows are marked
     * dispatched: a job only the master had is lost if the master fails over. 0: never asked.
     * Unset: 1 with Sentinel or Cluster, 0 with one server.
     */
    dispatchReplicas: env('QUEUE_DISPATCH_REPLICAS', optionalInt(0)),
    /**
     * How long WAIT waits for them; rows not confirmed by then stay pending for the relay. Unset: half
     * of REDIS_COMMAND_TIMEOUT_MS, at most 500.
     */
    dispatchWaitMs: env('QUEUE_DISPATCH_WAIT_MS', optionalInt(1)),
    overrides: env('QUEUE_OVERRIDES', jsonObject(queueOverridesSchema)),
  },
  /** POST /v1/jobs. */
  jobs: {
    /** Jobs one API key may have queued or delayed at once (429 too_many_pending_jobs). */
    maxPendingPerKey: env('JOBS_MAX_PENDING_PER_KEY', int(1).default(1_000)),
    /**
     * Whether diagnostics.* job types may be started. A canary that parks workers has no place in
     * production unless an operator asks for it: unset, on outside production only.
     */
    diagnostics: env('JOBS_DIAGNOSTICS', bool.optional()),
  },
  /** Group commit of concurrent writes in one process (rows = events; POST /v1/events). */
  writes: {
    batchMaxRows: env('WRITE_BATCH_MAX_ROWS', int(1).default(2_000)),
    queueMaxRows: env('WRITE_QUEUE_MAX_ROWS', int(1).default(20_000)),
    batchConcurrency: env('WRITE_BATCH_CONCURRENCY', int(1).default(2)),
  },
  /** How long data is kept (the worker deletes older rows hourly, in batches); 0 keeps it forever. */
  retention: { userEventsDays: env('USER_EVENTS_RETENTION_DAYS', int(0).max(36_500).default(90)) },
  /** Limits shared by all of a tenant's keys (rate limits stay per key, by tier). */
  tenants: {
    maxWebhookSubscriptions: env('TENANT_MAX_WEBHOOK_SUBSCRIPTIONS', int(1).max(10_000).default(100)),
    maxPendingJobs: env('TENANT_MAX_PENDING_JOBS', int(1).default(10_000)),
  },
  webhooks: webhookDeclaration,
  tracing: tracingDeclaration,
} satisfies Declaration;
