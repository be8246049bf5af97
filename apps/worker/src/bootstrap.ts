import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import type { AppConfig } from '@platform/config';
import { createFastifyAdapter, installSecurityHeaders } from '@platform/http';
import { createLogger, PinoNestLogger } from '@platform/observability';
import { WorkerModule } from './worker.module';

export interface WorkerApp {
  app: NestFastifyApplication;
  logger: Logger;
}

/**
 * The worker is a Nest application whose HTTP surface is only /health, /readyz, /health/detailed and
 * /metrics (the same controllers as the API), served on WORKER_PORT.
 */
export async function createWorkerApp(config: AppConfig, logger?: Logger): Promise<WorkerApp> {
  const log = logger ?? createLogger({ level: config.logLevel, name: 'worker' });
  const app = await NestFactory.create<NestFastifyApplication>(
    WorkerModule.forRoot(config),
    createFastifyAdapter(config, log),
    // bodyParser off: Fastify's own JSON parser is the only one (no urlencoded bodies).
    { logger: new PinoNestLogger(log), abortOnError: false, bodyParser: false },
  );
  // The same headers as the API on every port we serve, though only operators reach this one.
  installSecurityHeaders(app.getHttpAdapter().getInstance());
  return { app, logger: log };
}
