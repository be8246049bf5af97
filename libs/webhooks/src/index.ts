export {
  generateWebhookSecret,
  isWebhookSecret,
  signWebhook,
  verifyWebhook,
  webhookSecretKey,
  WebhookSecretError,
  WEBHOOK_HEADERS,
  SECRET_PREFIX,
  MIN_KEY_BYTES,
  MAX_KEY_BYTES,
} from './signature';
export {
  checkWebhookUrl,
  guardedLookup,
  isPrivateAddress,
  WebhookTargetError,
  type TargetPolicy,
} from './target-guard';
export {
  deliverWebhook,
  DEFAULT_MAX_RESPONSE_BYTES,
  WebhookDeadlineError,
  WebhookResponseError,
  type WebhookDelivery,
  type DeliveryOptions,
} from './delivery';
