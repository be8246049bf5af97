import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ApiKeysAdminController } from './api-keys.admin.controller';
import { TiersAdminController } from './tiers.admin.controller';

@Module({
  imports: [AuthModule],
  controllers: [ApiKeysAdminController, TiersAdminController],
})
export class AdminModule {}
