import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/platform/logger.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { TokenManager, type TokenSet } from '../../src/zoom/index.js';
import { connect, countOf, FAST_RETRY, MemoryTokenStore, oauthOf, wire, type Wired } from './helpers.js';

const TOKEN = 'POST /oauth/token';
const ME = 'GET /v2/users/{userId}';
const HOUR = 3600 * 1000;
const MARGIN = 5 * 60 * 1000;

let sim: Simulator;
let clock: FakeClock;
let userId: string;

beforeEach(async () => {
  clock = new FakeClock();
  sim = await startSimulator({ clock });
  userId = sim.admin.users()[0]?.userId ?? '';
});

afterEach(async () => {
  await sim.close();
});

async function connected(store?: MemoryTokenStore): Promise<Wired> {
  return wire(sim, { clock, store: store ?? new MemoryTokenStore(await connect(sim, clock)) });
}

/** Records every access token the manager hands out, checking it was stored before it left. */
function handedOut(w: Wired): string[] {
  const handed: string[] = [];
  const original = w.tokens.accessToken.bind(w.tokens);
  w.tokens.accessToken = async (signal) => {
    const result = await original(signal);
    if (result.ok) {
      expect(w.store.load()?.accessToken).toBe(result.value);
      handed.push(result.value);
    }
    return result;
  };
  return handed;
}

describe('refresh before expiry', () => {
  it('keeps the access token until 5 minutes remain, then refreshes once, stores, and records the proof', async () => {
    const w = await connected();
    const issuedAt = clock.now();
    await clock.advance(3599 * 1000 - MARGIN - 1000);
    expect((await w.client.getMe()).ok).toBe(true);
    expect(countOf(sim, TOKEN, 200)).toBe(1);
    expect(w.store.saved).toHaveLength(1);

    await clock.advance(2000);
    expect((await w.client.getMe()).ok).toBe(true);
    expect(countOf(sim, TOKEN, 200)).toBe(2);
    expect(w.store.saved).toHaveLength(2);
    expect(w.store.load()?.expiresAt).toBe(clock.now() + 3599 * 1000);
    expect(w.alive.filter((at) => at > issuedAt)).not.toHaveLength(0);
    expect(countOf(sim, ME, 401)).toBe(0);
  });

  it('shares one refresh among all concurrent callers', async () => {
    const w = await connected();
    await clock.advance(HOUR - 60_000);
    const [results, direct] = await Promise.all([Promise.all(Array.from({ length: 10 }, () => w.client.getMe())), Promise.all(Array.from({ length: 5 }, () => w.tokens.accessToken()))]);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(new Set(direct.map((r) => (r.ok ? r.value : r.error.kind))).size).toBe(1);
    expect(countOf(sim, TOKEN, 200)).toBe(2);
    expect(w.store.saved).toHaveLength(2);
  });

  it('always stores the newest rotated refresh token before the new access token is used', async () => {
    const w = await connected();
    const handed = handedOut(w);
    for (let round = 0; round < 6; round++) {
      await clock.advance(56 * 60 * 1000);
      expect((await w.client.getMe()).ok).toBe(true);
      const issued = sim.admin.issuedTokens(userId);
      // The sim issues (access, refresh) pairs in order: the stored pair is the newest one.
      expect(w.store.load()?.refreshToken).toBe(issued.at(-1));
      expect(w.store.load()?.accessToken).toBe(issued.at(-2));
    }
    expect(w.store.saved).toHaveLength(7);
    expect(new Set(handed).size).toBe(6);
  });
});

describe('a failed save of rotated tokens', () => {
  it('never hands out the unsaved token; a process that lives on stores it and goes on', async () => {
    const w = await connected();
    const handed = handedOut(w);
    expect((await w.client.getMe()).ok).toBe(true);
    await clock.advance(HOUR - 60_000);
    w.store.failNextSave = true;
    expect(await w.client.getMe()).toEqual({ ok: false, error: { kind: 'unavailable' } });
    const rotated = sim.admin.issuedTokens(userId).at(-2);
    expect(handed).not.toContain(rotated);
    expect(w.store.saved).toHaveLength(1);

    expect((await w.client.getMe()).ok).toBe(true);
    expect(w.store.load()?.accessToken).toBe(rotated);
    expect(handed.at(-1)).toBe(rotated);
    // No second refresh: the kept set was stored, not thrown away.
    expect(countOf(sim, TOKEN, 200)).toBe(2);
  });

  it('after a crash before the save, the stored refresh token was rotated away: the next start finds a dead grant', async () => {
    // Documented outcome (src/zoom/tokenManager.ts): Zoom keeps only the newest refresh token, so
    // losing it costs the grant. What the store guarantees is that it never lags behind what was used.
    const store = new MemoryTokenStore(await connect(sim, clock));
    const before = await connected(store);
    const handed = handedOut(before);
    expect((await before.client.getMe()).ok).toBe(true);
    await clock.advance(HOUR - 60_000);
    store.failNextSave = true;
    expect((await before.client.getMe()).ok).toBe(false);
    expect(handed.every((token) => token === store.load()?.accessToken)).toBe(true);

    const restarted = await connected(store);
    expect(await restarted.client.getMe()).toEqual({ ok: false, error: { kind: 'dead-grant', reason: 'invalid_grant' } });
  });
});

describe('dead grants', () => {
  it('a revoked grant: the 401 leads to a refresh answered invalid_grant, and the verdict sticks', async () => {
    const w = await connected();
    expect((await w.client.getMe()).ok).toBe(true);
    sim.admin.revokeGrant(userId);
    expect(await w.client.getMe()).toEqual({ ok: false, error: { kind: 'dead-grant', reason: 'invalid_grant' } });
    const asked = countOf(sim, TOKEN, 400);
    expect(await w.client.listPreviousMeetings()).toEqual({ ok: false, error: { kind: 'dead-grant', reason: 'invalid_grant' } });
    expect(countOf(sim, TOKEN, 400)).toBe(asked);
  });

  it('an expired token of a revoked grant: the refresh alone finds it dead', async () => {
    const w = await connected();
    sim.admin.revokeGrant(userId);
    await clock.advance(HOUR);
    expect(await w.tokens.accessToken()).toEqual({ ok: false, error: { kind: 'dead-grant', reason: 'invalid_grant' } });
    expect(countOf(sim, ME, 401)).toBe(0);
  });

  it('a deleted user: dead grant with code 4735', async () => {
    const w = await connected();
    sim.admin.deleteUser(userId);
    expect(await w.client.getMe()).toEqual({ ok: false, error: { kind: 'dead-grant', reason: '4735' } });
  });

  it('a grant revoked in the middle of a sync ends it at the next request', async () => {
    const w = await connected();
    sim.admin.setFaults({ revokeAfterRequests: { userId, requests: 2 } });
    expect((await w.client.getMe()).ok).toBe(true);
    expect((await w.client.getMe()).ok).toBe(true);
    expect(await w.client.getMe()).toEqual({ ok: false, error: { kind: 'dead-grant', reason: 'invalid_grant' } });
  });

  it('nothing stored is a dead grant, not a crash', async () => {
    const w = await connected(new MemoryTokenStore());
    expect(await w.client.getMe()).toEqual({ ok: false, error: { kind: 'dead-grant', reason: 'no-tokens' } });
  });
});

describe('a 401 that a refresh cures', () => {
  it('is not a dead grant: Zoom expired the token before the client expected', async () => {
    // The client's clock lags Zoom's by an hour: its token looks fresh locally and is stale at Zoom.
    await sim.close();
    const zoomClock = new FakeClock();
    sim = await startSimulator({ clock: zoomClock });
    const store = new MemoryTokenStore(await connect(sim, clock));
    const w = wire(sim, { clock, store });
    await zoomClock.advance(HOUR);
    const me = await w.client.getMe();
    expect(me.ok).toBe(true);
    expect(countOf(sim, ME, 401)).toBe(1);
    expect(countOf(sim, TOKEN, 200)).toBe(2);
    expect(w.alive.length).toBeGreaterThanOrEqual(2);
  });
});

describe('transient refresh failures', () => {
  let stub: Server | null = null;
  afterEach(async () => {
    await new Promise<void>((resolve) => (stub ? stub.close(() => resolve()) : resolve()));
    stub = null;
  });

  const expired = (): TokenSet => ({ accessToken: 'a', refreshToken: 'r', expiresAt: Date.now() - 1, scope: '', apiUrl: null });

  it('a token endpoint answering 5xx is unavailable after the retries, never a dead grant', async () => {
    let hits = 0;
    stub = createServer((req, res) => {
      hits++;
      req.resume();
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"invalid_grant"}');
    });
    await new Promise<void>((resolve) => stub?.listen(0, '127.0.0.1', resolve));
    const oauthUrl = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
    const manager = new TokenManager({ store: new MemoryTokenStore(expired()), oauth: { oauthUrl, clientId: 'c' }, clock: systemClock, log: silentLogger(), retry: FAST_RETRY });
    expect(await manager.accessToken()).toEqual({ ok: false, error: { kind: 'unavailable' } });
    expect(hits).toBe(FAST_RETRY.attempts);
  });

  it('an unreachable token endpoint is unavailable, and the grant is not given up', async () => {
    stub = createServer();
    await new Promise<void>((resolve) => stub?.listen(0, '127.0.0.1', resolve));
    const port = (stub.address() as AddressInfo).port;
    await new Promise<void>((resolve) => stub?.close(() => resolve()));
    stub = null;
    const manager = new TokenManager({ store: new MemoryTokenStore(expired()), oauth: { oauthUrl: `http://127.0.0.1:${port}`, clientId: 'c' }, clock: systemClock, log: silentLogger(), retry: FAST_RETRY });
    expect(await manager.accessToken()).toEqual({ ok: false, error: { kind: 'unavailable' } });
    expect(await manager.accessToken()).toEqual({ ok: false, error: { kind: 'unavailable' } });
  });
});
