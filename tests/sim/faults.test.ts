import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { startSimulator, type FaultPlan, type Simulator } from '../../src/sim/index.js';
import { api, login, refresh } from './helpers.js';

const MEETINGS = '/v2/users/me/meetings?type=previous_meetings&page_size=1';

describe('faults', () => {
  let clock: FakeClock;
  let sim: Simulator;
  let token: string;
  let refreshToken: string;
  let userId: string;

  beforeEach(async () => {
    clock = new FakeClock(Date.UTC(2026, 0, 15, 12, 0, 0));
    // Admin-managed, so that the report's participants endpoint answers as well.
    sim = await startSimulator({ clock, faultDelayMs: 100, appType: 'admin-managed', accounts: [{ plan: 'business', users: [{ admin: true }] }] });
    const tokens = await login(sim);
    token = tokens.access_token;
    refreshToken = tokens.refresh_token;
    userId = sim.admin.users()[0]?.userId ?? '';
  });
  afterEach(() => sim.close());

  it("'5xx' answers 500 or 503 with a JSON body, for the next N requests", async () => {
    sim.admin.setFaults({ next: [{ kind: '5xx', count: 2 }] });
    for (let i = 0; i < 2; i++) {
      const response = await api(sim, token, MEETINGS);
      expect([500, 503]).toContain(response.status);
      expect(response.body.code).toBe(response.status);
    }
    expect((await api(sim, token, MEETINGS)).status).toBe(200);
  });

  it("'timeout' holds the request for faultDelayMs, then destroys the socket; counted as 'timeout'", async () => {
    sim.admin.setFaults({ next: [{ kind: 'timeout', count: 1 }] });
    await expect(fetch(`${sim.url}${MEETINGS}`, { headers: { authorization: `Bearer ${token}` } })).rejects.toThrow();
    expect(sim.admin.counts()['GET /v2/users/{userId}/meetings']).toEqual({ timeout: 1 });
    expect((await api(sim, token, MEETINGS)).status).toBe(200);
  });

  it('close() ends a held request at once', async () => {
    const slow = await startSimulator({ clock, accounts: [{ plan: 'pro', users: [{}] }] });
    const slowToken = (await login(slow)).access_token;
    slow.admin.setFaults({ next: [{ kind: 'timeout', count: 1 }] });
    const pending = fetch(`${slow.url}${MEETINGS}`, { headers: { authorization: `Bearer ${slowToken}` } });
    const settled = pending.then(
      () => 'answered',
      () => 'failed',
    );
    // The request reaches the simulator before close (counted), then close destroys it.
    for (let i = 0; i < 100 && !slow.admin.counts()['GET /v2/users/{userId}/meetings']; i++) await new Promise((r) => setTimeout(r, 5));
    await slow.close();
    expect(await settled).toBe('failed');
  });

  it("'malformed' answers 200 with JSON cut off mid-way", async () => {
    sim.admin.setFaults({ next: [{ kind: 'malformed', count: 1 }] });
    const response = await fetch(`${sim.url}${MEETINGS}`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    const text = await response.text();
    expect(() => JSON.parse(text)).toThrow();
  });

  it("'429-headerless' answers 429 without rate-limit headers", async () => {
    sim.admin.setFaults({ next: [{ kind: '429-headerless', count: 1 }] });
    const response = await api(sim, token, MEETINGS);
    expect(response.status).toBe(429);
    expect(response.body.code).toBe(429);
    expect([...response.headers.keys()].filter((k) => k.startsWith('x-ratelimit') || k === 'retry-after')).toEqual([]);
  });

  it('a queued fault can target one endpoint, by label or by path template', async () => {
    sim.admin.setFaults({ next: [{ kind: '5xx', count: 1, endpoint: '/v2/users/{userId}/meetings' }, { kind: '5xx', count: 1, endpoint: 'GET /v2/users/{userId}' }] });
    expect((await api(sim, token, '/v2/users/me/recordings')).status).toBe(200);
    expect((await api(sim, token, MEETINGS)).status).toBeGreaterThanOrEqual(500);
    expect((await api(sim, token, MEETINGS)).status).toBe(200);
    expect((await api(sim, token, '/v2/users/me')).status).toBeGreaterThanOrEqual(500);
    expect((await api(sim, token, '/v2/users/me')).status).toBe(200);
  });

  it('random faults hit only API requests, at the rate asked', async () => {
    sim.admin.setFaults({ rate: 1, kinds: ['5xx'] });
    expect((await api(sim, token, MEETINGS)).status).toBeGreaterThanOrEqual(500);
    expect((await refresh(sim, refreshToken)).status).toBe(200);
    expect((await fetch(`${sim.url}/__admin/users`)).status).toBe(200);
    sim.admin.setFaults({});
    expect((await api(sim, token, MEETINGS)).status).toBe(200);
  });

  it('fault decisions are deterministic for a seed', async () => {
    /** What each of 24 requests got: the status, and whether the body was JSON. */
    const run = async (plan: FaultPlan): Promise<string[]> => {
      sim.admin.setFaults(plan);
      await clock.advance(1_000);
      const outcomes: string[] = [];
      for (let i = 0; i < 24; i++) {
        const response = await fetch(`${sim.url}${MEETINGS}`, { headers: { authorization: `Bearer ${token}` } });
        const text = await response.text();
        let parses = true;
        try {
          JSON.parse(text);
        } catch {
          parses = false;
        }
        outcomes.push(`${response.status}${parses ? '' : ' truncated'}`);
      }
      return outcomes;
    };
    const plan: FaultPlan = { rate: 0.5, kinds: ['5xx', 'malformed', '429-headerless'], seed: 7 };
    const first = await run(plan);
    expect(await run(plan)).toEqual(first);
    const faulted = first.filter((o) => o !== '200');
    expect(faulted.length).toBeGreaterThan(4);
    expect(faulted.length).toBeLessThan(20);
    expect(await run({ ...plan, seed: 8 })).not.toEqual(first);
  });

  it('faulted requests consume no rate limit', async () => {
    sim.admin.setFaults({ next: [{ kind: '5xx', count: 100 }] });
    for (let i = 0; i < 100; i++) await api(sim, token, MEETINGS);
    sim.admin.setFaults({});
    // Business: Medium allows 60 per second; the 100 faulted requests took none of them.
    for (let i = 0; i < 60; i++) expect((await api(sim, token, MEETINGS)).status).toBe(200);
  });

  it('revokeAfterRequests revokes the grant after N more requests of that user', async () => {
    sim.admin.setFaults({ revokeAfterRequests: { userId, requests: 3 } });
    for (let i = 0; i < 3; i++) expect((await api(sim, token, '/v2/users/me')).status).toBe(200);
    expect(await api(sim, token, '/v2/users/me')).toMatchObject({ status: 401, body: { code: 124 } });
    expect(await refresh(sim, refreshToken)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('emptyParticipants empties both participants endpoints', async () => {
    const meeting = sim.admin.groundTruth(userId).meetings.filter((m) => m.inPastMeetings && m.participants.length > 0).at(-1);
    const uuid = encodeURIComponent(encodeURIComponent(meeting?.pastMeeting.uuid ?? ''));
    sim.admin.setFaults({ emptyParticipants: true });
    for (const path of [`/v2/past_meetings/${uuid}/participants`, `/v2/report/meetings/${uuid}/participants`]) {
      expect((await api(sim, token, path)).body).toMatchObject({ participants: [], total_records: 0 });
    }
  });

  it('refuses an invalid plan (in process: throws; over HTTP: 400)', async () => {
    expect(() => sim.admin.setFaults({ rate: 2 })).toThrow();
    const response = await fetch(`${sim.url}/__admin/faults`, { method: 'POST', body: JSON.stringify({ kinds: ['meteor'] }) });
    expect(response.status).toBe(400);
  });
});
