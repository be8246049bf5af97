import { tallyStatusCounts } from '../support/latency';
import type { LoadResult } from '../support/load';
import type { OpenLoopResult } from '../support/open-loop';

/** Table rows shared by the load scenarios: one shape for closed-loop runs, one for open-loop runs. */
export type Cpu = Record<string, number | null>;

/** `CPU µs/req api`, `… worker`, `… loadGenerator`, `… hello`: whichever processes were measured. */
export function cpuColumns(cpu: Cpu): Record<string, string | number> {
  return Object.fromEntries(Object.entries(cpu).map(([name, us]) => [`CPU µs/req ${name}`, us ?? 'n/a']));
}

export function closedRow(name: string, r: LoadResult, cpu: Cpu): Record<string, string | number> {
  const tally = tallyStatusCounts(r.statusCounts, r.errors); // autocannon's errors include its timeouts
  return {
    target: name,
    'req/s': r.rps,
    'p50 ms': r.p50,
    'p97.5 ms': r.p97_5,
    'p99 ms': r.p99,
    requests: r.requests,
    'HTTP 429': tally.throttled,
    'HTTP 404': tally.notFound,
    errors: tally.errors,
    ...cpuColumns(cpu),
  };
}

export function openRow(name: string, r: OpenLoopResult, cpu: Cpu): Record<string, string | number> {
  return {
    target: name,
    offered: r.offeredRps,
    achieved: r.achievedRps,
    'p50 ms': r.latency.p50,
    'p95 ms': r.latency.p95,
    'p99 ms': r.latency.p99,
    requests: r.sent,
    'HTTP 429': r.throttled,
    'HTTP 404': r.notFound,
    errors: r.errors,
    'send lag p99 ms': r.sendLagP99Ms,
    ...cpuColumns(cpu),
  };
}

/** One row per request kind of an open-loop run, latency measured by the load generator itself. */
export function kindRows(r: OpenLoopResult): Array<Record<string, string | number>> {
  return Object.entries(r.byKind).map(([kind, k]) => ({
    target: `  ${kind}`,
    'p50 ms': k.p50,
    'p95 ms': k.p95,
    'p99 ms': k.p99,
    requests: k.count + (k.statusCounts['0'] ?? 0),
    'HTTP 429': k.throttled,
    'HTTP 404': k.notFound,
    errors: k.errors,
  }));
}
