export { freePort } from './ports';
export { testEnv, randomSuffix, LOCAL_POSTGRES, LOCAL_REDIS, TEST_ADMIN_TOKEN } from './test-env';
export { createTestDatabase, undoMigrationsThrough, type TestDatabase } from './test-database';
export { startCoreApp, type CoreAppOptions, type RunningApp } from './core-app';
export { startInProcess } from './in-process-app';
export { spawnApp, type SpawnedApp } from './spawned-app';
export { PrivateRedis } from './redis-server';
export { PrivatePostgres } from './postgres-server';
export { PgStandby } from './pg-standby';
export { startApiWithControllers } from './api-with-controllers';
export { ReplicaTestController, REPLICA_TEST_IMPORTS } from './replica-test.controller';
export { ReplicaRoutesController, REPLICA_ROUTES_IMPORTS, ReplicaTestRoutes } from './replica-test-routes';
export {
  TestCallerInterceptor,
  testCallerKey,
  TEST_CALLER_HEADER,
  TEST_READ_FROM_PRIMARY_HEADER,
} from './test-caller';
export { waitFor, jsonClient, type JsonResponse, type JobBody } from './queue-helpers';
export { checkContractOf, exemptFromContract } from './contract/exemptions';
export { OpenApiContract, OPENAPI_DOCUMENT_PATH } from './contract/openapi-contract';
export {
  testRedisEnv,
  testClusterNodes,
  openTestRedis,
  openTestQueue,
  deleteRedisKeys,
} from './redis-topology';
export { PrivateRedisCluster } from './redis-cluster';
export { PrivateSentinelSet, SENTINEL_MASTER_NAME } from './redis-sentinel';
export { PrivatePgBouncer } from './pgbouncer';
