import { Controller } from '@nestjs/common';
import { SkipThrottle } from '@platform/throttling';
import { ApiKeyAuth } from '../../apps/api/src/auth/api-key-auth.decorator';
import { AuthModule } from '../../apps/api/src/auth/auth.module';
import { REPLICA_ROUTES_IMPORTS, ReplicaTestRoutes } from './replica-test-routes';

/**
 * The replica test routes (replica-test-routes.ts) inside the whole API, at `/v1/replica-test/...`,
 * behind its real API-key auth: the caller is the key, and the API's ConsistencyInterceptor scopes the
 * request. For whole-system tests (faults, scale-out); tests of the libs use ReplicaRoutesController
 * on an app without the API. Composed into the app by the tests (startApiWithControllers), never in
 * production.
 */
@Controller({ path: 'replica-test', version: '1' })
@ApiKeyAuth()
// These routes measure where statements run, not rate limits: hundreds of reads in a second.
@SkipThrottle()
export class ReplicaTestController extends ReplicaTestRoutes {}

export const REPLICA_TEST_IMPORTS = [...REPLICA_ROUTES_IMPORTS, AuthModule];
