import { Histogram } from 'prom-client';
import { sharedMetric } from './shared-metric';

export const HTTP_DURATION_METRIC = 'http_server_request_duration_seconds';

/** Shared per process: two app instances in one test process must not register it twice. */
export function httpDurationHistogram(): Histogram<'method' | 'route' | 'status_code'> {
  return sharedMetric(
    HTTP_DURATION_METRIC,
    () =>
      new Histogram({
        name: HTTP_DURATION_METRIC,
        help: 'HTTP request duration by method, route template and status code',
        labelNames: ['method', 'route', 'status_code'],
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      }),
  );
}

/** Requests that matched no route are one series, never one per raw path (ids would explode cardinality). */
export const UNMATCHED_ROUTE = 'unmatched';
