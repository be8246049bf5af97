import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ApiKeysAdminController } from './api-keys.admin.controller';
import { TenantsAdminController } from './tenants.admin.controller';
import { TiersAdminController } from './tiers.admin.controller';

@Module({
  imports: [AuthModule],
  controllers: [ApiKeysAdminController, TenantsAdminController, TiersAdminController],
})
export class AdminModule {}
