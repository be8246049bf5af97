export { loadConfig, ConfigValidationError, CONFIG_VARIABLES, type AppConfig } from './app-config';
export { ConfigModule, APP_CONFIG, InjectConfig } from './config.module';
export { loadDotEnv, currentEnv } from './load-env-file';
export {
  SCALE_PRESETS,
  SCALE_PROFILES,
  capToCpus,
  type ScaleProfile,
  type ScalePreset,
} from './scale-presets';
export { parseTrustProxy, type TrustProxy } from './trust-proxy';
export {
  BREAKERS,
  BREAKER_FAMILIES,
  breakerOptionsSchema,
  type BreakerName,
  type BreakerOptions,
  type BreakerOverrides,
} from './breaker-options';
export {
  QUEUE_NAMES,
  queueOverrideSchema,
  type QueueName,
  type QueueOverride,
  type QueueOverrides,
} from './queue-overrides';
export { parseHostList, parseHostPort, type HostPort } from './host-list';
export { parsePostgresUrl, type PostgresTarget } from './postgres-url';
export type { RedisTopology } from './redis-topology';
export { loadTracingSettings, type TracingSettings } from './tracing-settings';
export type { WebhookSettings } from './webhook-settings';
