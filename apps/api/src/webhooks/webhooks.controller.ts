import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiZodBody, ApiZodParams, ApiZodResponse, ZodValidationPipe } from '@platform/http';
import { z } from 'zod';
import { ApiKeyAuth } from '../auth/api-key-auth.decorator';
import { CurrentCaller, type Caller } from '../auth/caller';
import {
  createdSubscriptionSchema,
  createWebhookSchema,
  subscriptionSchema,
  webhookParamsSchema,
  type CreateWebhook,
  type SubscriptionView,
} from './webhooks.schemas';

const SUBSCRIPTION_EXAMPLE: SubscriptionView = {
  id: '9d2f6a1c-7e3b-4c58-a0d4-6b1e8f2c3a95',
  url: 'https://hooks.example.org/recommendations',
  events: ['recommendations.updated'],
  createdAt: '2026-12-02T05:00:00.000Z',
};
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
  @ApiZodBody(createWebhookSchema, {
    example: { url: 'https://hooks.example.org/recommendations', events: ['recommendations.updated'] },
  })
  @ApiZodResponse(201, createdSubscriptionSchema, {
    description: 'Subscribed',
    example: { ...SUBSCRIPTION_EXAMPLE, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
  })
  @ApiErrors(409)
  create(
    @CurrentCaller() caller: Caller,
    @Body(new ZodValidationPipe(createWebhookSchema)) body: CreateWebhook,
  ): Promise<z.infer<typeof createdSubscriptionSchema>> {
    return this.webhooks.create(caller.apiKeyId, body);
  }

  @Get()
  @ApiOperation({ summary: "The caller's webhook subscriptions (secrets are never returned)" })
  @ApiZodResponse(200, z.array(subscriptionSchema), {
    description: 'Oldest first',
    example: [SUBSCRIPTION_EXAMPLE],
  })
  list(@CurrentCaller() caller: Caller): Promise<SubscriptionView[]> {
    return this.webhooks.list(caller.apiKeyId);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a subscription' })
  @ApiZodParams(webhookParamsSchema)
  @ApiZodResponse(204, undefined, { description: 'Removed; no further deliveries' })
  @ApiErrors(400, 404)
  async remove(
    @CurrentCaller() caller: Caller,
    @Param(new ZodValidationPipe(webhookParamsSchema, 'params')) params: { id: string },
  ) {
    await this.webhooks.remove(caller.apiKeyId, params.id);
  }
}
