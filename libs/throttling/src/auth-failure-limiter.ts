import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { InjectConfig, type AppConfig } from '@platform/config';
import { ApiError } from '@platform/http';
import type { CredentialAttempts } from '@platform/security';
import type { BucketDecision, BucketLimits } from './bucket-math';
import { clientAddressKey } from './client-address';
import { LocalTokenBucket } from './local-token-bucket';
import { rateLimitHeaders } from './rate-limit-response';
import { ThrottleService, type BucketRequest } from './throttle.service';

const REFUSED = 'Too many failed authentication attempts from this address';

type LookupOutcome<T> = { found: T | undefined } | { refused: BucketDecision };

/**
 * The failed-auth bucket of a client address (IPv6: its /64): THROTTLE_AUTH_FAILURES_BURST attempts,
 * refilled at THROTTLE_AUTH_FAILURES_PER_MINUTE. Attempts are taken before anything is checked, so
 * no number of concurrent requests gets past it:
 * - a credential that needs a lookup reserves an attempt in Redis first (one script call, atomic)
 *   and gets it back when the lookup finds it: N concurrent bad keys cost at most `burst` lookups,
 *   and the others are 429 with no query;
 * - a credential checked in memory (admin token, Bull Board password) takes an attempt when wrong;
 *   when right it passes only while an attempt is left, so a 200 never tells a guesser more;
 * - a request with no credential, or an API key that cannot be one, costs nothing to refuse: it is
 *   counted in this process (same limits, no Redis call) so that it neither reaches Redis nor goes on
 *   unlimited;
 * - an API key the cache knows is not asked about at all (the caller decides that): clients behind one
 *   NAT address keep working while another client there guesses.
 */
@Injectable()
export class AuthFailureLimiter implements CredentialAttempts {
  private readonly limits: BucketLimits;
  /** Addresses this process refused a credential from, within the bucket's refill time. */
  private readonly recentlyFailed: LRUCache<string, true>;
  /** Failures that needed no lookup; per process, with the full limits (see failedWithoutLookup). */
  private readonly withoutLookup = new LocalTokenBucket(1);
  /** Lookups in flight by credential: concurrent requests with one key share one reservation. */
  private readonly lookups = new Map<string, Promise<LookupOutcome<unknown>>>();

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

  hasRecentFailures(address: string): boolean {
    // Checked on every cached read: skip parsing the address while nothing failed at all.
    return this.recentlyFailed.size > 0 && this.recentlyFailed.has(clientAddressKey(address));
  }

  failedWithoutLookup(address: string): void {
    const bucket = this.failing(address);
    refuseUnless(this.withoutLookup.take(bucket.key, bucket.limits, 1));
  }

  async failed(address: string): Promise<void> {
    refuseUnless(await this.throttle.takeNow(this.failing(address), 1));
  }

  async passed(address: string): Promise<void> {
    const look = await this.throttle.take(this.bucket(clientAddressKey(address)), 0);
    refuseUnless(look);
  }

  async lookup<T>(
    address: string,
    credential: string,
    load: () => Promise<T | undefined>,
  ): Promise<T | undefined> {
    const shared = this.lookups.get(credential) as Promise<LookupOutcome<T>> | undefined;
    if (shared) {
      const outcome = await shared;
      if ('found' in outcome) {
        // The same wrong key again: a failure like any other, but no second lookup.
        if (outcome.found === undefined) await this.failed(address);
        return outcome.found;
      }
      // Whoever started that lookup was out of attempts; this address may still have some.
    }
    const flight = this.reserveAndLoad(address, load);
    this.lookups.set(credential, flight);
    let outcome: LookupOutcome<T>;
    try {
      outcome = await flight;
    } finally {
      if (this.lookups.get(credential) === flight) this.lookups.delete(credential);
    }
    if ('refused' in outcome) refuseUnless(outcome.refused);
    return 'found' in outcome ? outcome.found : undefined;
  }

  private async reserveAndLoad<T>(
    address: string,
    load: () => Promise<T | undefined>,
  ): Promise<LookupOutcome<T>> {
    const key = clientAddressKey(address);
    const bucket = this.bucket(key);
    const reserved = await this.throttle.takeNow(bucket, 1);
    if (!reserved.allowed) {
      this.recentlyFailed.set(key, true);
      return { refused: reserved };
    }
    let found: T | undefined;
    try {
      found = await load();
    } catch (error) {
      // The lookup failed, not the credential: the attempt was not used.
      void this.throttle.giveBack(bucket, 1, reserved);
      throw error;
    }
    // Not awaited: the caller need not wait, and the give-back is sent before any later take.
    if (found !== undefined) void this.throttle.giveBack(bucket, 1, reserved);
    else this.recentlyFailed.set(key, true);
    return { found };
  }

  /** The bucket of a failing address, which is remembered as having failed lately. */
  private failing(address: string): BucketRequest {
    const key = clientAddressKey(address);
    this.recentlyFailed.set(key, true);
    return this.bucket(key);
  }

  private bucket(addressKey: string): BucketRequest {
    return { key: `authfail:${addressKey}`, tier: 'auth_failures', limits: this.limits };
  }
}

/** Throws the 429 (Retry-After, RateLimit-*, JSON envelope) when the bucket said no. */
function refuseUnless(decision: BucketDecision): void {
  if (decision.allowed) return;
  throw new ApiError(429, 'rate_limited', REFUSED, {
    retryAfterSeconds: Math.max(1, Math.ceil(decision.retryAfterMs / 1000)),
    headers: rateLimitHeaders(decision),
  });
}
