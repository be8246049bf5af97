/**
 * The test support a lib's own tests may use: real services and an app of the libs (startCoreApp),
 * nothing that loads apps/. The index re-exports these too, beside the API and worker starters; lint
 * keeps libs/ on this entry.
 */
export { freePort } from './ports';
export { testEnv, randomSuffix, LOCAL_POSTGRES, LOCAL_REDIS, TEST_ADMIN_TOKEN } from './test-env';
export { createTestDatabase, undoMigrationsThrough, type TestDatabase } from './test-database';
export { startCoreApp, type CoreAppOptions, type RunningApp } from './core-app';
export { PrivateRedis } from './redis-server';
export { PrivatePostgres } from './postgres-server';
export { PgStandby } from './pg-standby';
export { ReplicaRoutesController, REPLICA_ROUTES_IMPORTS, ReplicaTestRoutes } from './replica-test-routes';
export {
  TestCallerInterceptor,
  testCallerKey,
  TEST_CALLER_HEADER,
  TEST_READ_FROM_PRIMARY_HEADER,
} from './test-caller';
export { waitFor, jsonClient, type JsonResponse, type JobBody } from './queue-helpers';
export {
  testRedisEnv,
  testClusterNodes,
  openTestRedis,
  openTestQueue,
  deleteRedisKeys,
} from './redis-topology';
