import { Module, type ModuleMetadata, type Type } from '@nestjs/common';
import { exemptFromContract } from './contract/exemptions';
import { startInProcess, type RunningApp } from './in-process-app';

/**
 * The real API, built as production builds it (pipeline, load shedding, OpenAPI, Bull Board), plus
 * test-only controllers composed in here, never in production code. `imports` are modules the
 * controllers need (e.g. TypeOrmModule.forFeature).
 */
export async function startApiWithControllers(
  env: Record<string, string | undefined>,
  controllers: Type[],
  imports: ModuleMetadata['imports'] = [],
): Promise<RunningApp> {
  exemptFromContract(...controllers);
  @Module({ imports, controllers })
  class TestControllers {}
  return startInProcess('api', env, [TestControllers]);
}
