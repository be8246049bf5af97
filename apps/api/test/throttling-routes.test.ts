import { Controller, Get, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@platform/config';
import { issueApiKey } from '@platform/database';
import { createFastifyAdapter } from '@platform/http';
import { createLogger } from '@platform/observability';
import { SkipThrottle, Throttle, ThrottleCost } from '@platform/throttling';
import { ApiModule } from '../src/api.module';
import { ApiKeyAuth } from '../src/auth/api-key-auth.decorator';
import { AuthModule } from '../src/auth/auth.module';
import {
  checkContractOf,
  createTestDatabase,
  exemptFromContract,
  testEnv,
  type TestDatabase,
} from '../../../test/support';

/** Routes a later feature would write: anonymous, stricter, expensive, exempt. */
@Controller({ path: 'demo', version: '1' })
class DemoController {
  @Get('anonymous')
  anonymous() {
    return { ok: true };
  }

  @Get('strict')
  @Throttle({ default: { limit: 3, ttl: 60_000 } })
  strict() {
    return { ok: true };
  }

  @Get('unlimited')
  @SkipThrottle()
  unlimited() {
    return { ok: true };
  }
}

@Controller({ path: 'demo-keyed', version: '1' })
@ApiKeyAuth()
class KeyedDemoController {
  @Get('expensive')
  @ThrottleCost(50)
  expensive() {
    return { ok: true };
  }
}

@Module({})
class DemoAppModule {
  static forRoot(config: ReturnType<typeof loadConfig>): DynamicModule {
    return {
      module: DemoAppModule,
      imports: [ApiModule.forRoot(config), AuthModule],
      controllers: [DemoController, KeyedDemoController],
    };
  }
}

describe('throttled routes for feature controllers (the real API module plus demo routes)', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let base: string;

  beforeAll(async () => {
    exemptFromContract(DemoController, KeyedDemoController);
    db = await createTestDatabase();
    const config = loadConfig(
      testEnv({ DATABASE_URL: db.url, THROTTLE_ANONYMOUS_BURST: '10', THROTTLE_ANONYMOUS_PER_MINUTE: '60' }),
    );
    const logger = createLogger({ level: 'warn', name: 'api' });
    app = await NestFactory.create<NestFastifyApplication>(
      DemoAppModule.forRoot(config),
      createFastifyAdapter(config, logger),
      { logger: false, bodyParser: false, abortOnError: false },
    );
    app.enableVersioning({ type: (await import('@nestjs/common')).VersioningType.URI });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.getHttpServer().address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    checkContractOf(base);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, { headers });
    await res.arrayBuffer();
    return res;
  };

  it('limits anonymous routes per client IP with THROTTLE_ANONYMOUS_*, ignoring X-Forwarded-For', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i += 1) {
      statuses.push((await get('/v1/demo/anonymous', { 'x-forwarded-for': `192.0.2.${i}` })).status);
    }
    expect(statuses).toEqual([...Array(10).fill(200), 429, 429]);
    const limited = await get('/v1/demo/anonymous');
    expect(limited.headers.get('ratelimit-limit')).toBe('10');
    expect(limited.headers.get('retry-after')).not.toBeNull();
  });

  it('@Throttle gives a route its own stricter bucket; @SkipThrottle exempts a route', async () => {
    const strict: number[] = [];
    for (let i = 0; i < 4; i += 1) strict.push((await get('/v1/demo/strict')).status);
    expect(strict).toEqual([200, 200, 200, 429]);
    for (let i = 0; i < 15; i += 1) {
      const res = await get('/v1/demo/unlimited');
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-limit')).toBeNull();
    }
  });

  it('@ThrottleCost takes that many tokens from the caller bucket', async () => {
    const { key } = await issueApiKey(db.dataSource, 'cost', 'free');
    const statuses: number[] = [];
    const remaining: Array<string | null> = [];
    for (let i = 0; i < 4; i += 1) {
      const res = await get('/v1/demo-keyed/expensive', { 'x-api-key': key });
      statuses.push(res.status);
      remaining.push(res.headers.get('ratelimit-remaining'));
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(remaining.slice(0, 3)).toEqual(['100', '50', '0']);
  });
});
