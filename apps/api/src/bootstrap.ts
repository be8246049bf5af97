import { VersioningType } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import type { AppConfig } from '@platform/config';
import { createFastifyAdapter } from '@platform/http';
import { createLogger, PinoNestLogger } from '@platform/observability';
import { mountBullBoard } from '@platform/queue';
import { ApiModule } from './api.module';
import { setupOpenApi } from './openapi';
import { installPipelineHooks } from './pipeline/request-pipeline';

export interface ApiApp {
  app: NestFastifyApplication;
  logger: Logger;
}

/** Builds the API exactly as production runs it; main.ts and the integration tests both call this. */
export async function createApiApp(config: AppConfig, logger?: Logger): Promise<ApiApp> {
  const log = logger ?? createLogger({ level: config.logLevel, name: 'api' });
  const app = await NestFactory.create<NestFastifyApplication>(
    ApiModule.forRoot(config),
    createFastifyAdapter(config, log),
    // bodyParser off: Fastify's own JSON parser is the only one (no urlencoded bodies).
    { logger: new PinoNestLogger(log), abortOnError: false, bodyParser: false },
  );
  await installPipelineHooks(app, config);
  app.enableVersioning({ type: VersioningType.URI });
  setupOpenApi(app);
  await mountBullBoard(app, config);
  return { app, logger: log };
}
