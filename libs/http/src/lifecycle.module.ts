import { Global, Module } from '@nestjs/common';
import { LifecycleState } from './lifecycle-state';

/**
 * The process's one LifecycleState: graceful shutdown sets it (`app.get(LifecycleState)`), readiness
 * reads it. Global, so every module sees the same flag.
 */
@Global()
@Module({
  providers: [LifecycleState],
  exports: [LifecycleState],
})
export class LifecycleModule {}
