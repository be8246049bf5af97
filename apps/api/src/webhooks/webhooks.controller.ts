import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiErrors,
  ApiZodBody,
  ApiZodParams,
  ApiZodResponse,
  openApiSchema,
  ZodValidationPipe,
} from '@platform/http';
import { z } from 'zod';
import { ApiKeyAuth } from '../auth/api-key-auth.decorator';
import { CurrentCaller, type Caller } from '../auth/caller';
import {
  createdSubscriptionSchema,
  createWebhookSchema,
  rotatedSecretSchema,
  rotateSecretSchema,
  subscriptionSchema,
  webhookParamsSchema,
  type CreateWebhook,
  type RotatedSecret,
  type RotateSecret,
  type SubscriptionView,
} from './webhooks.schemas';
import { WebhooksService } from './webhooks.service';

const SUBSCRIPTION_EXAMPLE: SubscriptionView = {
  id: '9d2f6a1c-7e3b-4c58-a0d4-6b1e8f2c3a95',
  url: 'https://hooks.example.org/recommendations',
  events: ['recommendations.updated'],
  status: 'active',
  createdBy: '0b7e9c52-3f1a-4d8e-9a6b-5c2d1e0f4a37',
  createdAt: '2026-12-02T05:00:00.000Z',
};

// Routes (full paths, for grep): POST /v1/webhooks, GET /v1/webhooks, POST /v1/webhooks/:id/rotate-secret,
//  DELETE /v1/webhooks/:id
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
    return this.webhooks.create(caller, body);
  }

  @Get()
  @ApiOperation({
    summary: "The tenant's webhook subscriptions, active and disabled (secrets are never returned)",
  })
  @ApiZodResponse(200, z.array(subscriptionSchema), {
    description: 'Oldest first',
    example: [SUBSCRIPTION_EXAMPLE],
  })
  list(@CurrentCaller() caller: Caller): Promise<SubscriptionView[]> {
    return this.webhooks.list(caller);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Replace the signing secret (given or generated, shown only here); deliveries carry the old ' +
      "secret's signature too until previousSecretExpiresAt (WEBHOOK_SECRET_ROTATION_WINDOW_SECONDS)",
  })
  @ApiZodParams(webhookParamsSchema)
  @ApiBody({ required: false, schema: openApiSchema(rotateSecretSchema) })
  @ApiZodResponse(200, rotatedSecretSchema, {
    description: 'Rotated',
    example: {
      id: SUBSCRIPTION_EXAMPLE.id,
      secret: 'whsec_7Hq2m9Lk0PzXw4Rt6Yb8Nc1Vd3Fg5Sj7',
      previousSecretExpiresAt: '2026-12-03T05:00:00.000Z',
    },
  })
  @ApiErrors(400, 404)
  rotateSecret(
    @CurrentCaller() caller: Caller,
    @Param(new ZodValidationPipe(webhookParamsSchema, 'params')) params: { id: string },
    @Body(new ZodValidationPipe(rotateSecretSchema)) body: RotateSecret,
  ): Promise<RotatedSecret> {
    return this.webhooks.rotateSecret(caller, params.id, body);
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
    await this.webhooks.remove(caller, params.id);
  }
}
