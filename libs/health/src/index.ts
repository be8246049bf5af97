export { HealthModule } from './health.module';
export { HealthDetailsRegistry } from './health-details.registry';
export { RedisHealthIndicator } from './redis.indicator';
