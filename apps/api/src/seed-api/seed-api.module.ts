import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { RecommendationsModule } from '../recommendations/recommendations.module';
import { SeedApiController } from './seed-api.controller';

/** The seed service's routes (compatibility surface) over the platform's recommendation service. */
@Module({
  imports: [AuthModule, RecommendationsModule],
  controllers: [SeedApiController],
})
export class SeedApiModule {}
