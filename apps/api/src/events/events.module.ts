import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { EventWriter } from './event-writer';
import { EventsController } from './events.controller';
import { EventsService } from './events.service';

@Module({
  imports: [AuthModule],
  controllers: [EventsController],
  providers: [EventsService, EventWriter],
})
export class EventsModule {}
