import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiZodBody, ZodValidationPipe } from '@platform/http';
import { ApiKeyAuth } from '../auth/api-key-auth.decorator';
import { CurrentCaller, type Caller } from '../auth/caller';
import { postEventsSchema, type PostEventsBody } from './events.schemas';
import { EventsService } from './events.service';

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
  @ApiZodBody(postEventsSchema)
  @ApiResponse({
    status: 202,
    description: 'Stored durably; recompute jobs queued',
    schema: {
      type: 'object',
      properties: { accepted: { type: 'integer' }, jobIds: { type: 'array', items: { type: 'string' } } },
    },
  })
  @ApiErrors(400, 401, 413, 415, 429, 503)
  accept(
    @CurrentCaller() caller: Caller,
    @Body(new ZodValidationPipe(postEventsSchema)) body: PostEventsBody,
  ) {
    return this.events.accept(caller, 'events' in body ? body.events : [body]);
  }
}
