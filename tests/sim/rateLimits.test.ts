import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { AccountLimits } from '../../src/sim/rateLimits.js';
import { DAY_MS, api, isoDay, login } from './helpers.js';

const START = Date.UTC(2026, 0, 15, 12, 0, 0);
const QPS_BODY = { code: 429, message: 'You have reached the maximum per-second rate limit for this API. Try again later.' };
const RATE_HEADERS = ['x-ratelimit-category', 'x-ratelimit-type', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'retry-after'];

function rateHeaders(headers: Headers): Record<string, string> {
  return Object.fromEntries(RATE_HEADERS.flatMap((name) => (headers.has(name) ? [[name, headers.get(name) ?? '']] : [])));
}

describe('rate limits over HTTP', () => {
  let sim: Simulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('a burst above the bucket gets 429 QPS with headers; a refused request consumes nothing', async () => {
    const clock = new FakeClock(START);
    sim = await startSimulator({ clock, accounts: [{ plan: 'pro', users: [{}] }] });
    const token = (await login(sim)).access_token;
    const path = '/v2/users/me/meetings?type=previous_meetings&page_size=1';
    for (let i = 0; i < 20; i++) expect((await api(sim, token, path)).status).toBe(200);
    const refused = await api(sim, token, path);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual(QPS_BODY);
    expect(rateHeaders(refused.headers)).toEqual({ 'x-ratelimit-category': 'Medium', 'x-ratelimit-type': 'QPS', 'x-ratelimit-limit': '20', 'x-ratelimit-remaining': '0' });
    for (let i = 0; i < 5; i++) expect((await api(sim, token, path)).status).toBe(429);
    // 20 per second: 50 ms buys exactly one request, however many were refused meanwhile.
    await clock.advance(50);
    expect((await api(sim, token, path)).status).toBe(200);
    expect((await api(sim, token, path)).status).toBe(429);
    // Other categories have their own buckets.
    expect((await api(sim, token, '/v2/users/me')).status).toBe(200);
    expect(sim.admin.counts()['GET /v2/users/{userId}/meetings']).toEqual({ '200': 21, '429': 7 });
  });

  it('buckets are per Zoom account, shared by its users', async () => {
    const clock = new FakeClock(START);
    sim = await startSimulator({ clock, accounts: [{ plan: 'pro', users: [{}, {}] }, { plan: 'pro', users: [{}] }] });
    const [a, b, c] = sim.admin.users();
    const tokens = await Promise.all([a, b, c].map((u) => login(sim as Simulator, u?.userId)));
    const path = '/v2/users/me/meetings?type=previous_meetings&page_size=1';
    for (let i = 0; i < 10; i++) {
      expect((await api(sim, tokens[0]?.access_token ?? '', path)).status).toBe(200);
      expect((await api(sim, tokens[1]?.access_token ?? '', path)).status).toBe(200);
    }
    expect((await api(sim, tokens[1]?.access_token ?? '', path)).status).toBe(429);
    expect((await api(sim, tokens[2]?.access_token ?? '', path)).status).toBe(200);
  });

  it("headerless mode: 429s carry no X-RateLimit-* or Retry-After; 'full' brings them back", async () => {
    const clock = new FakeClock(START);
    sim = await startSimulator({ clock, accounts: [{ plan: 'free', users: [{}] }] });
    const token = (await login(sim)).access_token;
    sim.admin.setRateLimitHeaders('none');
    const path = '/v2/users/me/meetings?type=previous_meetings';
    await api(sim, token, path);
    await api(sim, token, path);
    const refused = await api(sim, token, path);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual(QPS_BODY);
    expect(rateHeaders(refused.headers)).toEqual({});
    sim.admin.setRateLimitHeaders('full');
    expect(rateHeaders((await api(sim, token, path)).headers)).toMatchObject({ 'x-ratelimit-type': 'QPS' });
  });

  it('a daily cap answers 429 Daily-limit with Retry-After at the next 00:00 UTC, and resets then', async () => {
    const clock = new FakeClock(START);
    sim = await startSimulator({ clock, accounts: [{ plan: 'free', users: [{}] }] });
    const token = (await login(sim)).access_token;
    // Free: Heavy allows 1 per second and 1,000 per day. The report refuses a Free account (400),
    // but every request reaching it counts.
    const path = `/v2/report/users/me/meetings?from=${isoDay(START - 7 * DAY_MS)}&to=${isoDay(START)}`;
    let last = await api(sim, token, path);
    expect(rateHeaders(last.headers)).toEqual({ 'x-ratelimit-category': 'Heavy', 'x-ratelimit-limit': '1000', 'x-ratelimit-remaining': '999' });
    for (let i = 1; i < 1000; i++) {
      clock.jumpTo(clock.now() + 1_000);
      last = await api(sim, token, path);
    }
    expect(last.status).toBe(400);
    expect(last.headers.get('x-ratelimit-remaining')).toBe('0');
    clock.jumpTo(clock.now() + 1_000);
    const capped = await api(sim, token, path);
    expect(capped.status).toBe(429);
    expect(capped.body.message).toContain('daily rate limit');
    expect(rateHeaders(capped.headers)).toEqual({
      'x-ratelimit-category': 'Heavy',
      'x-ratelimit-type': 'Daily-limit',
      'x-ratelimit-limit': '1000',
      'x-ratelimit-remaining': '0',
      'retry-after': '2026-01-16T00:00:00Z',
    });
    clock.jumpTo(Date.UTC(2026, 0, 15, 23, 59, 59));
    const lateToken = (await login(sim)).access_token;
    expect((await api(sim, lateToken, path)).status).toBe(429);
    clock.jumpTo(Date.UTC(2026, 0, 16, 0, 0, 0));
    const reset = await api(sim, lateToken, path);
    expect(reset.status).toBe(400);
    expect(reset.headers.get('x-ratelimit-remaining')).toBe('999');
  });

  it('every API response names its category; daily counters only where the plan has them', async () => {
    const clock = new FakeClock(START);
    sim = await startSimulator({ clock, appType: 'admin-managed', accounts: [{ plan: 'pro', users: [{ admin: true }] }] });
    const token = (await login(sim)).access_token;
    expect(rateHeaders((await api(sim, token, '/v2/users/me')).headers)).toEqual({ 'x-ratelimit-category': 'Light' });
    expect(rateHeaders((await api(sim, token, '/v2/phone/users/me/call_history')).headers)).toEqual({ 'x-ratelimit-category': 'Medium' });
    const report = await api(sim, token, `/v2/report/users/me/meetings?from=${isoDay(START - 7 * DAY_MS)}&to=${isoDay(START)}`);
    expect(rateHeaders(report.headers)).toEqual({ 'x-ratelimit-category': 'Heavy', 'x-ratelimit-limit': '30000', 'x-ratelimit-remaining': '29999' });
    expect(rateHeaders((await api(sim, 'not-a-token', '/v2/users/me')).headers)).toEqual({ 'x-ratelimit-category': 'Light' });
  });
});

describe('AccountLimits', () => {
  it('Heavy and Resource-intensive share one daily cap on Pro', () => {
    const limits = new AccountLimits('pro');
    let now = START;
    for (let i = 0; i < 30_000; i++) {
      const taken = limits.take({ api: 'main', category: 'heavy' }, now);
      if (!taken.ok) throw new Error(`refused at ${i}`);
      now += 100;
    }
    const heavy = limits.take({ api: 'main', category: 'heavy' }, now);
    const intensive = limits.take({ api: 'main', category: 'resource-intensive' }, now);
    expect(heavy).toMatchObject({ ok: false, type: 'Daily-limit' });
    expect(intensive).toMatchObject({ ok: false, type: 'Daily-limit', headers: { 'X-RateLimit-Category': 'Resource-intensive' } });
    expect(limits.take({ api: 'main', category: 'medium' }, now).ok).toBe(true);
  });

  it('Resource-intensive allows 10 per minute on Pro, 20 on Business; Phone has its own table', () => {
    for (const [plan, perMinute] of [['pro', 10], ['business', 20]] as const) {
      const limits = new AccountLimits(plan);
      for (let i = 0; i < perMinute; i++) expect(limits.take({ api: 'main', category: 'resource-intensive' }, START).ok).toBe(true);
      expect(limits.take({ api: 'main', category: 'resource-intensive' }, START).ok).toBe(false);
      expect(limits.take({ api: 'main', category: 'resource-intensive' }, START + 60_000 / perMinute).ok).toBe(true);
    }
    const phone = new AccountLimits('business');
    for (let i = 0; i < 20; i++) expect(phone.take({ api: 'phone', category: 'medium' }, START).ok).toBe(true);
    expect(phone.take({ api: 'phone', category: 'medium' }, START).ok).toBe(false);
    expect(phone.take({ api: 'main', category: 'medium' }, START).ok).toBe(true);
  });

  it('a clock set back refills nothing', () => {
    const limits = new AccountLimits('free');
    expect(limits.take({ api: 'main', category: 'heavy' }, START).ok).toBe(true);
    expect(limits.take({ api: 'main', category: 'heavy' }, START - 60_000).ok).toBe(false);
  });
});
