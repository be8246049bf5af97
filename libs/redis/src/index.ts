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
  type RedisRole,
  type RedisConnectionSettings,
} from './redis-connections';
