import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { InjectConfig, type AppConfig } from '@platform/config';
import type { BucketLimits } from './bucket-math';
import { applyDecision } from './rate-limit-response';
import { ThrottleService } from './throttle.service';

/**
 * The stricter per-IP bucket for failed authentication (brute force). Before an authenticated
 * route's guard runs, the client IP must still have a token in it; every 401 the route answers then
 * takes one. Once empty, even a correct guess gets 429, so guessing cannot go on.
 */
@Injectable()
export class AuthFailureLimiter {
  private readonly limits: BucketLimits;

  constructor(
    private readonly throttle: ThrottleService,
    @InjectConfig() config: AppConfig,
  ) {
    this.limits = {
      burst: config.throttle.authFailures.burst,
      ratePerMinute: config.throttle.authFailures.perMinute,
    };
  }

  /** Throws 429 when `ip` has used up its failed attempts; otherwise counts a 401 answer to it. */
  async guard(ip: string, reply: FastifyReply): Promise<void> {
    const decision = await this.throttle.take(this.bucket(ip), 0);
    if (!decision.allowed) {
      applyDecision(reply, decision, 'Too many failed authentication attempts from this address');
    }
    reply.raw.once('finish', () => {
      if (reply.statusCode === 401) void this.throttle.take(this.bucket(ip), 1);
    });
  }

  private bucket(ip: string) {
    return { key: `authfail:${ip}`, tier: 'auth_failures', limits: this.limits };
  }
}
