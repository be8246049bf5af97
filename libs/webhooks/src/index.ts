export { signWebhook, verifyWebhook, SIGNATURE_HEADER } from './signature';
export { checkWebhookUrl, guardedLookup, isPrivateAddress, WebhookTargetError } from './target-guard';
export { deliverWebhook, WebhookResponseError, type WebhookDelivery, type DeliveryOptions } from './delivery';
