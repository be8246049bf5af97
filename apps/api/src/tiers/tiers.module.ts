import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TieredCacheModule } from '@platform/cache';
import { Tier } from '@platform/database';
import { TiersService } from './tiers.service';

@Module({
  imports: [TypeOrmModule.forFeature([Tier]), TieredCacheModule],
  providers: [TiersService],
  exports: [TiersService],
})
export class TiersModule {}
