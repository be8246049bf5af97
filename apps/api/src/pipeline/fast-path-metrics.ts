import { Counter, register } from 'prom-client';

/** Requests of learned cached routes: answered by the fast path, or left to the full pipeline. */
export function fastPathCounter(): Counter<'result'> {
  const name = 'http_cached_read_fast_path_total';
  return (
    (register.getSingleMetric(name) as Counter<'result'> | undefined) ??
    new Counter({
      name,
      help: 'GETs of cached routes answered by the cached-read fast path (answered) or left to the full pipeline (passed)',
      labelNames: ['result'],
    })
  );
}
