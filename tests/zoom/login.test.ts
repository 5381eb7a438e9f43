import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/platform/logger.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { createUrlOpener, DEFAULT_LOGIN_TIMEOUT_MS, loginWithBrowser, revokeToken, startLogin, TokenManager, type LoginOptions } from '../../src/zoom/index.js';
import { browse, MemoryTokenStore, oauthOf } from './helpers.js';

let sim: Simulator;
let clock: FakeClock;

beforeEach(async () => {
  clock = new FakeClock();
  sim = await startSimulator({ clock, accounts: [{ plan: 'pro', users: [{}, { admin: true }] }] });
});

afterEach(async () => {
  await sim.close();
});

function options(extra: Partial<LoginOptions> = {}): LoginOptions {
  return { oauth: oauthOf(sim), clock, log: silentLogger(), ...extra };
}

async function start(extra: Partial<LoginOptions> = {}) {
  const session = await startLogin(options(extra));
  if (!session.ok) throw new Error(session.error.kind);
  return session.value;
}

/** The loopback callback of a session, for requests the browser would not make. */
function callbackOf(url: string): { redirect: URL; state: string } {
  const authorize = new URL(url);
  return { redirect: new URL(authorize.searchParams.get('redirect_uri') ?? ''), state: authorize.searchParams.get('state') ?? '' };
}

async function isListening(url: URL): Promise<boolean> {
  try {
    await (await fetch(url)).text();
    return true;
  } catch {
    return false;
  }
}

describe('loopback PKCE login', () => {
  it('hands out the authorize URL first, then completes through the browser redirect', async () => {
    const session = await start({ extraAuthorizeParams: { sim_user: sim.admin.users()[1]?.userId ?? '' } });
    const authorize = new URL(session.url);
    expect(authorize.origin).toBe(sim.url);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);

    const page = await browse(session.url);
    expect(page.status).toBe(200);
    expect(page.text).toContain('connected');
    const result = await session.done;
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.expiresAt).toBe(clock.now() + 3599 * 1000);
    expect(result.value.apiUrl).toBe(sim.url);
    // A user-managed grant: user-level scopes only, whatever the user's role at Zoom.
    expect(result.value.scope.split(' ').filter((scope) => scope.endsWith(':admin'))).toEqual([]);
    expect(sim.admin.issuedTokens(sim.admin.users()[1]?.userId ?? '')).toContain(result.value.refreshToken);
    // The server is gone once the login is over.
    expect(await isListening(callbackOf(session.url).redirect)).toBe(false);
  });

  it('answers a callback with a wrong state with an error page and keeps waiting for the real one', async () => {
    const session = await start();
    let genuine: URL | null = null;
    const rejected = await browse(session.url, (location) => {
      genuine = new URL(location);
      location.searchParams.set('state', 'forged-state');
    });
    expect(rejected.status).toBe(400);
    expect(rejected.text).not.toContain('connected');
    // The real redirect (same code, right state) still completes the login.
    const real = await fetch(genuine ?? '');
    expect(real.status).toBe(200);
    await real.text();
    expect((await session.done).ok).toBe(true);
  });

  it('reports a refusal at the authorize step as denied', async () => {
    const session = await start();
    const { redirect, state } = callbackOf(session.url);
    redirect.searchParams.set('error', 'access_denied');
    redirect.searchParams.set('state', state);
    const page = await fetch(redirect);
    expect(page.status).toBe(400);
    await page.text();
    expect(await session.done).toEqual({ ok: false, error: { kind: 'denied', reason: 'access_denied' } });
  });

  it('reports a code Zoom will not exchange, without quoting it', async () => {
    const session = await start();
    const { redirect, state } = callbackOf(session.url);
    redirect.searchParams.set('code', 'not-a-real-code');
    redirect.searchParams.set('state', state);
    await (await fetch(redirect)).text();
    expect(await session.done).toEqual({ ok: false, error: { kind: 'exchange-failed', reason: '4734' } });
  });

  it('times out on the injected clock and closes the server', async () => {
    const session = await start();
    await clock.advance(DEFAULT_LOGIN_TIMEOUT_MS - 1);
    expect(await isListening(callbackOf(session.url).redirect)).toBe(true);
    await clock.advance(1);
    expect(await session.done).toEqual({ ok: false, error: { kind: 'timeout' } });
    expect(await isListening(callbackOf(session.url).redirect)).toBe(false);
  });

  it('ends with aborted on cancel() or the caller signal', async () => {
    const cancelled = await start();
    cancelled.cancel();
    expect(await cancelled.done).toEqual({ ok: false, error: { kind: 'aborted' } });
    cancelled.cancel();

    const controller = new AbortController();
    const signalled = await start({ signal: controller.signal });
    controller.abort();
    expect(await signalled.done).toEqual({ ok: false, error: { kind: 'aborted' } });
    expect(await isListening(callbackOf(signalled.url).redirect)).toBe(false);
  });

  it('opens the browser with the injected opener, or shows the URL when none works', async () => {
    const viaBrowser = await loginWithBrowser({
      ...options(),
      openUrl: async (url) => {
        void browse(url);
        return true;
      },
    });
    expect(viaBrowser.ok).toBe(true);

    const shown: string[] = [];
    const viaUser = await loginWithBrowser({
      ...options(),
      openUrl: async () => false,
      showUrl: (url) => {
        shown.push(url);
        void browse(url);
      },
    });
    expect(viaUser.ok).toBe(true);
    expect(shown).toHaveLength(1);
  });

  it('revokes the grant: the refresh token dies with it', async () => {
    const session = await start();
    await browse(session.url);
    const tokens = await session.done;
    if (!tokens.ok) throw new Error('login failed');
    expect((await revokeToken(oauthOf(sim), tokens.value.accessToken, { clock })).ok).toBe(true);
    const manager = new TokenManager({ store: new MemoryTokenStore({ ...tokens.value, expiresAt: clock.now() }), oauth: oauthOf(sim), clock, log: silentLogger() });
    expect(await manager.accessToken()).toEqual({ ok: false, error: { kind: 'dead-grant', reason: 'invalid_grant' } });
  });
});

describe('system URL opener', () => {
  it('is false when no opener can run, true once one exits cleanly', async () => {
    expect(await createUrlOpener([{ command: '/nonexistent/cv-opener', args: [] }])('http://127.0.0.1/x')).toBe(false);
    expect(await createUrlOpener([{ command: 'false', args: [] }])('http://127.0.0.1/x')).toBe(false);
    expect(await createUrlOpener([{ command: '/nonexistent/cv-opener', args: [] }, { command: 'true', args: [] }])('http://127.0.0.1/x?a=1&b=2')).toBe(true);
  });
});
