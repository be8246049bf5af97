/** Percentiles and status tallies shared by the open-loop driver and the scenarios' tables. */
export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles of the finite values (NaN marks a request that got no response), in ms. */
export function summarize(values: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(Array.prototype.filter.call(values, Number.isFinite) as number[]).sort();
  const at = (q: number) =>
    sorted.length ? round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]) : NaN;
  return { count: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) };
}

export interface StatusTally {
  /** 2xx and 3xx. */
  ok: number;
  /** 429: the rate limit answered, counted apart from errors. */
  throttled: number;
  notFound: number;
  /** 5xx, other 4xx, and requests with no response (socket error, timeout). */
  errors: number;
  /** Every status seen, `0` for no response. */
  statusCounts: Record<string, number>;
}

/** `statuses[i]` is request i's HTTP status, 0 when it got none. */
export function countStatuses(statuses: ArrayLike<number>): StatusTally {
  const statusCounts: Record<string, number> = {};
  for (let i = 0; i < statuses.length; i += 1) {
    const code = String(statuses[i]);
    statusCounts[code] = (statusCounts[code] ?? 0) + 1;
  }
  return tallyStatusCounts(statusCounts);
}

export function tallyStatusCounts(statusCounts: Record<string, number>, socketErrors = 0): StatusTally {
  let ok = 0;
  let errors = socketErrors;
  for (const [code, count] of Object.entries(statusCounts)) {
    if (/^[23]\d\d$/.test(code)) ok += count;
    else if (code !== '429' && code !== '404') errors += count;
  }
  return {
    ok,
    throttled: statusCounts['429'] ?? 0,
    notFound: statusCounts['404'] ?? 0,
    errors,
    statusCounts,
  };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
