import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import { AdminTokenGuard } from '@platform/security';
import { AuthenticatedRoute } from '@platform/throttling';

/** Marks operator routes; ConsistencyInterceptor sends their reads to the primary. */
export const ADMIN_ROUTE = 'platform:auth:admin';

/**
 * Operator routes: ADMIN_TOKEN, guarded by the failed-auth bucket only (no tier bucket, so operators
 * are never locked out by their own traffic). See request-pipeline.ts for where it runs.
 */
export const AdminAuth = () =>
  applyDecorators(
    AuthenticatedRoute(),
    SetMetadata(ADMIN_ROUTE, true),
    UseGuards(AdminTokenGuard),
    ApiBearerAuth('admin-token'),
  );
