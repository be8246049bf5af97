import pino, { type Logger, type LoggerOptions } from 'pino';
import { currentRequestId } from './request-context';

/** Anything that may carry a credential is replaced before a line is written. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.password',
  '*.secret',
  '*.token',
  '*.apiKey',
  '*.key',
  'password',
  'secret',
  'token',
  'apiKey',
  // TypeORM's QueryFailedError carries the statement's parameters (secrets, keys, personal data).
  'err.parameters',
  'err.driverError.parameters',
  'err.query',
];

export interface LoggerSettings {
  level: string;
  name: string;
  /** Destination for tests; stdout otherwise. */
  destination?: pino.DestinationStream;
}

export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    name: settings.name,
    level: settings.level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: () => {
      const requestId = currentRequestId();
      return requestId ? { requestId } : {};
    },
  };
  return settings.destination ? pino(options, settings.destination) : pino(options);
}
