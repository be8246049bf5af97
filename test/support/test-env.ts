import { randomBytes } from 'node:crypto';
import { currentEnv } from '@platform/config';
import { testPostgresEnv } from './test-database';
import { testRedisEnv } from './redis-topology';

/** The shared local services; tests never reconfigure or stop these. */
export const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432';
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';

export function randomSuffix(): string {
  return randomBytes(5).toString('hex');
}

/**
 * A baseline environment for a test instance: the caller's environment minus anything a developer
 * may have exported for the platform, plus isolated names (database, Redis key prefix).
 */
export { LOCAL_REDIS } from './redis-topology';

export function testEnv(
  overrides: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  const base = currentEnv();
  for (const key of Object.keys(base)) {
    if (
      /^(DATABASE_|DB_|REDIS_|ADMIN_|THROTTLE_|CACHE_|QUEUE_|PORT$|WORKER_PORT$|METRICS_PORT$|SCALE_PROFILE$|DOCS_ENABLED$|CORS_ORIGINS$|HTTP_\w+_TIMEOUT_MS$)/.test(
        key,
      )
    ) {
      delete base[key];
    }
  }
  return {
    ...base,
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    ...testRedisEnv(),
    ...testPostgresEnv(),
    REDIS_KEY_PREFIX: `test:${randomSuffix()}:`,
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    API_PROCESSES: '1',
    // Tests check behaviour, not how busy the machine running them is: event-loop-delay shedding would
    // answer 503 to whichever test happens to run beside a CPU-heavy one. The load-shedding test sets it.
    LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '0',
    ...overrides,
  };
}
