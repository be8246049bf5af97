export { HealthModule } from './health.module';
export { ComponentIndicators } from './component-indicators';
export { RedisHealthIndicator } from './redis.indicator';
