import { z } from 'zod';
import { breakerOverridesSchema } from './breaker-options';
import { parseCorsOrigins } from './cors-origins';
import { parseHostList } from './host-list';
import { parsePostgresUrl } from './postgres-url';
import { queueOverridesSchema } from './queue-overrides';
import { SCALE_PROFILES } from './scale-presets';
import { tracingEnvShape } from './tracing-settings';
import { parseTrustProxy } from './trust-proxy';

/**
 * Every environment variable the platform reads, in one place. Values arrive as strings; each is
 * coerced and checked here so the rest of the code only ever sees typed, validated config.
 * Optional numeric values without a default fall back to the SCALE_PROFILE preset.
 */
const int = (min = 0) => z.coerce.number().int().min(min);
const optionalInt = (min = 0) => int(min).optional();
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    `must be a ${protocols.join(' or ')} URL`,
  );
const urlList = (protocols: string[]) =>
  z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(url(protocols)));
/** One or several hosts (libpq style); app-config splits it into one URL per host. */
const postgresUrl = z.string().superRefine((v, ctx) => {
  const parsed = parsePostgresUrl(v);
  if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
});
const hostList = z.string().superRefine((v, ctx) => {
  const parsed = parseHostList(v);
  if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
});
const secret = z.string().min(16, 'must be at least 16 characters').optional();
/** Text a parser turns into a structured value; its error becomes the variable's issue. */
const parsedText = <T>(parse: (raw: string) => T | Error, unset: string) =>
  z
    .string()
    .default(unset)
    .transform((raw, ctx): T => {
      const value = parse(raw);
      if (!(value instanceof Error)) return value;
      ctx.addIssue({ code: 'custom', message: value.message });
      return z.NEVER;
    });
/**
 * JSON checked against `schema`. Its problems are folded into one issue on the variable (not piped as
 * nested issues) so the boot message keeps one line per variable.
 */
const jsonObject = <T extends z.ZodType>(schema: T) =>
  z
    .string()
    .default('{}')
    .transform((raw, ctx): z.output<T> => {
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON object' });
        return z.NEVER;
      }
      const result = schema.safeParse(json);
      if (result.success) return result.data;
      ctx.addIssue({ code: 'custom', message: z.prettifyError(result.error).replace(/\n/g, '; ') });
      return z.NEVER;
    });

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SCALE_PROFILE: z.enum(SCALE_PROFILES).default('small'),

  // HTTP
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: int(0).max(65535).default(3000),
  WORKER_PORT: int(0).max(65535).default(3001),
  API_PROCESSES: optionalInt(1),
  BODY_LIMIT_BYTES: int(1024).default(1024 * 1024),
  TRUST_PROXY: parsedText(parseTrustProxy, 'false'),
  SHUTDOWN_DRAIN_DELAY_MS: optionalInt(),
  SHUTDOWN_TIMEOUT_MS: int(1000).default(30_000),
  // The API's /metrics listener; unset: 3002 in production, the public port otherwise.
  METRICS_PORT: int(0).max(65535).optional(),
  // Socket-level timeouts of both apps' HTTP servers (0 disables one).
  HTTP_REQUEST_TIMEOUT_MS: int(0).default(30_000),
  HTTP_CONNECTION_TIMEOUT_MS: int(0).default(60_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int(1).default(72_000),
  // The OpenAPI UI and document; unset: on, except in production.
  DOCS_ENABLED: bool.optional(),
  // Browser origins allowed to call the API (CORS); unset: none.
  CORS_ORIGINS: parsedText(parseCorsOrigins, ''),

  // Credentials
  ADMIN_TOKEN: secret,
  ADMIN_USER: z.string().min(1).optional(),
  ADMIN_PASSWORD: secret,

  // Postgres
  // Several hosts (`postgres://u@h1:5432,h2:5432/db`): writes go to the one not in recovery.
  DATABASE_URL: postgresUrl.default('postgres://postgres@127.0.0.1:5432/platform'),
  // A direct (not pooled) URL for migrations and the database creation step, when DATABASE_URL goes
  // through a transaction pooler that offers no session features or no maintenance database.
  MIGRATION_DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  // DATABASE_URL points at a transaction pooler (PgBouncer pool_mode=transaction): no startup
  // parameters, no session state on pooled connections.
  DATABASE_TRANSACTION_POOLER: bool.default(false),
  DATABASE_REPLICA_URLS: urlList(['postgres:', 'postgresql:']).default([]),
  DB_POOL_SIZE: optionalInt(1),
  DB_ACQUIRE_TIMEOUT_MS: int(1).default(2_000),
  DB_IDLE_TIMEOUT_MS: int(1).default(30_000),
  DB_STATEMENT_TIMEOUT_MS: int(1).default(30_000),
  DB_SLOW_QUERY_MS: int(1).default(500),
  REPLICA_CHECK_INTERVAL_MS: int(50).default(1_000),
  MAX_REPLICA_LAG_MS: int(0).default(5_000),
  MAX_REPLICA_LAG_BYTES: int(0).default(8 * 1024 * 1024),
  READ_YOUR_WRITES_TTL_MS: int(100).default(30_000),

  // Redis
  REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  // Sentinel or Cluster take precedence over REDIS_URL (whose credentials and TLS still apply).
  REDIS_SENTINELS: hostList.optional(),
  REDIS_SENTINEL_NAME: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only')
    .optional(),
  REDIS_CLUSTER_NODES: hostList.optional(),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9:_-]*$/, 'letters, digits, ":", "_" and "-" only')
    .default('platform:'),
  REDIS_CONNECTIONS: optionalInt(1),
  REDIS_COMMAND_TIMEOUT_MS: int(1).default(1_000),
  // New jobs are refused (503 redis_memory_high) while used_memory is over this share of maxmemory;
  // 0 turns the guard off (so does a Redis without maxmemory).
  REDIS_MEMORY_GUARD_RATIO: z.coerce.number().min(0).max(1).default(0.8),

  // Throttling and load shedding
  THROTTLE_EXPECTED_INSTANCES: int(1).default(1),
  THROTTLE_ANONYMOUS_PER_MINUTE: int(1).default(60),
  THROTTLE_ANONYMOUS_BURST: int(1).default(60),
  THROTTLE_AUTH_FAILURES_PER_MINUTE: int(1).default(10),
  THROTTLE_AUTH_FAILURES_BURST: int(1).default(20),
  THROTTLE_LEASE_MAX_TOKENS: int(1).default(100),
  THROTTLE_LEASE_TTL_MS: int(10).default(1_000),
  TIER_CACHE_TTL_MS: int(0).default(300_000),
  API_KEY_CACHE_TTL_MS: int(0).default(300_000),
  API_KEY_NEGATIVE_CACHE_TTL_MS: int(0).default(30_000),
  LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: int(0).default(1_000),
  LOAD_SHED_MAX_HEAP_USED_BYTES: int(0).default(0),
  LOAD_SHED_RETRY_AFTER_SECONDS: int(1).default(2),
  CIRCUIT_BREAKERS: jsonObject(breakerOverridesSchema),

  // Cache
  CACHE_L1_MAX_ENTRIES: int(1).default(10_000),
  CACHE_L1_MAX_BYTES: int(1024).default(64 * 1024 * 1024),
  CACHE_L1_TTL_MS: int(1).default(60_000),
  CACHE_L2_TTL_MS: int(1).default(3_600_000),
  CACHE_COMPRESS_OVER_BYTES: int(0).default(1024),
  CACHE_MAX_TAG_ENTRIES: int(1).default(10_000),

  // Queues
  QUEUE_CONCURRENCY: optionalInt(1),
  QUEUE_JOB_TIMEOUT_MS: int(1).default(30_000),
  WORKER_SHUTDOWN_DEADLINE_MS: int(0).default(25_000),
  OUTBOX_RELAY_INTERVAL_MS: int(10).default(1_000),
  OUTBOX_RELAY_BATCH: int(1).default(500),
  QUEUE_STALLED_INTERVAL_MS: int(100).default(30_000),
  QUEUE_DEPTH_CACHE_MS: int(0).default(250),
  // Replicas that must have a job before its outbox row counts as dispatched (default: 1 with
  // Sentinel or Cluster, 0 with one server), and how long to wait for them (default: half of
  // REDIS_COMMAND_TIMEOUT_MS, at most 500).
  QUEUE_DISPATCH_REPLICAS: optionalInt(0),
  QUEUE_DISPATCH_WAIT_MS: optionalInt(1),
  QUEUE_OVERRIDES: jsonObject(queueOverridesSchema),
  // POST /v1/jobs: jobs one API key may have queued or delayed at once (429 too_many_pending_jobs).
  JOBS_MAX_PENDING_PER_KEY: int(1).default(1_000),
  // diagnostics.* job types through POST /v1/jobs: on by default outside production.
  JOBS_DIAGNOSTICS: bool.optional(),

  // Group-committed writes (POST /v1/events)
  WRITE_BATCH_MAX_ROWS: int(1).default(2_000),
  WRITE_QUEUE_MAX_ROWS: int(1).default(20_000),
  WRITE_BATCH_CONCURRENCY: int(1).default(2),

  // Retention: user events older than this are deleted hourly, in batches (0 keeps them forever)
  USER_EVENTS_RETENTION_DAYS: int(0).max(36_500).default(90),

  // Tenants: limits shared by all of a tenant's keys
  TENANT_MAX_WEBHOOK_SUBSCRIPTIONS: int(1).max(10_000).default(100),
  TENANT_MAX_PENDING_JOBS: int(1).default(10_000),

  // Webhooks
  WEBHOOK_ALLOW_PRIVATE: bool.default(false),
  /** Plain http:// targets for new subscriptions; unset: refused in production, allowed elsewhere. */
  WEBHOOK_ALLOW_HTTP: bool.optional(),
  /** No byte from the receiver (connect included) for this long fails an attempt. */
  WEBHOOK_TIMEOUT_MS: int(1).default(5_000),
  /** The whole attempt (connect, request, response headers and body) ends by then, whatever the receiver does. */
  WEBHOOK_DELIVERY_TIMEOUT_MS: optionalInt(100),
  /** How long a rotated-out webhook secret keeps signing deliveries beside the new one. */
  WEBHOOK_SECRET_ROTATION_WINDOW_SECONDS: int(0)
    .max(30 * 86_400)
    .default(86_400),

  ...tracingEnvShape,
});

export type RawEnv = z.infer<typeof envSchema>;
