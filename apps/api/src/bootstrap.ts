import { VersioningType, type ModuleMetadata } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AppConfig } from '@platform/config';
import { createPlatformApp, type PlatformApp } from '@platform/core';
import { installCors } from '@platform/http';
import { BULL_BOARD_PATH, mountBullBoard } from '@platform/queue';
import { ApiModule } from './api.module';
import { OPENAPI_UI_PATH, setupOpenApi } from './openapi';
import { installPipelineHooks } from './pipeline/request-pipeline';

export interface ApiAppOptions {
  logger?: Logger;
  /** Test-only modules (controllers) composed into the app as production builds it. */
  extraImports?: ModuleMetadata['imports'];
}

/** Builds the API exactly as production runs it; main.ts and the integration tests both call this. */
export function createApiApp(config: AppConfig, options: ApiAppOptions = {}): Promise<PlatformApp> {
  return createPlatformApp(ApiModule.forRoot(config), config, {
    name: 'api',
    ...options,
    // The two HTML UIs (by path) get their own content security policy.
    htmlPaths: [OPENAPI_UI_PATH, BULL_BOARD_PATH],
    configure: async (app) => {
      const fastify = app.getHttpAdapter().getInstance();
      await installCors(fastify, config.http.corsOrigins);
      await installPipelineHooks(app, config);
      app.enableVersioning({ type: VersioningType.URI });
      // Off in production unless DOCS_ENABLED: the UI and document map every route for anyone who asks.
      if (config.http.docsEnabled) setupOpenApi(app);
      await mountBullBoard(app, config);
    },
  });
}
