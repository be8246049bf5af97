/**
 * Probes and the metrics scrape: never throttled and never shed, so an overloaded or rate-limited
 * instance still reports its state to the orchestrator and to Prometheus. `/health/detailed` is not
 * one of them: it takes an admin token, so wrong tokens must count against the failed-auth bucket.
 */
export const PROBE_PATHS: ReadonlySet<string> = new Set(['/health', '/readyz', '/metrics']);

export function isProbePath(url: string): boolean {
  const q = url.indexOf('?');
  return PROBE_PATHS.has(q === -1 ? url : url.slice(0, q));
}
