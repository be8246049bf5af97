export { freePort } from './ports';
export { testEnv, randomSuffix, LOCAL_POSTGRES, LOCAL_REDIS, TEST_ADMIN_TOKEN } from './test-env';
export { createTestDatabase, type TestDatabase } from './test-database';
export { startInProcess, type RunningApp } from './in-process-app';
export { spawnApp, type SpawnedApp } from './spawned-app';
export { PrivateRedis } from './redis-server';
export { waitFor, jsonClient, deleteRedisKeys, type JsonResponse, type JobBody } from './queue-helpers';
