import { Injectable } from '@nestjs/common';

/** Process-wide "are we draining?" flag: readiness reads it, graceful shutdown sets it. */
@Injectable()
export class LifecycleState {
  private draining = false;

  get isShuttingDown(): boolean {
    return this.draining;
  }

  beginShutdown(): void {
    this.draining = true;
  }
}
