import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '@platform/http';
import { ApiKeyAuth } from './api-key-auth.decorator';
import { CurrentCaller, type Caller } from './caller';

@ApiTags('auth')
@Controller({ path: 'me', version: '1' })
@ApiKeyAuth()
export class MeController {
  @Get()
  @ApiOperation({ summary: 'The calling API key and its tier limits' })
  @ApiErrors(401, 429)
  me(@CurrentCaller() caller: Caller) {
    return { apiKeyId: caller.apiKeyId, name: caller.name, tier: caller.tier };
  }
}
