import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiZodBody, openApiSchema, ZodValidationPipe } from '@platform/http';
import { ApiKeyAuth } from '../auth/api-key-auth.decorator';
import { CurrentCaller, type Caller } from '../auth/caller';
import {
  createWebhookSchema,
  rotateSecretSchema,
  webhookParamsSchema,
  type CreateWebhook,
  type RotateSecret,
} from './webhooks.schemas';
import { WebhooksService } from './webhooks.service';

@ApiTags('webhooks')
@Controller({ path: 'webhooks', version: '1' })
@ApiKeyAuth()
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary:
      'Subscribe a URL to events. Deliveries follow Standard Webhooks (webhook-id, webhook-timestamp, ' +
      'webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">); the whsec_ secret is shown only here',
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

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Replace the signing secret (given or generated, shown only here); deliveries carry the old ' +
      "secret's signature too until previousSecretExpiresAt (WEBHOOK_SECRET_ROTATION_WINDOW_SECONDS)",
  })
  @ApiBody({ required: false, schema: openApiSchema(rotateSecretSchema) })
  @ApiErrors(400, 401, 404, 413, 415, 429)
  rotateSecret(
    @CurrentCaller() caller: Caller,
    @Param(new ZodValidationPipe(webhookParamsSchema, 'params')) params: { id: string },
    @Body(new ZodValidationPipe(rotateSecretSchema)) body: RotateSecret,
  ) {
    return this.webhooks.rotateSecret(caller.apiKeyId, params.id, body);
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
