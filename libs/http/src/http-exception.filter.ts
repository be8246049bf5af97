import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toErrorResponse } from './error-envelope';

/** Every error leaving a Nest handler, guard or pipe goes out in the JSON envelope. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { status, body, headers } = toErrorResponse(exception, request.id);
    if (status === 503) {
      // Overload and dependency outages are expected states with their own metrics: one line, no stack.
      this.logger.warn(
        { status, error: body.error, requestId: request.id },
        'request refused: service unavailable',
      );
    } else if (status >= 500) {
      this.logger.error({ err: exception, status, requestId: request.id }, 'request failed');
    }
    if (reply.sent) return;
    // Explicit type: a handler may already have set another (e.g. text/plain on /metrics).
    void reply.status(status).headers(headers).type('application/json; charset=utf-8').send(body);
  }
}
