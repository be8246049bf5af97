import { Body, Controller, Headers, HttpCode, Post, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiError, ApiErrors, ApiZodBody, ZodValidationPipe } from '@platform/http';
import { ApiKeyAuth } from '../auth/api-key-auth.decorator';
import { CurrentCaller, type Caller } from '../auth/caller';
import { idempotencyHeadersSchema, postEventsSchema, type PostEventsBody } from './events.schemas';
import { EventsService } from './events.service';

const idempotencyHeaders = new ZodValidationPipe(idempotencyHeadersSchema, 'headers');

/** POST /v1/events */
@ApiTags('events')
@Controller({ path: 'events', version: '1' })
@ApiKeyAuth()
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary:
      "Record search/purchase events (one, or { events: [...] } up to the tier max batch); recomputes the users' recommendations",
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'Retry an uncertain write safely: the same key with the same events returns the first answer (Idempotent-Replayed: true); with other events, 409. Kept for 24 h.',
  })
  @ApiZodBody(postEventsSchema)
  @ApiResponse({
    status: 202,
    description: 'Stored durably (committed); recompute jobs queued',
    schema: {
      type: 'object',
      properties: { accepted: { type: 'integer' }, jobIds: { type: 'array', items: { type: 'string' } } },
    },
  })
  @ApiErrors(400, 401, 409, 413, 415, 429, 503)
  async accept(
    @CurrentCaller() caller: Caller,
    @Body(new ZodValidationPipe(postEventsSchema)) body: PostEventsBody,
    @Headers() rawHeaders: Record<string, string | string[] | undefined>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    // Nest's @Headers takes no pipe: validate the one header we read with the same pipe as the rest.
    const headers = idempotencyHeaders.transform({ 'idempotency-key': rawHeaders['idempotency-key'] });
    const result = await this.events.accept(
      caller,
      'events' in body ? body.events : [body],
      headers['idempotency-key'],
    );
    if (result.outcome === 'conflict') {
      throw new ApiError(409, 'idempotency_conflict', 'This Idempotency-Key was used with different events');
    }
    if (result.outcome === 'replayed') void reply.header('idempotent-replayed', 'true');
    return result.body;
  }
}
