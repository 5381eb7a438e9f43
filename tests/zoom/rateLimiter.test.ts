import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { ENDPOINTS, limiterFor, PLAN_LIMITS, RateLimiter, type ZoomCategory } from '../../src/zoom/index.js';

const START = Date.UTC(2026, 0, 15, 12, 0, 0);
const MIDNIGHT = Date.UTC(2026, 0, 16);

/** Acquires one slot, moving the fake clock in steps of `stepMs` while the limiter waits. */
async function acquireAt(limiter: RateLimiter, category: ZoomCategory, clock: FakeClock, stepMs = 5): Promise<number> {
  let done = false;
  const result = limiter.acquire(category).finally(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  while (!done) await clock.advance(stepMs);
  const outcome = await result;
  if (!outcome.ok) throw new Error(`acquire stopped: ${outcome.error.kind}`);
  return clock.now();
}

describe('rate limiter', () => {
  it('lets a burst of 90% of the plan through, then paces at 90% of its rate', async () => {
    const clock = new FakeClock(START);
    const limiter = new RateLimiter('pro', clock);
    const times: number[] = [];
    for (let i = 0; i < 45; i++) times.push(await acquireAt(limiter, 'light', clock));
    // Pro light is 30/s: a burst of 27 at once, then nothing until the second is over.
    expect(times.slice(0, 27).every((t) => t === START)).toBe(true);
    expect(times[27]).toBeGreaterThanOrEqual(START + 1000);
    // Over any second, at most 27: never above Zoom's 30, whether Zoom counts in buckets or windows.
    for (const t of times) expect(times.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(27);
  });

  it('sizes categories from the plan, the Phone API from its own table', () => {
    const clock = new FakeClock(START);
    expect(new RateLimiter('free', clock).currentRate('medium')).toBeCloseTo(1.8);
    expect(new RateLimiter('business', clock).currentRate('heavy')).toBeCloseTo(36);
    expect(new RateLimiter('pro', clock).currentRate('resource-intensive')).toBeCloseTo(9 / 60);
    expect(new RateLimiter('pro', clock).currentRate('phone-medium')).toBeCloseTo(9);
    expect(ENDPOINTS.callHistory.category).toBe('phone-medium');
  });

  it('stops a Free category at its daily cap until 00:00 UTC, and only that category', async () => {
    const clock = new FakeClock(START);
    const limiter = new RateLimiter('free', clock);
    const cap = PLAN_LIMITS.free.heavy.daily?.limit ?? 0;
    expect(cap).toBe(1000);
    for (let i = 0; i < cap; i++) await acquireAt(limiter, 'heavy', clock, 250);
    expect(await limiter.acquire('heavy')).toEqual({ ok: false, error: { kind: 'throttled', until: MIDNIGHT } });
    expect(limiter.pausedUntil('heavy')).toBe(MIDNIGHT);
    expect(limiter.pausedUntil('medium')).toBeNull();
    expect((await limiter.acquire('medium')).ok).toBe(true);
    await clock.advanceTo(MIDNIGHT);
    expect((await limiter.acquire('heavy')).ok).toBe(true);
  });

  it('blocks every category of a shared daily counter on a daily-limit 429, until Retry-After', () => {
    const clock = new FakeClock(START);
    const limiter = new RateLimiter('pro', clock);
    const verdict = limiter.onTooManyRequests('heavy', { type: 'Daily-limit', retryAfter: '2026-01-16T00:00:00Z' });
    expect(verdict).toEqual({ kind: 'daily', until: MIDNIGHT });
    expect(limiter.pausedUntil('resource-intensive')).toBe(MIDNIGHT);
    expect(limiter.pausedUntil('light')).toBeNull();
  });

  it('takes the next 00:00 UTC when a daily 429 has no usable Retry-After', () => {
    const clock = new FakeClock(START);
    const limiter = new RateLimiter('free', clock);
    expect(limiter.onTooManyRequests('medium', { type: 'Daily-limit', retryAfter: null })).toEqual({ kind: 'daily', until: MIDNIGHT });
    expect(limiter.onTooManyRequests('light', { type: 'Daily-limit', retryAfter: '2030-01-01T00:00:00Z' })).toEqual({ kind: 'daily', until: MIDNIGHT });
  });

  it('pauses after a per-second 429, backs off and slows down when they repeat, and recovers slowly', async () => {
    const clock = new FakeClock(START);
    const limiter = new RateLimiter('pro', clock, { random: () => 0 });
    const first = limiter.onTooManyRequests('medium', { type: 'QPS', retryAfter: null });
    expect(first).toEqual({ kind: 'pause', until: START + 1000 });
    expect(limiter.currentRate('medium')).toBeCloseTo(18);
    const waited = await acquireAt(limiter, 'medium', clock);
    expect(waited).toBeGreaterThanOrEqual(START + 1000);

    const second = limiter.onTooManyRequests('medium', { type: null, retryAfter: null });
    expect(second.until - clock.now()).toBe(2000);
    // The 429 of a request sent together with that one adds nothing.
    expect(limiter.onTooManyRequests('medium', { type: null, retryAfter: null })).toEqual(second);
    await clock.advanceTo(second.until);
    const third = limiter.onTooManyRequests('medium', { type: null, retryAfter: null });
    expect(third.until - clock.now()).toBe(4000);
    expect(limiter.currentRate('medium')).toBeCloseTo(4.5);

    for (let i = 0; i < 10; i++) limiter.onSuccess('medium');
    expect(limiter.currentRate('medium')).toBeGreaterThan(4.5);
    expect(limiter.currentRate('medium')).toBeLessThan(18);
    for (let i = 0; i < 100; i++) limiter.onSuccess('medium');
    expect(limiter.currentRate('medium')).toBeCloseTo(18);
  });

  it('stops waiting when aborted', async () => {
    const clock = new FakeClock(START);
    const limiter = new RateLimiter('free', clock);
    limiter.onTooManyRequests('light', { type: 'QPS', retryAfter: null });
    const controller = new AbortController();
    const waiting = limiter.acquire('light', controller.signal);
    controller.abort();
    expect(await waiting).toEqual({ ok: false, error: { kind: 'aborted' } });
  });

  it('is one limiter per Zoom account (per clock), whatever local account asks', () => {
    const clock = new FakeClock(START);
    const a = limiterFor('zoom-acct-1', 'pro', clock);
    expect(limiterFor('zoom-acct-1', 'pro', clock)).toBe(a);
    expect(limiterFor('zoom-acct-2', 'pro', clock)).not.toBe(a);
    expect(limiterFor('zoom-acct-1', 'pro', new FakeClock(START))).not.toBe(a);
    // An upgrade resizes the shared limiter.
    expect(limiterFor('zoom-acct-1', 'business', clock)).toBe(a);
    expect(a.currentRate('light')).toBeCloseTo(72);
  });
});
