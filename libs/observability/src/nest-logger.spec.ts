import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger';
import { PinoNestLogger } from './nest-logger';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: new PinoNestLogger(createLogger({ level: 'trace', name: 't', destination })) };
}

describe('PinoNestLogger', () => {
  it('keeps context, fields and message text in the shapes Nest and our code use', async () => {
    const { lines, logger } = capture();
    logger.log('plain', 'Ctx');
    logger.warn({ breaker: 'redis' }, 'circuit opened', 'CircuitBreaker');
    logger.error({ status: 500 }, 'request failed', 'HttpError');
    logger.error('boom', 'Error: boom\n    at x (y.js:1:1)', 'Ctx');
    await new Promise((r) => setImmediate(r));
    expect(lines[0]).toMatchObject({ msg: 'plain', context: 'Ctx', level: 'info' });
    expect(lines[1]).toMatchObject({ msg: 'circuit opened', breaker: 'redis', context: 'CircuitBreaker' });
    expect(lines[2]).toMatchObject({ msg: 'request failed', status: 500, context: 'HttpError' });
    expect(lines[2]).not.toHaveProperty('stack');
    expect(lines[3]).toMatchObject({ msg: 'boom', context: 'Ctx', stack: expect.stringContaining('at x') });
  });

  it('redacts credentials', async () => {
    const { lines, logger } = capture();
    logger.log({ headers: { authorization: 'Bearer secret', 'x-api-key': 'pk_1' }, token: 't' });
    await new Promise((r) => setImmediate(r));
    expect(lines[0]).toMatchObject({
      headers: { authorization: '[redacted]', 'x-api-key': '[redacted]' },
      token: '[redacted]',
    });
    expect(JSON.stringify(lines[0])).not.toMatch(/secret|pk_1/);
  });
});
