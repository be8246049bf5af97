import autocannon from 'autocannon';

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p90: number;
  /** autocannon reports p97.5, not p95; a p95 goal is met whenever p97.5 meets it. */
  p97_5: number;
  p99: number;
  /** Non-2xx/3xx responses, by status. */
  statusCounts: Record<string, number>;
  errors: number;
  timeouts: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  headers?: Record<string, string>;
  /** Several request shapes, cycled per connection (autocannon `requests`). */
  requests?: autocannon.Request[];
  pipelining?: number;
  progress?: (line: string) => void;
  label?: string;
}

/** One autocannon run; latency percentiles in milliseconds. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let ticks = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.durationSeconds,
        headers: options.headers,
        requests: options.requests,
        pipelining: options.pipelining ?? 1,
        timeout: 10,
      },
      (error, result) => (error ? reject(error as Error) : resolve(result)),
    );
    instance.on('tick', () => {
      ticks += 1;
      options.progress?.(`${options.label ?? 'load'}: ${ticks}/${options.durationSeconds}s`);
    });
  });
  const statusCounts: Record<string, number> = {};
  for (const [code, count] of Object.entries(result.statusCodeStats ?? {})) {
    statusCounts[code] = (count as { count: number }).count;
  }
  return {
    requests: result.requests.total,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p90: result.latency.p90,
    p97_5: result.latency.p97_5,
    p99: result.latency.p99,
    statusCounts,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}
