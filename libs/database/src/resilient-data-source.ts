import { Logger } from '@nestjs/common';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { assertPostgresVersion, UnsupportedPostgresError } from './server-version';

const retryLoops = new WeakMap<DataSource, { stop: () => void }>();

/**
 * Creates a data source and connects it; if Postgres is unreachable the app still boots (readiness
 * reports it, requests get 503) and the connection is retried in the background until it succeeds.
 * A server older than the supported minimum stops the boot.
 */
export async function connectResiliently(options: DataSourceOptions, retryMs = 1_000): Promise<DataSource> {
  const dataSource = new DataSource(options);
  const logger = new Logger('Database');
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  retryLoops.set(dataSource, {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  });

  const attempt = async (first: boolean): Promise<void> => {
    try {
      await dataSource.initialize();
      await assertPostgresVersion(dataSource);
      if (!first) logger.log('connected to Postgres');
    } catch (error) {
      if (error instanceof UnsupportedPostgresError) {
        // Not a transient failure: refuse to boot (or, found later, say so and stop retrying).
        stopped = true;
        await dataSource.destroy().catch(() => undefined);
        if (first) throw error;
        logger.error({ err: error.message }, 'unsupported Postgres version');
        return;
      }
      if (first)
        logger.warn(
          { err: (error as Error).message },
          'Postgres unreachable at boot; retrying in the background',
        );
      if (!stopped) timer = setTimeout(() => void attempt(false), retryMs);
    }
  };
  await attempt(true);
  return dataSource;
}

/** Stops the background reconnect loop (at shutdown). */
export function stopReconnecting(dataSource: DataSource): void {
  retryLoops.get(dataSource)?.stop();
}
