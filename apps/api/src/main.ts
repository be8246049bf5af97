// First: tracing (when configured) must be installed before the modules it instruments load.
import { exitAfterFlush } from './tracing';
import 'reflect-metadata';
import cluster from 'node:cluster';
import { ConfigValidationError, loadConfig, loadDotEnv, type AppConfig } from '@platform/config';
import { installGracefulShutdown, superviseCluster } from '@platform/http';
import { createLogger, serveClusterMetrics } from '@platform/observability';
import { createApiApp } from './bootstrap';

/** One server process: the Nest app on PORT, draining on SIGTERM/SIGINT. */
async function serve(config: AppConfig): Promise<void> {
  const { app, logger } = await createApiApp(config);
  installGracefulShutdown(app, {
    drainDelayMs: config.http.shutdownDrainDelayMs,
    timeoutMs: config.http.shutdownTimeoutMs,
    logger,
    exit: exitAfterFlush,
  });
  await app.listen({ port: config.http.port, host: config.http.host });
  logger.info({ port: config.http.port }, 'api listening');
}

async function main(): Promise<void> {
  loadDotEnv();
  const config = loadConfig();
  // API_PROCESSES > 1 (never more than the CPUs): a cluster of servers sharing the port. Under
  // Kubernetes run one process per pod and scale with replicas instead.
  if (config.http.apiProcesses > 1 && cluster.isPrimary) {
    serveClusterMetrics();
    superviseCluster({
      processes: config.http.apiProcesses,
      // Workers drain first; leave them their whole budget before the primary gives up.
      shutdownTimeoutMs: config.http.shutdownDrainDelayMs + config.http.shutdownTimeoutMs + 1_000,
      logger: createLogger({ level: config.logLevel, name: 'api-primary' }),
    });
    return;
  }
  await serve(config);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigValidationError) {
    console.error(error.message);
  } else {
    console.error('api failed to start', error);
  }
  process.exit(1);
});
