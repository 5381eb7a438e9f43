// Invariant 1 (DESIGN.md): tokens and Zoom content never reach log lines or failure values. A
// session with every kind of trouble runs with a trace-level log; then the log and every failure
// are scanned for each token the simulator issued and each canary in the user's content.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { RateLimiter, startLogin, TokenManager, createZoomClient, type ZoomFailure } from '../../src/zoom/index.js';
import { browse, DAY_MS, FAST_RETRY, MemoryTokenStore, oauthOf, tempLog } from './helpers.js';

let sim: Simulator;
const logFile = tempLog();

beforeAll(async () => {
  sim = await startSimulator({ faultDelayMs: 10_000, accounts: [{ plan: 'pro', users: [{ admin: true }] }] });
});

afterAll(async () => {
  await sim.close();
  logFile.remove();
});

describe('no secrets or content in logs and failures', () => {
  it('holds through login, listing, faults, 429s, a refresh and a dead grant', async () => {
    const { log } = logFile;
    const user = sim.admin.users()[0];
    if (!user) throw new Error('no user');
    const failures: ZoomFailure[] = [];
    const note = <T>(result: { ok: true; value: T } | { ok: false; error: ZoomFailure }): T | null => {
      if (result.ok) return result.value;
      failures.push(result.error);
      return null;
    };

    const session = await startLogin({ oauth: oauthOf(sim), clock: systemClock, log });
    if (!session.ok) throw new Error('login did not start');
    await browse(session.value.url, (location) => location.searchParams.set('state', 'wrong'));
    await browse(session.value.url);
    const login = await session.value.done;
    if (!login.ok) throw new Error('login failed');

    const store = new MemoryTokenStore(login.value);
    const tokens = new TokenManager({ store, oauth: oauthOf(sim), clock: systemClock, log, retry: FAST_RETRY });
    const client = createZoomClient({ tokens, limiter: new RateLimiter('pro', systemClock, { pauseBaseMs: 10 }), clock: systemClock, log, apiUrl: sim.url, retry: FAST_RETRY, timeoutMs: 300 });
    const now = systemClock.now();
    const window = { from: now - 25 * DAY_MS, to: now };

    note(await client.getMe());
    sim.admin.setFaults({ next: [{ kind: '5xx', count: 1 }, { kind: 'malformed', count: 1 }, { kind: 'timeout', count: 1 }, { kind: '429-headerless', count: 2 }] });
    const listed = note(await client.listPreviousMeetings()) ?? { items: [] };
    sim.admin.setFaults({});
    for (const row of listed.items.slice(0, 3)) {
      const instances = note(await client.listInstances(row.meetingId)) ?? [];
      for (const instance of instances.slice(0, 2)) {
        note(await client.getPastMeeting(instance.uuid));
        note(await client.listParticipants(instance.uuid));
      }
    }
    note(await client.listCallHistory(window));
    note(await client.listRecordings(window));
    sim.admin.setFaults({ next: [{ kind: 'malformed', count: 10 }] });
    note(await client.listCallHistory(window));
    sim.admin.setFaults({});
    note(await client.listParticipants('no-such-meeting=='));
    note(await client.listPreviousMeetings({ pageToken: 'bogus' }));
    // Force a refresh through a 401, then end the grant.
    store.saved.push({ ...login.value, accessToken: 'stale-token-never-issued' });
    const fresh = new TokenManager({ store, oauth: oauthOf(sim), clock: systemClock, log, retry: FAST_RETRY });
    const refreshing = createZoomClient({ tokens: fresh, limiter: new RateLimiter('pro', systemClock), clock: systemClock, log, apiUrl: sim.url, retry: FAST_RETRY });
    note(await refreshing.getMe());
    sim.admin.revokeGrant(user.userId);
    note(await refreshing.getMe());

    const kinds = new Set(failures.map((f) => f.kind));
    expect([...kinds].sort()).toEqual(['dead-grant', 'malformed', 'not-found', 'page-token-expired']);
    const text = logFile.read();
    expect(text).toContain('zoom rate limit hit');
    expect(text).toContain('zoom grant is dead');
    expect(text).toContain('zoom tokens refreshed');

    const secrets = [...sim.admin.issuedTokens(user.userId), ...user.canaries, user.email];
    expect(secrets.length).toBeGreaterThan(4);
    const failureText = JSON.stringify(failures);
    for (const secret of secrets) {
      expect(text).not.toContain(secret);
      expect(failureText).not.toContain(secret);
    }
  });
});
