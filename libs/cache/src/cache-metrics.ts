import { sharedMetric } from '@platform/observability';
import { Counter, Gauge, Histogram } from 'prom-client';

/** What a cache instance reports to the L1 gauges; several instances may share one process in tests. */
export interface L1Stats {
  readonly l1Entries: number;
  readonly l1Bytes: number;
}

const liveCaches = new Set<L1Stats>();

export function trackL1(cache: L1Stats): () => void {
  liveCaches.add(cache);
  return () => liveCaches.delete(cache);
}

const sum = (read: (cache: L1Stats) => number) => [...liveCaches].reduce((total, c) => total + read(c), 0);

export type CacheLayer = 'l1' | 'l2';
export type CacheResult = 'hit' | 'miss' | 'error';

export function cacheRequestsCounter(): Counter<'layer' | 'result'> {
  return sharedMetric(
    'cache_requests_total',
    () =>
      new Counter({
        name: 'cache_requests_total',
        help: 'Cache lookups by layer (l1, l2) and result (hit, miss, error: L2 unreachable or breaker open)',
        labelNames: ['layer', 'result'],
      }),
  );
}

export function cacheLoadHistogram(): Histogram<'result'> {
  return sharedMetric(
    'cache_load_duration_seconds',
    () =>
      new Histogram({
        name: 'cache_load_duration_seconds',
        help: 'Time spent in loaders on cache misses (one per single-flight load), by result',
        labelNames: ['result'],
        buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      }),
  );
}

export function registerL1Gauges(): void {
  sharedMetric(
    'cache_l1_entries',
    () =>
      new Gauge({
        name: 'cache_l1_entries',
        help: 'Entries held in the in-process (L1) cache',
        collect() {
          this.set(sum((c) => c.l1Entries));
        },
      }),
  );
  sharedMetric(
    'cache_l1_bytes',
    () =>
      new Gauge({
        name: 'cache_l1_bytes',
        help: 'Bytes (JSON length) held in the in-process (L1) cache',
        collect() {
          this.set(sum((c) => c.l1Bytes));
        },
      }),
  );
}

export function cacheInvalidationsCounter(): Counter<'scope' | 'origin'> {
  return sharedMetric(
    'cache_invalidations_total',
    () =>
      new Counter({
        name: 'cache_invalidations_total',
        help: 'Invalidations applied to L1, by scope (key, tag, all) and origin (local, remote)',
        labelNames: ['scope', 'origin'],
      }),
  );
}
