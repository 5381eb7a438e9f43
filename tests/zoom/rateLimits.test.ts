// The limiter against the simulator's buckets and daily caps.

import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock, systemClock, type Clock } from '../../src/core/clock.js';
import { startSimulator, type SimAccountSpec, type Simulator } from '../../src/sim/index.js';
import { RateLimiter } from '../../src/zoom/index.js';
import { connect, countOf, MemoryTokenStore, wire, type Wired } from './helpers.js';

const ME = 'GET /v2/users/{userId}';
const MEETINGS = 'GET /v2/users/{userId}/meetings';

let sim: Simulator | null = null;

afterEach(async () => {
  await sim?.close();
  sim = null;
});

async function setUp(clock: Clock, accounts: SimAccountSpec[], limiter: (plan: 'free' | 'pro') => RateLimiter): Promise<{ sim: Simulator; w: Wired }> {
  const s = await startSimulator(clock === systemClock ? { accounts } : { clock, accounts });
  sim = s;
  const plan = accounts[0]?.plan === 'free' ? 'free' : 'pro';
  const w = wire(s, { clock, store: new MemoryTokenStore(await connect(s, clock)), limiter: limiter(plan) });
  return { sim: s, w };
}

describe('rate limits against Zoom (the simulator)', () => {
  it('a burst on a Free plan gets zero 429s when nothing else uses the account', async () => {
    // One fake clock for Zoom and the client, moved only while no granted request is still on its
    // way to Zoom: every request reaches Zoom at the time the limiter let it go.
    const clock = new FakeClock(Date.UTC(2026, 0, 15, 12));
    const limiter = new RateLimiter('free', clock);
    let granted = 0;
    const acquire = limiter.acquire.bind(limiter);
    limiter.acquire = async (category, signal) => {
      const slot = await acquire(category, signal);
      if (slot.ok) granted++;
      return slot;
    };
    const { sim, w } = await setUp(clock, [{ plan: 'free', users: [{}] }], () => limiter);
    const handled = (): number => Object.values(sim.admin.counts()[ME] ?? {}).reduce((a, b) => a + b, 0);
    let done = false;
    const burst = Promise.all(Array.from({ length: 20 }, () => w.client.getMe())).finally(() => (done = true));
    while (!done) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (handled() === granted) await clock.advance(25);
    }
    expect((await burst).every((r) => r.ok)).toBe(true);
    expect(countOf(sim, ME, 200)).toBe(20);
    expect(countOf(sim, ME, 429)).toBe(0);
  });

  it('per-second 429s with headers, caused by another app on the account: the client pauses and completes', async () => {
    const { sim, w } = await setUp(systemClock, [{ plan: 'pro', users: [{}] }], (plan) => new RateLimiter(plan, systemClock, { pauseBaseMs: 50 }));
    const token = w.store.load()?.accessToken ?? '';
    // Another app empties the account's Light bucket.
    await Promise.all(Array.from({ length: 30 }, () => fetch(`${sim.url}/v2/users/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.text())));
    const results = await Promise.all(Array.from({ length: 12 }, () => w.client.getMe()));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(countOf(sim, ME, 429)).toBeGreaterThan(0);
    expect(countOf(sim, ME, 200)).toBe(42);
  });

  it('headerless 429s: the limiter assumes per-second, learns a slower rate, completes, and recovers', async () => {
    const { sim, w } = await setUp(systemClock, [{ plan: 'pro', users: [{}] }], (plan) => new RateLimiter(plan, systemClock, { pauseBaseMs: 10 }));
    const fullRate = w.limiter.currentRate('light');
    sim.admin.setRateLimitHeaders('none');
    sim.admin.setFaults({ next: [{ kind: '429-headerless', count: 3, endpoint: ME }] });
    expect((await w.client.getMe()).ok).toBe(true);
    expect(countOf(sim, ME, 429)).toBe(3);
    const learned = w.limiter.currentRate('light');
    expect(learned).toBeLessThan(fullRate / 2);
    for (let i = 0; i < 5; i++) expect((await w.client.getMe()).ok).toBe(true);
    expect(w.limiter.currentRate('light')).toBeGreaterThan(learned);
  });

  it('a daily-limit 429 stops the category until the next 00:00 UTC, without asking Zoom again', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 15, 12));
    const midnight = Date.UTC(2026, 0, 16);
    const { sim, w } = await setUp(clock, [{ plan: 'free', users: [{}] }], (plan) => new RateLimiter(plan, clock));
    const token = w.store.load()?.accessToken ?? '';
    // Other apps on the account use up the Free plan's 2,000 Medium requests of the day.
    for (let i = 0; i < 2000; i++) {
      await (await fetch(`${sim.url}/v2/users/me/meetings?type=previous_meetings`, { headers: { authorization: `Bearer ${token}` } })).text();
      await clock.advance(500);
    }
    expect(countOf(sim, MEETINGS, 429)).toBe(0);

    expect(await w.client.listPreviousMeetings()).toEqual({ ok: false, error: { kind: 'throttled', until: midnight } });
    expect(countOf(sim, MEETINGS, 429)).toBe(1);
    expect(w.limiter.pausedUntil('medium')).toBe(midnight);
    expect(await w.client.listInstances('123')).toEqual({ ok: false, error: { kind: 'throttled', until: midnight } });
    expect(await w.client.listPreviousMeetings()).toEqual({ ok: false, error: { kind: 'throttled', until: midnight } });
    expect(countOf(sim, MEETINGS, 429)).toBe(1);
    // Light is not held back.
    expect((await w.client.getMe()).ok).toBe(true);

    await clock.advanceTo(midnight);
    expect(w.limiter.pausedUntil('medium')).toBeNull();
    expect((await w.client.listPreviousMeetings()).ok).toBe(true);
  });
});
