import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import type { FastifyReply } from 'fastify';
import { InjectConfig, type AppConfig } from '@platform/config';
import type { BucketLimits } from './bucket-math';
import { applyDecision } from './rate-limit-response';
import { ThrottleService } from './throttle.service';

/**
 * The stricter per-IP bucket for failed authentication (brute force). Before an authenticated
 * route's guard runs, the client IP must still have a token in it; every 401 the route answers then
 * takes one. Once empty, even a correct guess gets 429, so guessing cannot go on.
 *
 * The look before the guard is skipped for addresses this instance has not answered a 401 within
 * the bucket's refill time: almost every request comes from a client that never fails, and the look
 * would otherwise cost a Redis round trip on each of them. An address failing on several instances is
 * still limited by the shared bucket (every 401 takes from it); each instance only lets through the
 * first attempt after it has seen none from that address for a refill period.
 */
@Injectable()
export class AuthFailureLimiter {
  private readonly limits: BucketLimits;
  private readonly recentlyFailed: LRUCache<string, true>;

  constructor(
    private readonly throttle: ThrottleService,
    @InjectConfig() config: AppConfig,
  ) {
    this.limits = {
      burst: config.throttle.authFailures.burst,
      ratePerMinute: config.throttle.authFailures.perMinute,
    };
    const refillMs = Math.ceil((this.limits.burst / this.limits.ratePerMinute) * 60_000);
    this.recentlyFailed = new LRUCache({ max: 100_000, ttl: Math.max(1_000, refillMs) });
  }

  /** Whether this instance answered `ip` a 401 within the bucket's refill time (then `guard` looks in Redis). */
  hasRecentFailures(ip: string): boolean {
    return this.recentlyFailed.has(ip);
  }

  /** Throws 429 when `ip` has used up its failed attempts; otherwise counts a 401 answer to it. */
  async guard(ip: string, reply: FastifyReply): Promise<void> {
    if (this.recentlyFailed.has(ip)) {
      const decision = await this.throttle.take(this.bucket(ip), 0);
      if (!decision.allowed) {
        applyDecision(reply, decision, 'Too many failed authentication attempts from this address');
      }
    }
    reply.raw.once('finish', () => {
      if (reply.statusCode !== 401) return;
      this.recentlyFailed.set(ip, true);
      void this.throttle.take(this.bucket(ip), 1);
    });
  }

  private bucket(ip: string) {
    return { key: `authfail:${ip}`, tier: 'auth_failures', limits: this.limits };
  }
}
