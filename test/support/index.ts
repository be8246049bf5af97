// What a lib's tests may use (no app), then the starters of the API and worker and what only they need.
export * from './libs';
export { startInProcess } from './in-process-app';
export { spawnApp, type SpawnedApp } from './spawned-app';
export { startApiWithControllers } from './api-with-controllers';
export { ReplicaTestController, REPLICA_TEST_IMPORTS } from './replica-test.controller';
export { checkContractOf, exemptFromContract } from './contract/exemptions';
export { OpenApiContract, OPENAPI_DOCUMENT_PATH } from './contract/openapi-contract';
export { PrivateRedisCluster } from './redis-cluster';
export { PrivateSentinelSet, SENTINEL_MASTER_NAME } from './redis-sentinel';
export { PrivatePgBouncer } from './pgbouncer';
