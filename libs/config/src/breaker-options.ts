import { z } from 'zod';

/**
 * Every breaker name the platform opens. CIRCUIT_BREAKERS is checked against these at boot and the
 * registry only hands out breakers by these names, so an override can never name a breaker that does
 * not exist (a typo would otherwise tune nothing, silently).
 */
export const BREAKERS = {
  /** Every L2 cache call. */
  cacheL2: 'cache-l2',
  /** Redis as used by throttling. */
  redisThrottle: 'redis-throttle',
  /** The read-your-writes LSN store in Redis. */
  redisWriteLsn: 'redis-write-lsn',
} as const;

/** Breakers opened per instance, named `<prefix><instance>`: one per replica, one per webhook host. */
export const BREAKER_FAMILIES = {
  /** Followed by the replica's host label, e.g. `postgres-replica:10.0.0.7:5432/platform`. */
  postgresReplica: 'postgres-replica:',
  /** Followed by the destination's host, e.g. `webhook:hooks.example.com`. */
  webhook: 'webhook:',
} as const;

const FIXED_NAMES = Object.values(BREAKERS);
const FAMILY_PREFIXES = Object.values(BREAKER_FAMILIES);

export const breakerNameSchema = z.union([
  z.enum(FIXED_NAMES),
  z.templateLiteral([z.enum(FAMILY_PREFIXES), z.string().min(1)]),
]);
export type BreakerName = z.infer<typeof breakerNameSchema>;

const KNOWN_BREAKERS = [...FIXED_NAMES, ...FAMILY_PREFIXES.map((prefix) => `${prefix}<name>`)].join(', ');

/** Per-breaker overrides, given as JSON in CIRCUIT_BREAKERS, e.g. {"cache-l2":{"resetTimeoutMs":5000}}. */
export const breakerOptionsSchema = z.strictObject({
  timeoutMs: z.number().int().min(1).optional(),
  errorThresholdPercentage: z.number().min(1).max(100).optional(),
  volumeThreshold: z.number().int().min(0).optional(),
  resetTimeoutMs: z.number().int().min(1).optional(),
  rollingCountTimeoutMs: z.number().int().min(100).optional(),
});
export type BreakerOptions = z.infer<typeof breakerOptionsSchema>;

export const breakerOverridesSchema = z.partialRecord(breakerNameSchema, breakerOptionsSchema, {
  error: (issue) =>
    issue.code === 'invalid_key'
      ? `unknown breaker "${String(issue.path?.at(-1))}" (known: ${KNOWN_BREAKERS})`
      : undefined,
});
export type BreakerOverrides = z.infer<typeof breakerOverridesSchema>;
