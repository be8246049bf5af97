import { sharedMetric } from '@platform/observability';
import { Counter, Gauge } from 'prom-client';
import type { BreakerState } from './named-breaker';

/** 0 closed, 1 half-open, 2 open: alert on `circuit_breaker_state == 2`. */
export const STATE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

export const BREAKER_EVENTS = [
  'success',
  'failure',
  'timeout',
  'reject',
  'open',
  'halfOpen',
  'close',
  'fallback',
] as const;

export function breakerStateGauge(): Gauge<'breaker'> {
  return sharedMetric(
    'circuit_breaker_state',
    () =>
      new Gauge({
        name: 'circuit_breaker_state',
        // Every process reports the same shared state: with API_PROCESSES > 1 the cluster-wide
        // /metrics must show it once (max), not summed across processes.
        aggregator: 'max',
        help: 'Circuit breaker state: 0 closed, 1 half-open, 2 open',
        labelNames: ['breaker'],
      }),
  );
}

export function breakerEventsCounter(): Counter<'breaker' | 'event'> {
  return sharedMetric(
    'circuit_breaker_events_total',
    () =>
      new Counter({
        name: 'circuit_breaker_events_total',
        help: 'Circuit breaker events (success, failure, timeout, reject, open, halfOpen, close, fallback)',
        labelNames: ['breaker', 'event'],
      }),
  );
}
