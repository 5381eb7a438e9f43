// Client-side pacing of Zoom requests (ZOOM.md section 5): a token bucket per category, sized a
// little below the plan's published rate, daily counters where Zoom has daily caps, and what 429s
// teach. Zoom's limits belong to the Zoom account, so every local account on one Zoom account
// must share one limiter: `limiterFor` keeps that registry.
//
// Why this sends zero 429s when nothing else uses the account: if Zoom keeps a token bucket, it
// holds `limit` tokens and refills at `limit` per period; ours holds at most
// `floor(limit * SAFETY)` and refills at `limit * SAFETY` per period, both full at the start. Ours
// never holds more than Zoom's, so a request we let through always finds a token at Zoom; the gap
// absorbs network jitter. Should Zoom count in windows instead ("N per second"), a second rule
// keeps any one period to `floor(limit * SAFETY)` requests: a full bucket cannot burst twice.

import type { Clock } from '../core/clock.js';
import { err, ok, type Result } from '../core/result.js';
import { CATEGORIES, type ZoomCategory } from './endpoints.js';
import { PLAN_LIMITS, type CategoryLimit, type ZoomPlan } from './planLimits.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const SAFETY = 0.9;
/** How far a run of 429s may shrink a bucket's rate, and how fast successes bring it back. */
const MIN_FACTOR = 0.1;
const RECOVERY_PER_SUCCESS = 0.02;

export type LimiterStop = { kind: 'throttled'; until: number } | { kind: 'aborted' };

/** What a 429 said: Zoom's X-RateLimit-Type ('QPS' or 'Daily-limit', null when absent) and Retry-After. */
export interface TooManyRequests {
  type: string | null;
  retryAfter: string | null;
}

/** 'daily': stop this category until `until`; 'pause': try again after `until` (acquire waits). */
export type ThrottleVerdict = { kind: 'daily'; until: number } | { kind: 'pause'; until: number };

export interface RateLimiterOptions {
  /** First pause after a per-second 429; doubles with each further 429 in a row. Default 1 s. */
  pauseBaseMs?: number;
  pauseCapMs?: number;
  random?: () => number;
}

interface CategoryState {
  tokens: number;
  at: number;
  /** Learned from 429s: the share of the plan's rate this client now allows itself. */
  factor: number;
  /** 429s in a row without a success in between. */
  strikes: number;
  /** No request before this (a per-second 429). */
  pausedUntil: number;
  /** A daily limit: nothing before this (the next 00:00 UTC, or Zoom's Retry-After). */
  blockedUntil: number;
  /** When the latest requests went, at most a bucket's capacity of them, oldest first. */
  sent: number[];
}

export function nextUtcMidnight(now: number): number {
  return Math.floor(now / DAY_MS) * DAY_MS + DAY_MS;
}

function parseRetryAfter(raw: string | null, now: number): number | null {
  if (!raw) return null;
  const at = /^\d+$/.test(raw.trim()) ? now + Number(raw.trim()) * 1000 : Date.parse(raw);
  // A date in the past, or more than a day past the next reset, is not believed.
  if (Number.isNaN(at) || at <= now || at > nextUtcMidnight(now) + DAY_MS) return null;
  return at;
}

export class RateLimiter {
  private plan: ZoomPlan;
  private readonly states = new Map<ZoomCategory, CategoryState>();
  private readonly daily = new Map<string, { day: number; used: number }>();
  private readonly pauseBaseMs: number;
  private readonly pauseCapMs: number;
  private readonly random: () => number;

  constructor(
    plan: ZoomPlan,
    private readonly clock: Clock,
    options: RateLimiterOptions = {},
  ) {
    this.plan = plan;
    this.pauseBaseMs = options.pauseBaseMs ?? 1000;
    this.pauseCapMs = options.pauseCapMs ?? 60_000;
    this.random = options.random ?? Math.random;
  }

  /** A plan change (an upgrade) resizes the buckets from now on. */
  setPlan(plan: ZoomPlan): void {
    this.plan = plan;
  }

  /** Waits (on the Clock) until a request of `category` may go; a daily limit ends the wait at once. */
  async acquire(category: ZoomCategory, signal?: AbortSignal): Promise<Result<void, LimiterStop>> {
    for (;;) {
      if (signal?.aborted) return err({ kind: 'aborted' });
      const now = this.clock.now();
      const state = this.stateOf(category, now);
      const blocked = this.dailyBlock(category, state, now);
      if (blocked !== null) return err({ kind: 'throttled', until: blocked });
      let waitMs: number;
      if (state.pausedUntil > now) {
        waitMs = state.pausedUntil - now;
      } else {
        this.refill(category, state, now);
        const windowWaitMs = this.windowWait(category, state, now);
        if (state.tokens >= 1 && windowWaitMs === 0) {
          this.take(category, state, now);
          return ok(undefined);
        }
        waitMs = Math.max(windowWaitMs, Math.ceil((1 - state.tokens) / this.ratePerMs(category, state)));
      }
      try {
        await this.clock.sleep(Math.max(1, waitMs), signal);
      } catch {
        return err({ kind: 'aborted' });
      }
    }
  }

  /** Records a 429 of `category` and says what to do about it. */
  onTooManyRequests(category: ZoomCategory, info: TooManyRequests): ThrottleVerdict {
    const now = this.clock.now();
    const state = this.stateOf(category, now);
    if (info.type?.toLowerCase() === 'daily-limit') {
      const until = parseRetryAfter(info.retryAfter, now) ?? nextUtcMidnight(now);
      for (const shared of this.sharingDailyCounter(category)) this.stateOf(shared, now).blockedUntil = until;
      return { kind: 'daily', until };
    }
    // A per-second 429, or one without headers (taken for per-second first). Something else is
    // using the account, or our idea of the rate is wrong: pause, and when 429s keep coming, back
    // off exponentially and slow the bucket down. Requests sent together come back with their 429s
    // together: one pause answers them all.
    if (state.pausedUntil > now) return { kind: 'pause', until: state.pausedUntil };
    state.strikes += 1;
    state.tokens = 0;
    state.at = now;
    if (state.strikes > 1) state.factor = Math.max(MIN_FACTOR, state.factor / 2);
    const step = Math.min(this.pauseCapMs, this.pauseBaseMs * 2 ** (state.strikes - 1));
    const until = now + Math.round(step * (1 + this.random() / 2));
    state.pausedUntil = until;
    return { kind: 'pause', until: state.pausedUntil };
  }

  /** A request of `category` got an answer other than 429: the learned rate recovers a little. */
  onSuccess(category: ZoomCategory): void {
    const state = this.states.get(category);
    if (!state) return;
    state.strikes = 0;
    state.factor = Math.min(1, state.factor + RECOVERY_PER_SUCCESS);
  }

  /** When `category` may be used again, or null when it is not held back. */
  pausedUntil(category: ZoomCategory): number | null {
    const now = this.clock.now();
    const state = this.stateOf(category, now);
    const until = Math.max(state.pausedUntil, this.dailyBlock(category, state, now) ?? 0);
    return until > now ? until : null;
  }

  /** Requests per second this limiter now allows for `category`. */
  currentRate(category: ZoomCategory): number {
    const state = this.stateOf(category, this.clock.now());
    return this.ratePerMs(category, state) * 1000;
  }

  private limitOf(category: ZoomCategory): CategoryLimit {
    return PLAN_LIMITS[this.plan][category];
  }

  private capacity(category: ZoomCategory, state: CategoryState): number {
    return Math.max(1, Math.floor(this.limitOf(category).limit * SAFETY * state.factor));
  }

  private ratePerMs(category: ZoomCategory, state: CategoryState): number {
    const { limit, periodMs } = this.limitOf(category);
    return (limit * SAFETY * state.factor) / periodMs;
  }

  private stateOf(category: ZoomCategory, now: number): CategoryState {
    let state = this.states.get(category);
    if (!state) {
      state = { tokens: 0, at: now, factor: 1, strikes: 0, pausedUntil: 0, blockedUntil: 0, sent: [] };
      state.tokens = this.capacity(category, state);
      this.states.set(category, state);
    }
    return state;
  }

  private take(category: ZoomCategory, state: CategoryState, now: number): void {
    state.tokens -= 1;
    state.sent.push(now);
    const capacity = this.capacity(category, state);
    if (state.sent.length > capacity) state.sent.splice(0, state.sent.length - capacity);
    const counter = this.counterOf(category, now);
    if (counter) counter.used += 1;
  }

  /** How long until one more request fits in the last period; 0 when it does now. */
  private windowWait(category: ZoomCategory, state: CategoryState, now: number): number {
    const capacity = this.capacity(category, state);
    if (state.sent.length < capacity) return 0;
    const oldestInWindow = state.sent[state.sent.length - capacity] ?? 0;
    return Math.max(0, oldestInWindow + this.limitOf(category).periodMs - now);
  }

  private refill(category: ZoomCategory, state: CategoryState, now: number): void {
    // A clock set back refills nothing.
    const elapsed = Math.max(0, now - state.at);
    state.tokens = Math.min(this.capacity(category, state), state.tokens + elapsed * this.ratePerMs(category, state));
    state.at = Math.max(state.at, now);
  }

  /** The end of a daily block of `category`, or null. A counter at its cap blocks until 00:00 UTC. */
  private dailyBlock(category: ZoomCategory, state: CategoryState, now: number): number | null {
    if (state.blockedUntil > now) return state.blockedUntil;
    const counter = this.counterOf(category, now);
    const cap = this.limitOf(category).daily?.limit;
    if (counter && cap !== undefined && counter.used >= cap) {
      state.blockedUntil = nextUtcMidnight(now);
      return state.blockedUntil;
    }
    return null;
  }

  private counterOf(category: ZoomCategory, now: number): { day: number; used: number } | null {
    const daily = this.limitOf(category).daily;
    if (!daily) return null;
    const day = Math.floor(now / DAY_MS);
    let counter = this.daily.get(daily.counter);
    if (!counter || counter.day !== day) {
      counter = { day, used: 0 };
      this.daily.set(daily.counter, counter);
    }
    return counter;
  }

  private sharingDailyCounter(category: ZoomCategory): ZoomCategory[] {
    const counter = this.limitOf(category).daily?.counter;
    if (!counter) return [category];
    return CATEGORIES.filter((c) => this.limitOf(c).daily?.counter === counter);
  }
}

const registry = new WeakMap<Clock, Map<string, RateLimiter>>();

/**
 * The one limiter of a Zoom account (per Clock: production has one clock; tests with their own
 * fake clocks get their own limiters). A plan change updates the existing limiter.
 */
export function limiterFor(zoomAccountId: string, plan: ZoomPlan, clock: Clock): RateLimiter {
  let limiters = registry.get(clock);
  if (!limiters) {
    limiters = new Map();
    registry.set(clock, limiters);
  }
  let limiter = limiters.get(zoomAccountId);
  if (!limiter) {
    limiter = new RateLimiter(plan, clock);
    limiters.set(zoomAccountId, limiter);
  } else {
    limiter.setPlan(plan);
  }
  return limiter;
}
