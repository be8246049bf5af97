import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiZodBody, ApiZodResponse, ZodValidationPipe } from '@platform/http';
import { ApiKeyAuth } from '../auth/api-key-auth.decorator';
import { CurrentCaller, type Caller } from '../auth/caller';
import { acceptedEventsSchema, postEventsSchema, type PostEventsBody } from './events.schemas';
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
  @ApiZodBody(postEventsSchema, {
    example: {
      events: [
        { userId: 'alice', type: 'search', category: 'books' },
        { userId: 'alice', type: 'purchase', category: 'garden' },
      ],
    },
  })
  @ApiZodResponse(202, acceptedEventsSchema, {
    description: 'Stored durably; recompute jobs queued',
    example: { accepted: 2, jobIds: ['4f0c3b8e-2a7d-4e91-b6c5-8d1f0a3e7b26'] },
  })
  accept(
    @CurrentCaller() caller: Caller,
    @Body(new ZodValidationPipe(postEventsSchema)) body: PostEventsBody,
  ) {
    return this.events.accept(caller, 'events' in body ? body.events : [body]);
  }
}
