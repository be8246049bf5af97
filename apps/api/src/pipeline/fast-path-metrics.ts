import { Counter } from 'prom-client';
import { sharedMetric } from '@platform/observability';

/** Requests of learned cached routes: answered by the fast path, or left to the full pipeline. */
export function fastPathCounter(): Counter<'result'> {
  const name = 'http_cached_read_fast_path_total';
  return sharedMetric(
    name,
    () =>
      new Counter({
        name,
        help: 'GETs of cached routes answered by the cached-read fast path (answered) or left to the full pipeline (passed)',
        labelNames: ['result'],
      }),
  );
}
