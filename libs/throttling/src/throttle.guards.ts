import { Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerModuleOptions,
  type ThrottlerRequest,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { InjectConfig, type AppConfig } from '@platform/config';
import { isProbePath } from '@platform/resilience';
import { clientAddressKey } from './client-address';
import { applyDecision } from './rate-limit-response';
import type { BucketRequest } from './throttle.service';
import { ThrottleService } from './throttle.service';
import { subjectBucket } from './throttle-subject';
import {
  AUTHENTICATED_ROUTE,
  resolveThrottleCost,
  THROTTLE_COST,
  type ThrottleCostOf,
} from './throttle-metadata';

/**
 * @nestjs/throttler's guard (so `@Throttle` and `@SkipThrottle` keep working) with its fixed-window
 * storage replaced by our token bucket: the caller's tier bucket when auth has identified it,
 * else the client IP's bucket with the module's (or the route's `@Throttle`) limits.
 */
// The concrete guards inherit this constructor and its injection metadata.
@Injectable()
abstract class TokenBucketGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    protected readonly throttle: ThrottleService,
    @InjectConfig() protected readonly config: AppConfig,
  ) {
    super(options, storage, reflector);
  }

  /** The client address as per-address buckets know it (IPv6 by /64; see clientAddressKey). */
  protected override async getTracker(request: { ip: string }): Promise<string> {
    return clientAddressKey(request.ip);
  }

  protected async limit(context: ExecutionContext): Promise<boolean> {
    // Route-level guard instances are not always given onModuleInit; the parent needs its setup.
    if (!this.throttlers) await this.onModuleInit();
    return super.canActivate(context);
  }

  protected override async handleRequest({ context, limit, ttl }: ThrottlerRequest): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const bucket = await this.bucketFor(request, context, limit, ttl);
    const cost = resolveThrottleCost(
      this.reflector.getAllAndOverride<ThrottleCostOf | undefined>(THROTTLE_COST, [
        context.getHandler(),
        context.getClass(),
      ]),
      request,
      bucket.limits.burst,
    );
    const decision = this.throttle.tryTake(bucket, cost) ?? (await this.throttle.take(bucket, cost));
    applyDecision(reply, decision, 'Rate limit exceeded; retry after the time in Retry-After');
    if (request.throttleSubject) request.throttleCost = cost;
    return true;
  }

  private async bucketFor(
    request: FastifyRequest,
    context: ExecutionContext,
    limit: number,
    ttl: number,
  ): Promise<BucketRequest> {
    const subject = request.throttleSubject;
    if (subject) return subjectBucket(subject);
    const ip = await this.getTracker(request);
    const anonymous = this.config.throttle.anonymous;
    const isDefault = limit === anonymous.burst && ttl === anonymousTtlMs(this.config);
    // A route with its own @Throttle limits gets its own bucket, so it does not drain the shared one.
    const scope = isDefault ? '' : `:${context.getClass().name}.${context.getHandler().name}`;
    return {
      key: `ip:${ip}${scope}`,
      tier: 'anonymous',
      limits: { burst: limit, ratePerMinute: (limit * 60_000) / ttl },
    };
  }

  protected isAuthenticatedRoute(context: ExecutionContext): boolean {
    return (
      this.reflector.getAllAndOverride<boolean | undefined>(AUTHENTICATED_ROUTE, [
        context.getHandler(),
        context.getClass(),
      ]) === true
    );
  }
}

/** The anonymous limits expressed as @nestjs/throttler's (limit, ttl): `burst` tokens per `ttl`. */
export function anonymousTtlMs(config: AppConfig): number {
  const { burst, perMinute } = config.throttle.anonymous;
  return Math.round((burst / perMinute) * 60_000);
}

/**
 * The first guard of the pipeline. Probes and /metrics pass untouched. Routes marked
 * AuthenticatedRoute pass too: their auth step draws on the failed-auth bucket itself
 * (AuthFailureLimiter), since only it knows whether a credential needs a lookup, and their caller's
 * bucket is taken after it. Every other route is limited per client IP.
 */
@Injectable()
export class GlobalThrottleGuard extends TokenBucketGuard {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (isProbePath(request.url)) return true;
    if (this.isAuthenticatedRoute(context)) return true;
    return this.limit(context);
  }
}

/**
 * Runs after auth (the app's pipeline puts it there): the caller's tier bucket, on requests whose
 * auth named a throttle subject. Others were limited per client IP by the global guard already.
 */
@Injectable()
export class CallerThrottleGuard extends TokenBucketGuard {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    if (!context.switchToHttp().getRequest<FastifyRequest>().throttleSubject) return true;
    return this.limit(context);
  }
}
