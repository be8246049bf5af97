export {
  RedisModule,
  REDIS_COMMANDS,
  REDIS_SUBSCRIBER,
  REDIS_SETTINGS,
  InjectRedis,
  InjectRedisSubscriber,
} from './redis.module';
export {
  createRedis,
  redisOptionsFor,
  waitUntilReady,
  closeRedis,
  reconnectOnReadOnly,
  type RedisClient,
  type RedisRole,
  type RedisConnectionSettings,
} from './redis-connections';
export {
  describeRedis,
  serverVersion,
  compareVersions,
  MINIMUM_REDIS_VERSION,
  type RedisTopologyStatus,
} from './redis-topology';
