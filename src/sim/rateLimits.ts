// Zoom's rate limits (ZOOM.md section 5): per Zoom account, shared by all its users and tokens, a
// token bucket per category sized from the plan, and daily caps that reset at 00:00 UTC. A request
// refused with 429 consumes nothing.

import type { SimPlan } from './types.js';
import { SECOND_MS, nextUtcMidnight, utcDay, zoomIso } from './zoomTime.js';

export type Category = 'light' | 'medium' | 'heavy' | 'resource-intensive';

/** Zoom Phone endpoints have their own table (light and medium), though the names are the same. */
export type PhoneCategory = 'light' | 'medium';

export type RateClass = { api: 'main'; category: Category } | { api: 'phone'; category: PhoneCategory };

interface BucketSpec {
  /** Requests per `perMs`; also the burst, since Zoom states limits as "N per second/minute". */
  limit: number;
  perMs: number;
}

interface CategoryLimits {
  bucket: BucketSpec;
  /** The daily counter this category draws from, if any. */
  daily: { counter: string; limit: number } | null;
}

const perSecond = (limit: number): BucketSpec => ({ limit, perMs: SECOND_MS });
const perMinute = (limit: number): BucketSpec => ({ limit, perMs: 60 * SECOND_MS });

const MAIN: Record<SimPlan, Record<Category, CategoryLimits>> = {
  free: {
    light: { bucket: perSecond(4), daily: { counter: 'light', limit: 6_000 } },
    medium: { bucket: perSecond(2), daily: { counter: 'medium', limit: 2_000 } },
    heavy: { bucket: perSecond(1), daily: { counter: 'heavy', limit: 1_000 } },
    'resource-intensive': { bucket: perMinute(10), daily: { counter: 'resource-intensive', limit: 30_000 } },
  },
  pro: {
    light: { bucket: perSecond(30), daily: null },
    medium: { bucket: perSecond(20), daily: null },
    heavy: { bucket: perSecond(10), daily: { counter: 'heavy+resource-intensive', limit: 30_000 } },
    'resource-intensive': { bucket: perMinute(10), daily: { counter: 'heavy+resource-intensive', limit: 30_000 } },
  },
  business: {
    light: { bucket: perSecond(80), daily: null },
    medium: { bucket: perSecond(60), daily: null },
    heavy: { bucket: perSecond(40), daily: { counter: 'heavy+resource-intensive', limit: 60_000 } },
    'resource-intensive': { bucket: perMinute(20), daily: { counter: 'heavy+resource-intensive', limit: 60_000 } },
  },
};

// Zoom publishes a Phone table for Pro and Business+ only (light 20/40, medium 10/20 per second);
// a Free account with a Phone licence is not a real combination, so it gets the Pro row.
const PHONE_PRO: Record<PhoneCategory, CategoryLimits> = {
  light: { bucket: perSecond(20), daily: null },
  medium: { bucket: perSecond(10), daily: null },
};
const PHONE: Record<SimPlan, Record<PhoneCategory, CategoryLimits>> = {
  free: PHONE_PRO,
  pro: PHONE_PRO,
  business: {
    light: { bucket: perSecond(40), daily: null },
    medium: { bucket: perSecond(20), daily: null },
  },
};

function limitsFor(plan: SimPlan, rate: RateClass): CategoryLimits {
  return rate.api === 'phone' ? PHONE[plan][rate.category] : MAIN[plan][rate.category];
}

export const CATEGORY_HEADER: Record<Category, string> = {
  light: 'Light',
  medium: 'Medium',
  heavy: 'Heavy',
  'resource-intensive': 'Resource-intensive',
};

export type Headers = Record<string, string>;

export type RateDecision =
  | { ok: true; headers: Headers }
  | { ok: false; type: 'QPS' | 'Daily-limit'; headers: Headers; body: { code: 429; message: string } };

export const QPS_MESSAGE = 'You have reached the maximum per-second rate limit for this API. Try again later.';
const DAILY_MESSAGE = 'You have reached the maximum daily rate limit for this API. Refer to the response header for details on when you can make another request.';

interface Bucket {
  tokens: number;
  at: number;
}

/** The buckets and daily counters of one Zoom account. */
export class AccountLimits {
  private readonly buckets = new Map<string, Bucket>();
  private readonly daily = new Map<string, { day: number; used: number }>();

  constructor(private readonly plan: SimPlan) {}

  /** Takes one request of `category` at `now`, or says why not (without taking anything). */
  take(rate: RateClass, now: number): RateDecision {
    const limits = limitsFor(this.plan, rate);
    const headers: Headers = { 'X-RateLimit-Category': CATEGORY_HEADER[rate.category] };
    const counter = limits.daily ? this.counter(limits.daily.counter, now) : null;
    if (limits.daily && counter && counter.used >= limits.daily.limit) {
      return {
        ok: false,
        type: 'Daily-limit',
        headers: {
          ...headers,
          'X-RateLimit-Type': 'Daily-limit',
          'X-RateLimit-Limit': String(limits.daily.limit),
          'X-RateLimit-Remaining': '0',
          'Retry-After': zoomIso(nextUtcMidnight(now)),
        },
        body: { code: 429, message: DAILY_MESSAGE },
      };
    }
    const key = `${rate.api}:${rate.category}`;
    const bucket = this.refilled(key, limits.bucket, now);
    if (bucket.tokens < 1) {
      return {
        ok: false,
        type: 'QPS',
        headers: { ...headers, 'X-RateLimit-Type': 'QPS', 'X-RateLimit-Limit': String(limits.bucket.limit), 'X-RateLimit-Remaining': '0' },
        body: { code: 429, message: QPS_MESSAGE },
      };
    }
    bucket.tokens -= 1;
    if (limits.daily && counter) {
      counter.used += 1;
      headers['X-RateLimit-Limit'] = String(limits.daily.limit);
      headers['X-RateLimit-Remaining'] = String(limits.daily.limit - counter.used);
    }
    return { ok: true, headers };
  }

  private refilled(key: string, spec: BucketSpec, now: number): Bucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: spec.limit, at: now };
      this.buckets.set(key, bucket);
    }
    // A clock set back refills nothing (and takes nothing away).
    const elapsed = Math.max(0, now - bucket.at);
    bucket.tokens = Math.min(spec.limit, bucket.tokens + (elapsed * spec.limit) / spec.perMs);
    bucket.at = Math.max(bucket.at, now);
    return bucket;
  }

  private counter(name: string, now: number): { day: number; used: number } {
    const day = utcDay(now);
    let counter = this.daily.get(name);
    if (!counter || counter.day !== day) {
      counter = { day, used: 0 };
      this.daily.set(name, counter);
    }
    return counter;
  }
}
