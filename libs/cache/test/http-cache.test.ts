import {
  Controller,
  Delete,
  Get,
  Injectable,
  Module,
  Param,
  Post,
  Put,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { APP_INTERCEPTOR, NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CACHE_MANAGER } from '@nestjs/cache-manager';
import type { Cache } from 'cache-manager';
import { CachedResponse, HttpCacheInterceptor, TieredCacheModule } from '@platform/cache';
import { APP_CONFIG, ConfigModule, type AppConfig } from '@platform/config';
import { REDIS_COMMANDS, RedisModule, type RedisClient } from '@platform/redis';
import { ResilienceModule } from '@platform/resilience';
import { testEnv } from '../../../test/support/libs';
import { l2Inspector } from './open-test-cache';

/** Stands in for ApiKeyGuard: the caller is whoever `x-caller` names (`key@tenant`). */
@Injectable()
class HeaderCallerGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const caller = request.headers['x-caller'];
    // Only the ids matter to the cache; the app's Caller type (if compiled in) asks for more.
    if (typeof caller === 'string') {
      const [apiKeyId, tenantId = 'tenant-of-' + apiKeyId] = caller.split('@');
      (request as { caller?: unknown }).caller = { apiKeyId, tenantId };
    }
    return true;
  }
}

/** Every handler counts its runs, so a test can tell a cached answer from a fresh one. */
@Controller('items')
@UseGuards(HeaderCallerGuard)
class ItemsController {
  runs = 0;

  @Get('mine/:id')
  @CachedResponse({ ttlMs: 60_000, scope: 'caller' })
  mine(@Param('id') id: string) {
    return { id, run: (this.runs += 1) };
  }

  @Get('tenant/:id')
  @CachedResponse({ ttlMs: 60_000, scope: 'tenant' })
  ofTenant(@Param('id') id: string) {
    return { id, run: (this.runs += 1) };
  }

  @Get('shared/:id')
  @CachedResponse({ ttlMs: 60_000 })
  shared(@Param('id') id: string) {
    return { id, run: (this.runs += 1) };
  }

  @Post('shared/:id')
  @CachedResponse({ ttlMs: 60_000 })
  create(@Param('id') id: string) {
    return { id, run: (this.runs += 1) };
  }

  @Put('shared/:id')
  @CachedResponse({ ttlMs: 60_000 })
  replace(@Param('id') id: string) {
    return { id, run: (this.runs += 1) };
  }

  @Delete('shared/:id')
  @CachedResponse({ ttlMs: 60_000 })
  remove(@Param('id') id: string) {
    return { id, run: (this.runs += 1) };
  }
}

describe('CachedResponse interceptor (real Redis, real HTTP)', () => {
  let app: NestFastifyApplication;
  let base: string;

  beforeAll(async () => {
    @Module({
      imports: [ConfigModule.forRoot({ env: testEnv() }), RedisModule, ResilienceModule, TieredCacheModule],
      controllers: [ItemsController],
      // As an app's request pipeline registers it.
      providers: [HeaderCallerGuard, { provide: APP_INTERCEPTOR, useClass: HttpCacheInterceptor }],
    })
    class TestAppModule {}
    app = await NestFactory.create<NestFastifyApplication>(TestAppModule, new FastifyAdapter(), {
      logger: ['error'],
      abortOnError: false,
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.getHttpServer().address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    await app?.close();
  });

  const call = async (method: string, path: string, caller?: string) => {
    const res = await fetch(`${base}${path}`, { method, headers: caller ? { 'x-caller': caller } : {} });
    return { res, body: (await res.json()) as { id: string; run: number } };
  };

  it('never caches POST, PUT or DELETE, even with the decorator', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const first = await call(method, '/items/shared/w1');
      const second = await call(method, '/items/shared/w1');
      expect(first.res.headers.get('x-cache')).toBeNull();
      expect(second.body.run).toBeGreaterThan(first.body.run);
    }
    // Nor do they answer a GET of the same URL.
    const get = await call('GET', '/items/shared/w1');
    expect(get.res.headers.get('x-cache')).toBe('MISS');
  });

  it('caches a GET: MISS, then HIT-L1 without running the handler', async () => {
    const first = await call('GET', '/items/shared/g1');
    const second = await call('GET', '/items/shared/g1');
    expect(first.res.headers.get('x-cache')).toBe('MISS');
    expect(second.res.headers.get('x-cache')).toBe('HIT-L1');
    expect(second.body).toEqual(first.body);
  });

  it('keys per-caller routes by caller, and does not cache them without one', async () => {
    const a1 = await call('GET', '/items/mine/1', 'user-a');
    const b1 = await call('GET', '/items/mine/1', 'user-b');
    expect(b1.res.headers.get('x-cache')).toBe('MISS');
    expect(b1.body.run).not.toBe(a1.body.run);
    const a2 = await call('GET', '/items/mine/1', 'user-a');
    const b2 = await call('GET', '/items/mine/1', 'user-b');
    expect(a2.res.headers.get('x-cache')).toBe('HIT-L1');
    expect(a2.body).toEqual(a1.body);
    expect(b2.body).toEqual(b1.body);
    const anonymous1 = await call('GET', '/items/mine/1');
    const anonymous2 = await call('GET', '/items/mine/1');
    expect(anonymous1.res.headers.get('x-cache')).toBeNull();
    expect(anonymous2.body.run).toBeGreaterThan(anonymous1.body.run);
  });

  it('keys per-tenant routes by tenant: keys of one tenant share an entry, other tenants do not', async () => {
    const a = await call('GET', '/items/tenant/1', 'key-a@t1');
    const b = await call('GET', '/items/tenant/1', 'key-b@t1');
    const c = await call('GET', '/items/tenant/1', 'key-c@t2');
    expect(b.res.headers.get('x-cache')).toBe('HIT-L1');
    expect(b.body).toEqual(a.body);
    expect(c.res.headers.get('x-cache')).toBe('MISS');
    expect(c.body.run).not.toBe(a.body.run);
    // Another tenant's data must not be kept by shared caches.
    expect(c.res.headers.get('cache-control')).toBe('private, no-cache');
    const anonymous = await call('GET', '/items/tenant/1');
    expect(anonymous.res.headers.get('x-cache')).toBeNull();
  });

  it('shares one handler run among concurrent cold requests for one key', async () => {
    const before = (await call('POST', '/items/shared/count')).body.run;
    const results = await Promise.all(Array.from({ length: 50 }, () => call('GET', '/items/shared/burst')));
    const runs = new Set(results.map((r) => r.body.run));
    expect(runs.size).toBe(1);
    expect([...runs][0]).toBe(before + 1);
  });

  it('CACHE_MANAGER (cache-manager 7) is usable and runs on the tiered cache', async () => {
    const manager = app.get<Cache>(CACHE_MANAGER);
    const l2 = l2Inspector(
      app.get<RedisClient>(REDIS_COMMANDS),
      app.get<AppConfig>(APP_CONFIG).redis.keyPrefix,
    );
    await manager.set('cm:k', { a: 1 }, 60_000);
    expect(await manager.get('cm:k')).toEqual({ a: 1 });
    expect(await l2.storedBytes('cm:k')).toBeGreaterThan(0); // it went to L2 through TieredCache
    let loads = 0;
    const loader = async () => {
      loads += 1;
      await new Promise((r) => setTimeout(r, 10));
      return 5;
    };
    const results = await Promise.all(Array.from({ length: 100 }, () => manager.wrap('cm:w', loader)));
    expect(results).toEqual(Array(100).fill(5));
    expect(loads).toBe(1);
    expect(await manager.wrap('cm:w', loader)).toBe(5);
    expect(loads).toBe(1);
    await manager.del('cm:k');
    expect(await manager.get('cm:k')).toBeUndefined();
    expect(await l2.storedBytes('cm:k')).toBeUndefined();
  });
});
