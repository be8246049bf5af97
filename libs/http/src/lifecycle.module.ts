import { Module } from '@nestjs/common';
import { LifecycleState } from './lifecycle-state';

/**
 * The process's one LifecycleState: graceful shutdown sets it (`app.get(LifecycleState)`), readiness
 * reads it. A static module, so every module that imports it shares the one flag.
 */
@Module({
  providers: [LifecycleState],
  exports: [LifecycleState],
})
export class LifecycleModule {}
