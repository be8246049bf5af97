import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKey } from '@platform/database';
import { TiersModule } from '../tiers/tiers.module';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeysService } from './api-keys.service';
import { ConsistencyInterceptor } from './consistency.interceptor';
import { MeController } from './me.controller';

@Module({
  imports: [TypeOrmModule.forFeature([ApiKey]), TiersModule],
  controllers: [MeController],
  providers: [ApiKeysService, ApiKeyGuard, { provide: APP_INTERCEPTOR, useClass: ConsistencyInterceptor }],
  exports: [ApiKeysService, ApiKeyGuard, TiersModule],
})
export class AuthModule {}
