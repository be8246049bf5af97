import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiZodBody, ZodValidationPipe } from '@platform/http';
import { ApiKeyAuth } from '../auth/api-key-auth.decorator';
import { CurrentCaller, type Caller } from '../auth/caller';
import { createWebhookSchema, webhookParamsSchema, type CreateWebhook } from './webhooks.schemas';
import { WebhooksService } from './webhooks.service';

@ApiTags('webhooks')
@Controller({ path: 'webhooks', version: '1' })
@ApiKeyAuth()
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Subscribe a URL to events; deliveries are signed (webhook-signature: t=…,v1=HMAC-SHA256)',
  })
  @ApiZodBody(createWebhookSchema)
  @ApiErrors(400, 401, 409, 413, 415, 429)
  create(
    @CurrentCaller() caller: Caller,
    @Body(new ZodValidationPipe(createWebhookSchema)) body: CreateWebhook,
  ) {
    return this.webhooks.create(caller.apiKeyId, body);
  }

  @Get()
  @ApiOperation({ summary: "The caller's webhook subscriptions (secrets are never returned)" })
  @ApiErrors(401, 429)
  list(@CurrentCaller() caller: Caller) {
    return this.webhooks.list(caller.apiKeyId);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a subscription' })
  @ApiErrors(400, 401, 404, 429)
  async remove(
    @CurrentCaller() caller: Caller,
    @Param(new ZodValidationPipe(webhookParamsSchema, 'params')) params: { id: string },
  ) {
    await this.webhooks.remove(caller.apiKeyId, params.id);
  }
}
