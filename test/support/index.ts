export { freePort } from './ports';
export { testEnv, randomSuffix, LOCAL_POSTGRES, LOCAL_REDIS, TEST_ADMIN_TOKEN } from './test-env';
export { createTestDatabase, undoMigrationsThrough, type TestDatabase } from './test-database';
export { startInProcess, type RunningApp } from './in-process-app';
export { spawnApp, type SpawnedApp } from './spawned-app';
export { PrivateRedis } from './redis-server';
export { PrivatePostgres } from './postgres-server';
export { PgStandby } from './pg-standby';
export { startApiWithControllers } from './api-with-controllers';
export { ReplicaTestController, REPLICA_TEST_IMPORTS } from './replica-test.controller';
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
