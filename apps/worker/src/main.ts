// First: tracing (when configured) must be installed before the modules it instruments load.
import { exitAfterFlush } from './tracing';
import 'reflect-metadata';
import { ConfigValidationError, loadConfig, loadDotEnv } from '@platform/config';
import { installGracefulShutdown } from '@platform/http';
import { createWorkerApp } from './bootstrap';

async function main(): Promise<void> {
  loadDotEnv();
  const config = loadConfig();
  const { app, logger } = await createWorkerApp(config);
  installGracefulShutdown(app, {
    // The worker takes no traffic from a load balancer; it stops taking jobs at once.
    drainDelayMs: 0,
    timeoutMs: config.http.shutdownTimeoutMs,
    logger,
    exit: exitAfterFlush,
  });
  await app.listen({ port: config.http.workerPort, host: config.http.host });
  logger.info({ port: config.http.workerPort }, 'worker probes listening');
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigValidationError ? error.message : error);
  process.exit(1);
});
