import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TieredCacheModule } from '@platform/cache';
import { ApiKey } from '@platform/database';
import { TenantsModule } from '../tenants/tenants.module';
import { TiersModule } from '../tiers/tiers.module';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeysService } from './api-keys.service';
import { CallerResolver } from './caller-resolver';
import { ConsistencyInterceptor } from './consistency.interceptor';
import { MeController } from './me.controller';

@Module({
  imports: [TypeOrmModule.forFeature([ApiKey]), TiersModule, TenantsModule, TieredCacheModule],
  controllers: [MeController],
  providers: [ApiKeysService, CallerResolver, ApiKeyGuard, ConsistencyInterceptor],
  exports: [ApiKeysService, CallerResolver, ApiKeyGuard, ConsistencyInterceptor, TiersModule, TenantsModule],
})
export class AuthModule {}
