export { ResilienceModule } from './resilience.module';
export {
  CircuitBreakerRegistry,
  DEFAULT_BREAKER_OPTIONS,
  MAX_DESTINATION_BREAKERS,
} from './circuit-breaker.registry';
export { NamedBreaker, isBreakerOpenError, isBreakerTimeoutError, type BreakerState } from './named-breaker';
export { STATE_VALUE as BREAKER_STATE_VALUE } from './breaker-metrics';
export { installLoadShedding } from './load-shedding';
export { PROBE_PATHS, isProbePath } from './probe-routes';
export { withDeadline } from './deadline';
