import { Global, Inject, Module, type DynamicModule } from '@nestjs/common';
import { loadConfig, type AppConfig } from './app-config';

export const APP_CONFIG = Symbol('APP_CONFIG');

// Global: every module reads APP_CONFIG (as @nestjs/config's isGlobal).
@Global()
@Module({})
export class ConfigModule {
  /**
   * Provides the validated config. Tests and tools pass an explicit environment (or a ready config)
   * instead of mutating process.env.
   */
  static forRoot(source?: { env?: Record<string, string | undefined>; config?: AppConfig }): DynamicModule {
    const config = source?.config ?? loadConfig(source?.env);
    return {
      module: ConfigModule,
      providers: [{ provide: APP_CONFIG, useValue: config }],
      exports: [APP_CONFIG],
    };
  }
}

/** `constructor(@InjectConfig() private readonly config: AppConfig)` */
export const InjectConfig = (): ParameterDecorator => Inject(APP_CONFIG);
