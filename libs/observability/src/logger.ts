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
    ...lineFormat(settings.name, settings.level),
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    mixin: () => {
      const requestId = currentRequestId();
      return requestId ? { requestId } : {};
    },
  };
  return pino(options, settings.destination ?? stdout());
}

/**
 * A logger for lines whose fields are fixed and carry no credential (the access log): same format,
 * level and stream as `logger`, without redaction paths to walk or a request context to look up
 * on every line.
 */
export function plainLogger(logger: Logger, bindings: Record<string, unknown>): Logger {
  const stream = (logger as unknown as Record<symbol, pino.DestinationStream>)[pino.symbols.streamSym];
  const name = (logger.bindings() as { name?: string }).name ?? '';
  return pino(lineFormat(name, logger.level), stream).child(bindings);
}

function lineFormat(name: string, level: string): LoggerOptions {
  return {
    name,
    level,
    base: { pid: process.pid },
    timestamp: isoTimeOncePerMs,
    formatters: { level: (label) => ({ level: label }) },
  };
}

/**
 * pino's isoTime, formatted once per millisecond: under load many lines share a millisecond, and
 * formatting the date was a visible share of each access-log line. The output is the same.
 */
let lastMs = -1;
let lastTime = '';
function isoTimeOncePerMs(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}

/**
 * Stdout, written in chunks of up to 4 KiB off the request path rather than one write per line
 * (pino's own advice for throughput): a line waits at most 250 ms, and what is buffered is flushed on
 * exit, process.exit included. Only a SIGKILL can lose the last quarter second of lines.
 */
function stdout(): pino.DestinationStream {
  return pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 250 });
}
