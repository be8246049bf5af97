export { ApiError, type ApiErrorOptions } from './api-error';
export { toErrorResponse, codeForStatus, type ErrorBody, type ErrorResponse } from './error-envelope';
export { HttpExceptionFilter } from './http-exception.filter';
export { noQuerySchema, ZodValidationPipe } from './zod-validation.pipe';
export { LifecycleState } from './lifecycle-state';
export { LifecycleModule } from './lifecycle.module';
export { createFastifyAdapter } from './fastify-adapter';
export { installSecurityHeaders } from './security-headers';
export { installCors } from './cors';
export { installGracefulShutdown, type ShutdownSettings } from './graceful-shutdown';
export { requestIdFor } from './request-id';
export {
  openApiSchema,
  ApiZodBody,
  ApiZodQuery,
  ApiZodParams,
  ApiZodResponse,
  ApiErrors,
  ApiErrorResponse,
  errorResponse,
} from './openapi';
export { addPipelineResponses } from './openapi-document';
export { errorBodySchema, errorExample } from './error-body.schema';
export { superviseCluster, type ClusterSettings } from './cluster-supervisor';
