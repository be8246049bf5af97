import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';

export interface ClusterSettings {
  processes: number;
  /** Past this, workers still running at shutdown are killed and the primary exits 1. */
  shutdownTimeoutMs: number;
  logger: Logger;
}

/**
 * The cluster primary: forks one server process per configured API process (they share the port),
 * replaces a worker that crashes (giving up if they crash in a loop), and on SIGTERM/SIGINT lets
 * every worker drain and exits 0 once all have exited cleanly.
 */
export function superviseCluster(settings: ClusterSettings): void {
  const { logger } = settings;
  let shuttingDown = false;
  const recentCrashes: number[] = [];

  const fork = (): Worker => cluster.fork();
  for (let i = 0; i < settings.processes; i += 1) fork();
  logger.info({ processes: settings.processes }, 'api cluster started');

  cluster.on('exit', (worker, code, signal) => {
    if (shuttingDown) return;
    const now = Date.now();
    recentCrashes.push(now);
    while (recentCrashes.length > 0 && now - recentCrashes[0] > 60_000) recentCrashes.shift();
    logger.error({ pid: worker.process.pid, code, signal }, 'api process exited unexpectedly');
    if (recentCrashes.length > settings.processes * 3) {
      logger.fatal('api processes keep crashing; giving up');
      process.exit(1);
    }
    fork();
  });

  const shutdown = (signal: NodeJS.Signals) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'stopping api cluster');
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => Boolean(w));
    let failed = false;
    let remaining = workers.length;
    if (remaining === 0) process.exit(0);
    for (const worker of workers) {
      worker.once('exit', (code) => {
        failed ||= code !== 0;
        remaining -= 1;
        if (remaining === 0) process.exit(failed ? 1 : 0);
      });
      worker.process.kill(signal);
    }
    setTimeout(() => {
      logger.error('api processes did not stop in time');
      for (const worker of workers) worker.process.kill('SIGKILL');
      process.exit(1);
    }, settings.shutdownTimeoutMs).unref();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}
