import { ApiError } from './api-error';

/**
 * Maps failures of the database driver (recognised by shape, so this lib needs no driver import)
 * to the 503s clients are promised: a dependency problem is never a 500.
 */
export function dependencyError(error: unknown): ApiError | undefined {
  if (!(error instanceof Error)) return undefined;
  const driver = (error as { driverError?: { code?: string } }).driverError;
  const sqlState = driver?.code ?? (error as { code?: string }).code;
  const message = error.message;

  if (sqlState === '57014') {
    return new ApiError(503, 'query_timeout', 'The database did not answer in time', {
      retryAfterSeconds: 1,
    });
  }
  if (/timeout exceeded when trying to connect/i.test(message)) {
    return new ApiError(503, 'database_busy', 'All database connections are busy; retry shortly', {
      retryAfterSeconds: 1,
    });
  }
  const unavailable =
    error.name === 'EntityMetadataNotFoundError' ||
    /Connection terminated|ECONNREFUSED|ECONNRESET|EPIPE|not queryable|the database system is (starting up|shutting down|in recovery mode)|terminating connection/i.test(
      message,
    ) ||
    // The connection itself failed (SQLSTATE class 08) or went away at the socket level: the same
    // classes the replica router treats as a failed server rather than a failed statement.
    /^08/.test(sqlState ?? '') ||
    ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(sqlState ?? '') ||
    sqlState === '57P01' ||
    sqlState === '57P02' ||
    sqlState === '57P03' ||
    // A write reached a server in recovery: a standby, or a primary demoted during a failover.
    sqlState === '25006';
  if (unavailable) {
    return new ApiError(503, 'database_unavailable', 'The database is unavailable; retry shortly', {
      retryAfterSeconds: 2,
    });
  }
  return undefined;
}
