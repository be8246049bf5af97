import { LRUCache } from 'lru-cache';
import type { BucketDecision, BucketLimits } from './bucket-math';
import { leaseWant } from './lease-demand';
import type { LeaseGrant } from './redis-token-bucket';

export interface LeaseSettings {
  /** Most tokens asked for at once (a single costly request may need more). */
  maxTokens: number;
  /** Unspent tokens expire this long after their grant. */
  ttlMs: number;
  /** Keys with lease state kept in this process (least recently used dropped first). */
  maxKeys: number;
}

export type LeaseFetch = (
  key: string,
  limits: BucketLimits,
  want: number,
  required: number,
) => Promise<LeaseGrant>;

interface Waiter {
  cost: number;
  resolve(decision: BucketDecision): void;
  reject(error: unknown): void;
}

interface KeyState {
  limits: BucketLimits;
  /** Leased and not yet spent. */
  tokens: number;
  expiresAt: number;
  /** Redis's level right after the last grant, and when (for RateLimit-Remaining). */
  redisRemaining: number;
  grantedAt: number;
  /** After a refusal: requests costing at least `refusedCost` are refused here until this time. */
  refusedUntil: number;
  refusedCost: number;
  /** Demand since the last lease request. */
  spent: number;
  lastFetchAt: number;
  waiters: Waiter[];
  fetching: boolean;
}

/**
 * Token leases (after Google's Doorman and Envoy's global rate limiting): instead of one Redis call
 * per request, a process takes a lease of N tokens from the key's Redis bucket in one call and spends
 * it locally, synchronously. N follows the key's traffic in this process (about one TTL of its
 * spending; 1 for a quiet key) and Redis shrinks it near empty. Unspent tokens expire with the lease,
 * never returned, so the cluster never admits more than Redis granted (burst + rate × elapsed), and a
 * key is refused at most one lease earlier than without leases. Concurrent requests for a key whose
 * lease ran out share one Redis call. A refusal is remembered until Redis said tokens come back (at
 * most one TTL), so a client hammering past its limit is refused without a Redis call each time.
 */
export class LeasedBuckets {
  private readonly states: LRUCache<string, KeyState>;

  constructor(
    private readonly settings: LeaseSettings,
    private readonly fetch: LeaseFetch,
    private readonly now: () => number = Date.now,
  ) {
    this.states = new LRUCache({ max: settings.maxKeys });
  }

  /** Spends from this process's lease; undefined when Redis must be asked (use `take`). */
  tryTake(key: string, limits: BucketLimits, cost: number): BucketDecision | undefined {
    const state = this.states.get(key);
    if (!state || state.waiters.length > 0) return undefined;
    state.limits = limits;
    const now = this.now();
    if (now < state.refusedUntil && cost >= state.refusedCost)
      return this.refused(state, state.refusedUntil - now);
    if (now >= state.expiresAt) state.tokens = 0;
    if (state.tokens < cost) return undefined;
    return this.spend(state, cost, now);
  }

  take(key: string, limits: BucketLimits, cost: number): Promise<BucketDecision> {
    const local = this.tryTake(key, limits, cost);
    if (local) return Promise.resolve(local);
    let state = this.states.get(key);
    if (!state) {
      state = newState(limits, this.now());
      this.states.set(key, state);
    }
    const waiting = state;
    return new Promise<BucketDecision>((resolve, reject) => {
      waiting.waiters.push({ cost, resolve, reject });
      if (!waiting.fetching) this.refill(key, waiting);
    });
  }

  private refill(key: string, state: KeyState): void {
    const now = this.now();
    const required = state.waiters[0].cost;
    const want = leaseWant({
      spentSinceLast: state.spent,
      msSinceLast: now - state.lastFetchAt,
      ttlMs: this.settings.ttlMs,
      maxTokens: this.settings.maxTokens,
      waiting: state.waiters.reduce((sum, w) => sum + w.cost, 0),
    });
    state.fetching = true;
    state.spent = 0;
    state.lastFetchAt = now;
    this.fetch(key, state.limits, want, required).then(
      (grant) => this.granted(key, state, grant),
      (error: unknown) => {
        state.fetching = false;
        const waiters = state.waiters.splice(0);
        for (const w of waiters) w.reject(error);
      },
    );
  }

  private granted(key: string, state: KeyState, grant: LeaseGrant): void {
    state.fetching = false;
    const now = this.now();
    if (now >= state.expiresAt) state.tokens = 0;
    if (grant.granted > 0) {
      state.tokens += grant.granted;
      state.expiresAt = now + this.settings.ttlMs;
      state.redisRemaining = grant.remaining;
      state.grantedAt = now;
      state.refusedUntil = 0;
    }
    while (state.waiters.length > 0 && state.waiters[0].cost <= state.tokens) {
      const waiter = state.waiters.shift()!;
      waiter.resolve(this.spend(state, waiter.cost, now));
    }
    if (state.waiters.length === 0) return;
    if (grant.granted === 0) {
      // Redis has fewer than the head waiter needs until retryAfterMs: refuse it and every request
      // that needs as much; cheaper ones may still fit and ask again.
      const required = state.waiters[0].cost;
      state.redisRemaining = grant.remaining;
      state.grantedAt = now;
      state.refusedUntil = now + Math.min(grant.retryAfterMs, this.settings.ttlMs);
      state.refusedCost = required;
      const still: Waiter[] = [];
      for (const w of state.waiters) {
        if (w.cost >= required) w.resolve(this.refused(state, grant.retryAfterMs));
        else still.push(w);
      }
      state.waiters = still;
    }
    if (state.waiters.length > 0) this.refill(key, state);
  }

  private spend(state: KeyState, cost: number, now: number): BucketDecision {
    state.tokens -= cost;
    state.spent += cost;
    const remaining = this.estimatedRemaining(state, now);
    return {
      allowed: true,
      remaining,
      limit: state.limits.burst,
      retryAfterMs: 0,
      resetMs: this.msUntilFull(state, remaining),
      source: 'redis',
    };
  }

  private refused(state: KeyState, retryAfterMs: number): BucketDecision {
    const remaining = this.estimatedRemaining(state, this.now());
    return {
      allowed: false,
      remaining,
      limit: state.limits.burst,
      retryAfterMs,
      resetMs: this.msUntilFull(state, remaining),
      source: 'redis',
    };
  }

  /** Redis's level at the grant plus its refill since, plus what this process still holds. */
  private estimatedRemaining(state: KeyState, now: number): number {
    const perMs = state.limits.ratePerMinute / 60_000;
    const redis = state.redisRemaining + Math.max(0, now - state.grantedAt) * perMs;
    return Math.floor(Math.min(state.limits.burst, redis + state.tokens));
  }

  private msUntilFull(state: KeyState, remaining: number): number {
    const perMs = state.limits.ratePerMinute / 60_000;
    return Math.ceil((state.limits.burst - remaining) / perMs);
  }
}

function newState(limits: BucketLimits, now: number): KeyState {
  return {
    limits,
    tokens: 0,
    expiresAt: 0,
    redisRemaining: limits.burst,
    grantedAt: now,
    refusedUntil: 0,
    refusedCost: 0,
    spent: 0,
    lastFetchAt: now,
    waiters: [],
    fetching: false,
  };
}
