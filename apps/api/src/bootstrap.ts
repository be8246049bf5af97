import { VersioningType } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import type { AppConfig } from '@platform/config';
import { createFastifyAdapter, installCors, installSecurityHeaders } from '@platform/http';
import { createLogger, PinoNestLogger } from '@platform/observability';
import { BULL_BOARD_PATH, mountBullBoard } from '@platform/queue';
import { ApiModule } from './api.module';
import { OPENAPI_UI_PATH, setupOpenApi } from './openapi';
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
  const fastify = app.getHttpAdapter().getInstance();
  // First, so every response carries them (shed and fast-path ones too), and before any route is
  // added: the two HTML UIs (by path) get their own content security policy.
  installSecurityHeaders(fastify, [OPENAPI_UI_PATH, BULL_BOARD_PATH]);
  await installCors(fastify, config.http.corsOrigins);
  await installPipelineHooks(app, config);
  app.enableVersioning({ type: VersioningType.URI });
  // Off in production unless DOCS_ENABLED: the UI and document map every route for anyone who asks.
  if (config.http.docsEnabled) setupOpenApi(app);
  await mountBullBoard(app, config);
  return { app, logger: log };
}
