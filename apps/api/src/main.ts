import 'reflect-metadata';
import { ConfigValidationError, loadConfig, loadDotEnv } from '@platform/config';
import { installGracefulShutdown } from '@platform/http';
import { createApiApp } from './bootstrap';

async function main(): Promise<void> {
  loadDotEnv();
  const config = loadConfig();
  const { app, logger } = await createApiApp(config);
  installGracefulShutdown(app, {
    drainDelayMs: config.http.shutdownDrainDelayMs,
    timeoutMs: config.http.shutdownTimeoutMs,
    logger,
  });
  await app.listen({ port: config.http.port, host: config.http.host });
  logger.info({ port: config.http.port }, 'api listening');
}

main().catch((error: unknown) => {
  if (error instanceof ConfigValidationError) {
    console.error(error.message);
  } else {
    console.error('api failed to start', error);
  }
  process.exit(1);
});
