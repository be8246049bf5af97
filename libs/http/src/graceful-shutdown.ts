import type { INestApplication } from '@nestjs/common';
import type { Logger } from 'pino';
import { LifecycleState } from './lifecycle-state';

export interface ShutdownSettings {
  /** Time between readiness turning 503 and the listener closing, so load balancers stop routing here. */
  drainDelayMs: number;
  /** Hard deadline for the whole shutdown; past it the process exits 1 rather than hang. */
  timeoutMs: number;
  logger: Logger;
  /** Called after the app has closed; defaults to process.exit. */
  exit?: (code: number) => void;
}

/**
 * SIGTERM / SIGINT: readiness fails at once, then after the drain delay Nest closes the app (the
 * HTTP server stops accepting and lets in-flight requests finish; module shutdown hooks close queues,
 * Redis and pools). Exit 0 on a clean close. Further signals during shutdown are ignored.
 */
export function installGracefulShutdown(app: INestApplication, settings: ShutdownSettings): void {
  const exit = settings.exit ?? ((code: number) => process.exit(code));
  let started = false;

  const shutdown = async (signal: NodeJS.Signals) => {
    if (started) return;
    started = true;
    settings.logger.info({ signal, drainDelayMs: settings.drainDelayMs }, 'shutting down');
    app.get(LifecycleState).beginShutdown();
    const deadline = setTimeout(() => {
      settings.logger.error({ timeoutMs: settings.timeoutMs }, 'shutdown deadline passed; exiting');
      exit(1);
    }, settings.timeoutMs);
    deadline.unref();
    try {
      if (settings.drainDelayMs > 0) await new Promise((r) => setTimeout(r, settings.drainDelayMs));
      await app.close();
      settings.logger.info('shutdown complete');
      clearTimeout(deadline);
      settings.logger.flush();
      exit(0);
    } catch (err) {
      settings.logger.error({ err }, 'shutdown failed');
      exit(1);
    }
  };
  process.on('SIGTERM', (s) => void shutdown(s));
  process.on('SIGINT', (s) => void shutdown(s));
}
