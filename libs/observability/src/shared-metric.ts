import { register, type Metric } from 'prom-client';

/**
 * The process's one instance of a metric, created on first use. prom-client refuses a second
 * registration of a name, and one process may build several app instances (tests, the admin CLI
 * beside a server), each asking for the same metric.
 */
export function sharedMetric<T extends Metric>(name: string, create: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? create();
}
