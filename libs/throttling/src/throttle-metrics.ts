import { Counter, register } from 'prom-client';

function getOrCreate<T>(name: string, create: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? create();
}

export function decisionsCounter(): Counter<'tier' | 'decision'> {
  return getOrCreate(
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
  return getOrCreate(
    'ratelimit_local_fallback_total',
    () =>
      new Counter({
        name: 'ratelimit_local_fallback_total',
        help: 'Rate-limit checks decided by the in-process bucket because Redis was unavailable',
      }),
  );
}

export function leaseRequestsCounter(): Counter<'result'> {
  return getOrCreate(
    'ratelimit_lease_requests_total',
    () =>
      new Counter({
        name: 'ratelimit_lease_requests_total',
        help: 'Token leases asked of Redis (one call each): granted or refused. Compare with ratelimit_decisions_total',
        labelNames: ['result'],
      }),
  );
}
