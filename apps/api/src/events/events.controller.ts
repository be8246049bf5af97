import { Body, Controller, Headers, HttpCode, Post, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import { ApiError, ApiErrors, ApiZodBody, ApiZodResponse, ZodValidationPipe } from '@platform/http';
import { ThrottleCost } from '@platform/throttling';
import { ApiKeyAuth } from '../auth/api-key-auth.decorator';
import { perEventCost } from '../pipeline/request-costs';
import { CurrentCaller, type Caller } from '../auth/caller';
import {
  acceptedEventsSchema,
  idempotencyHeadersSchema,
  postEventsSchema,
  type PostEventsBody,
} from './events.schemas';
import { EventsService } from './events.service';

const idempotencyHeaders = new ZodValidationPipe(idempotencyHeadersSchema, 'headers');

// Routes (full paths, for grep): POST /v1/events
@ApiTags('events')
@Controller({ path: 'events', version: '1' })
@ApiKeyAuth()
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Post()
  @ThrottleCost(perEventCost)
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
  @ApiZodBody(postEventsSchema, {
    example: {
      events: [
        { userId: 'alice', type: 'search', category: 'books' },
        { userId: 'alice', type: 'purchase', category: 'garden' },
      ],
    },
  })
  @ApiZodResponse(202, acceptedEventsSchema, {
    description: 'Stored durably (committed); recompute jobs queued',
    example: { accepted: 2, jobIds: ['4f0c3b8e-2a7d-4e91-b6c5-8d1f0a3e7b26'] },
  })
  @ApiErrors(409)
  async accept(
    @CurrentCaller() caller: Caller,
    @Body(new ZodValidationPipe(postEventsSchema)) body: PostEventsBody,
    @Headers() rawHeaders: Record<string, string | string[] | undefined>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<z.infer<typeof acceptedEventsSchema>> {
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
