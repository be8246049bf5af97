import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '@platform/http';
import { ApiKeyGuard } from './api-key.guard';
import { CurrentCaller, type Caller } from './caller';

@ApiTags('auth')
@ApiSecurity('api-key')
@Controller({ path: 'me', version: '1' })
@UseGuards(ApiKeyGuard)
export class MeController {
  @Get()
  @ApiOperation({ summary: 'The calling API key and its tier limits' })
  @ApiErrors(401, 429)
  me(@CurrentCaller() caller: Caller) {
    return { apiKeyId: caller.apiKeyId, name: caller.name, tier: caller.tier };
  }
}
