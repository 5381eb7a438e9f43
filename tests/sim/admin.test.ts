import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { startSimulator, type GroundTruth, type SimUser, type Simulator } from '../../src/sim/index.js';
import { api, login, refresh } from './helpers.js';

async function adminCall<T = unknown>(sim: Simulator, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${sim.url}/__admin/${path}`, body === undefined ? { method } : { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as T };
}

describe('the /__admin HTTP routes', () => {
  let sim: Simulator;
  let user: SimUser;

  beforeEach(async () => {
    sim = await startSimulator({ accounts: [{ plan: 'pro', users: [{ admin: true }, {}] }] });
    user = sim.admin.users()[0] as SimUser;
  });
  afterEach(() => sim.close());

  it('serve the same users and ground truth as the in-process admin', async () => {
    expect(await adminCall(sim, 'GET', 'users')).toEqual({ status: 200, body: sim.admin.users() });
    const truth = await adminCall<GroundTruth>(sim, 'GET', `truth?user=${user.userId}`);
    expect(truth.status).toBe(200);
    expect(truth.body).toEqual(JSON.parse(JSON.stringify(sim.admin.groundTruth(user.userId))));
    expect((await adminCall(sim, 'GET', 'truth?user=nobody')).status).toBe(404);
  });

  it('count requests per endpoint label and status, and reset the counts', async () => {
    const tokens = await login(sim);
    await api(sim, tokens.access_token, '/v2/users/me');
    await api(sim, 'wrong', '/v2/users/me');
    await api(sim, tokens.access_token, '/v2/users/me/meetings?type=previous_meetings');
    expect((await adminCall(sim, 'GET', 'counts')).body).toEqual({
      'GET /oauth/authorize': { '302': 1 },
      'POST /oauth/token': { '200': 1 },
      'GET /v2/users/{userId}': { '200': 1, '401': 1 },
      'GET /v2/users/{userId}/meetings': { '200': 1 },
    });
    expect((await adminCall(sim, 'POST', 'reset-counts')).status).toBe(200);
    expect(sim.admin.counts()).toEqual({});
  });

  it('set faults and rate-limit header mode, revoke, delete users, list tokens', async () => {
    const tokens = await login(sim);
    expect((await adminCall(sim, 'POST', 'faults', { next: [{ kind: '5xx', count: 1 }] })).status).toBe(200);
    expect((await api(sim, tokens.access_token, '/v2/users/me')).status).toBeGreaterThanOrEqual(500);
    expect((await adminCall(sim, 'POST', 'rate-limit-headers', { mode: 'none' })).status).toBe(200);
    expect((await adminCall(sim, 'POST', 'rate-limit-headers', { mode: 'some' })).status).toBe(400);
    expect(await adminCall(sim, 'GET', `issued-tokens?user=${user.userId}`)).toEqual({ status: 200, body: [tokens.access_token, tokens.refresh_token] });
    expect((await adminCall(sim, 'POST', 'revoke', { userId: user.userId })).status).toBe(200);
    expect((await api(sim, tokens.access_token, '/v2/users/me')).status).toBe(401);
    const other = sim.admin.users()[1] as SimUser;
    const otherTokens = await login(sim, other.userId);
    expect((await adminCall(sim, 'POST', 'delete-user', { userId: other.userId })).status).toBe(200);
    expect((await refresh(sim, otherTokens.refresh_token)).body.code).toBe(4735);
    expect((await adminCall(sim, 'POST', 'revoke', { userId: 'nobody' })).status).toBe(404);
    expect((await adminCall(sim, 'POST', 'revoke', {})).status).toBe(400);
  });

  it('add meetings and advance the clock of a simulator that owns its clock', async () => {
    const tokens = await login(sim);
    const added = await adminCall<unknown[]>(sim, 'POST', 'add-meetings', { userId: user.userId, n: 2 });
    expect(added.status).toBe(200);
    expect(added.body).toHaveLength(2);
    expect((await adminCall(sim, 'POST', 'advance-clock', { ms: 3600_000 })).status).toBe(200);
    // An hour later the access token has expired.
    expect((await api(sim, tokens.access_token, '/v2/users/me')).status).toBe(401);
    expect((await refresh(sim, tokens.refresh_token)).status).toBe(200);
  });

  it('refuse to advance a clock the simulator was given', async () => {
    const given = await startSimulator({ clock: new FakeClock() });
    try {
      expect(() => given.admin.advanceClock(1_000)).toThrow();
      expect((await adminCall(given, 'POST', 'advance-clock', { ms: 1_000 })).status).toBe(409);
    } finally {
      await given.close();
    }
  });

  it('answer unknown routes and non-JSON bodies with JSON errors', async () => {
    expect((await adminCall(sim, 'GET', 'nothing-here')).status).toBe(404);
    const response = await fetch(`${sim.url}/__admin/faults`, { method: 'POST', body: '{not json' });
    expect(response.status).toBe(400);
    expect(await response.json()).toHaveProperty('error');
  });
});
