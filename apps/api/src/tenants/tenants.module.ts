import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TieredCacheModule } from '@platform/cache';
import { Tenant } from '@platform/database';
import { TenantsService } from './tenants.service';

@Module({
  imports: [TypeOrmModule.forFeature([Tenant]), TieredCacheModule],
  providers: [TenantsService],
  exports: [TenantsService],
})
export class TenantsModule {}
