import { availableParallelism } from 'node:os';

/** Scale presets from the seed guidance; every value can be overridden by its own variable. */
export const SCALE_PROFILES = ['small', 'medium', 'large', 'xl'] as const;
export type ScaleProfile = (typeof SCALE_PROFILES)[number];

export interface ScalePreset {
  /** API processes per host; capped at the CPUs available (1 per pod under Kubernetes). */
  apiProcesses: number;
  dbPoolSize: number;
  redisConnections: number;
  queueConcurrency: number;
}

export const SCALE_PRESETS: Readonly<Record<ScaleProfile, ScalePreset>> = {
  small: { apiProcesses: 4, dbPoolSize: 20, redisConnections: 30, queueConcurrency: 10 },
  medium: { apiProcesses: 8, dbPoolSize: 30, redisConnections: 50, queueConcurrency: 20 },
  large: { apiProcesses: 16, dbPoolSize: 50, redisConnections: 100, queueConcurrency: 40 },
  xl: { apiProcesses: 32, dbPoolSize: 100, redisConnections: 200, queueConcurrency: 80 },
};

/** More processes than CPUs only adds context switches; never exceed what the host (or cgroup) offers. */
export function capToCpus(requested: number, cpus: number = availableParallelism()): number {
  return Math.max(1, Math.min(requested, cpus));
}
