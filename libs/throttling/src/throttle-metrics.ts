import { sharedMetric } from '@platform/observability';
import { Counter } from 'prom-client';

export function decisionsCounter(): Counter<'tier' | 'decision'> {
  return sharedMetric(
    'ratelimit_decisions_total',
    () =>
      new Counter({
        name: 'ratelimit_decisions_total',
        help: 'Rate-limit decisions by tier (anonymous, auth_failures, or the API key tier): allowed or limited',
        labelNames: ['tier', 'decision'],
      }),
  );
}

export function fallbackCounter(): Counter {
  return sharedMetric(
    'ratelimit_local_fallback_total',
    () =>
      new Counter({
        name: 'ratelimit_local_fallback_total',
        help: 'Rate-limit checks decided by the in-process bucket because Redis was unavailable',
      }),
  );
}

export function leaseRequestsCounter(): Counter<'result'> {
  return sharedMetric(
    'ratelimit_lease_requests_total',
    () =>
      new Counter({
        name: 'ratelimit_lease_requests_total',
        help: 'Token leases asked of Redis (one call each): granted or refused. Compare with ratelimit_decisions_total',
        labelNames: ['result'],
      }),
  );
}
