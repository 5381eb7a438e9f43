import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { REDIRECT_URI, api, authorizeCode, authorizeUrl, exchange, login, pkce, postForm, refresh, type Tokens } from './helpers.js';

const INVALID_TOKEN = { code: 124, message: 'Invalid access token.' };
const INVALID_GRANT = { reason: 'Invalid Token!', error: 'invalid_grant' };

describe('OAuth (public PKCE client)', () => {
  let clock: FakeClock;
  let sim: Simulator;

  beforeEach(async () => {
    clock = new FakeClock(Date.UTC(2026, 0, 15, 12, 0, 0));
    sim = await startSimulator({ clock, accounts: [{ plan: 'pro', users: [{}, { admin: true }] }] });
  });
  afterEach(() => sim.close());

  it('authorizes, redirects with code and state, and exchanges the code with the verifier', async () => {
    const { verifier, challenge } = pkce();
    const response = await fetch(authorizeUrl(sim, challenge), { redirect: 'manual' });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get('state')).toBe('st4te');
    const tokens = await exchange(sim, location.searchParams.get('code') ?? '', verifier);
    expect(tokens.status).toBe(200);
    expect(tokens.body).toMatchObject({ token_type: 'bearer', expires_in: 3599, api_url: sim.url });
    expect(typeof tokens.body.access_token).toBe('string');
    expect(tokens.body.scope).toContain('meeting:read:list_meetings');
    expect(tokens.body.scope).not.toContain('report:read:user:admin');

    const me = await api(sim, tokens.body.access_token as string, '/v2/users/me');
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(sim.admin.users()[0]?.userId);
  });

  it('checks the verifier as RFC 7636 S256 (the RFC test vector)', async () => {
    const code = await authorizeCode(sim, 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    expect((await exchange(sim, code, 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).status).toBe(200);
  });

  it('consents as sim_user (by id or email); a user-managed grant has user-level scopes only, an admin\'s too', async () => {
    const admin = sim.admin.users()[1];
    if (!admin) throw new Error('no second user');
    for (const ref of [admin.userId, admin.email.toUpperCase()]) {
      const tokens = await login(sim, ref);
      const scopes = tokens.scope.split(' ');
      expect(scopes).toEqual(expect.arrayContaining(['user:read:user', 'meeting:read:list_meetings', 'meeting:read:list_past_instances', 'phone:read:list_call_logs']));
      expect(scopes.filter((s) => s.endsWith(':admin') || s.startsWith('report:'))).toEqual([]);
      expect((await api(sim, tokens.access_token, '/v2/users/me')).body.id).toBe(admin.userId);
      // The report API is out of reach: Zoom has no app type that holds both kinds of scope.
      expect(await api(sim, tokens.access_token, '/v2/report/users/me/meetings?from=2026-01-01&to=2026-01-10')).toMatchObject({ status: 400, body: { code: 4700 } });
    }
  });

  it('an admin-managed app is its own configuration: added by admins only, with admin-level scopes', async () => {
    const managed = await startSimulator({ clock, appType: 'admin-managed', accounts: [{ plan: 'pro', users: [{}, { admin: true }] }] });
    try {
      const [member, admin] = managed.admin.users();
      const { challenge } = pkce();
      const refused = await fetch(authorizeUrl(managed, challenge, { sim_user: member?.userId ?? '' }), { redirect: 'manual' });
      expect(refused.status).toBe(302);
      expect(new URL(refused.headers.get('location') ?? '').searchParams.get('error')).toBe('access_denied');
      const tokens = await login(managed, admin?.userId);
      const scopes = tokens.scope.split(' ');
      expect(scopes).toContain('report:read:user:admin');
      expect(scopes.every((s) => s.endsWith(':admin'))).toBe(true);
      // Admin-level scopes serve the user-level endpoints too.
      expect((await api(managed, tokens.access_token, '/v2/users/me/meetings?type=previous_meetings')).status).toBe(200);
      expect((await api(managed, tokens.access_token, '/v2/report/users/me/meetings?from=2026-01-01&to=2026-01-10')).status).toBe(200);
    } finally {
      await managed.close();
    }
  });

  it('a grant fault answers refreshes with Zoom\'s OAuth code (4737, 4738) and refuses its access tokens until cleared', async () => {
    const [user] = sim.admin.users();
    const tokens = await login(sim);
    for (const fault of [4737, 4738] as const) {
      sim.admin.setGrantFault(user?.userId ?? '', fault);
      expect(await api(sim, tokens.access_token, '/v2/users/me')).toMatchObject({ status: 401, body: INVALID_TOKEN });
      expect(await refresh(sim, tokens.refresh_token)).toMatchObject({ status: 400, body: { code: fault, error: 'invalid_grant' } });
    }
    sim.admin.setGrantFault(user?.userId ?? '', 'clear');
    expect((await api(sim, tokens.access_token, '/v2/users/me')).status).toBe(200);
  });

  it('refuses bad authorize requests with a JSON 400', async () => {
    const { challenge } = pkce();
    const cases: Record<string, string>[] = [{ client_id: 'someone-else' }, { state: '' }, { code_challenge: '' }, { code_challenge_method: 'plain' }, { sim_user: 'nobody' }];
    for (const extra of cases) {
      const response = await fetch(authorizeUrl(sim, challenge, extra), { redirect: 'manual' });
      expect(response.status).toBe(400);
      expect(await response.json()).toHaveProperty('error');
    }
  });

  it('refuses a wrong verifier, a wrong redirect_uri (4709) and a wrong client', async () => {
    const { verifier, challenge } = pkce();
    const code = await authorizeCode(sim, challenge);
    const wrongVerifier = await exchange(sim, code, pkce().verifier);
    expect(wrongVerifier.status).toBe(400);
    expect(wrongVerifier.body.error).toBe('invalid_grant');
    const wrongRedirect = await exchange(sim, code, verifier, 'http://127.0.0.1:1/elsewhere');
    expect(wrongRedirect).toMatchObject({ status: 400, body: { code: 4709 } });
    const wrongClient = await postForm(`${sim.url}/oauth/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier, client_id: 'other' });
    expect(wrongClient).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    // None of the failures used the code up.
    expect((await exchange(sim, code, verifier)).status).toBe(200);
  });

  it('accepts a Basic header naming the client instead of client_id', async () => {
    const { verifier, challenge } = pkce();
    const code = await authorizeCode(sim, challenge);
    const basic = `Basic ${Buffer.from(`${sim.clientId}:`).toString('base64')}`;
    const result = await postForm(`${sim.url}/oauth/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }, { authorization: basic });
    expect(result.status).toBe(200);
  });

  it('codes expire after 5 minutes of sim time (4733) and are single use (4734)', async () => {
    const first = pkce();
    const stale = await authorizeCode(sim, first.challenge);
    await clock.advance(5 * 60_000);
    expect(await exchange(sim, stale, first.verifier)).toMatchObject({ status: 400, body: { error: 'invalid_grant', code: 4733 } });

    const second = pkce();
    const fresh = await authorizeCode(sim, second.challenge);
    await clock.advance(4 * 60_000 + 59_000);
    expect((await exchange(sim, fresh, second.verifier)).status).toBe(200);
    expect(await exchange(sim, fresh, second.verifier)).toMatchObject({ status: 400, body: { code: 4734 } });
  });

  it('rotates refresh tokens: an older one gets invalid_grant, the newest works', async () => {
    const first = await login(sim);
    const second = await refresh(sim, first.refresh_token);
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first.refresh_token);
    expect(await refresh(sim, first.refresh_token)).toEqual({ status: 400, body: INVALID_GRANT });
    const third = await refresh(sim, second.body.refresh_token as string);
    expect(third.status).toBe(200);
    expect(await refresh(sim, second.body.refresh_token as string)).toEqual({ status: 400, body: INVALID_GRANT });
    expect((await refresh(sim, third.body.refresh_token as string)).status).toBe(200);
  });

  it('access tokens expire 3599 s after issue by the sim clock', async () => {
    const tokens = await login(sim);
    await clock.advance(3598_000);
    expect((await api(sim, tokens.access_token, '/v2/users/me')).status).toBe(200);
    await clock.advance(1_000);
    expect(await api(sim, tokens.access_token, '/v2/users/me')).toMatchObject({ status: 401, body: INVALID_TOKEN });
    // The refresh token outlives it.
    const renewed = await refresh(sim, tokens.refresh_token);
    expect((await api(sim, renewed.body.access_token as string, '/v2/users/me')).status).toBe(200);
  });

  it('takes tokens only from the Authorization header', async () => {
    const tokens = await login(sim);
    const response = await fetch(`${sim.url}/v2/users/me?access_token=${tokens.access_token}`);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual(INVALID_TOKEN);
  });

  it('/oauth/revoke ends the whole grant: API 401 124, refresh invalid_grant', async () => {
    const tokens = await login(sim);
    const renewed = (await refresh(sim, tokens.refresh_token)).body as unknown as Tokens;
    const revoked = await postForm(`${sim.url}/oauth/revoke`, { token: renewed.refresh_token, client_id: sim.clientId });
    expect(revoked).toEqual({ status: 200, body: { status: 'success' } });
    for (const access of [tokens.access_token, renewed.access_token]) {
      expect(await api(sim, access, '/v2/users/me')).toMatchObject({ status: 401, body: INVALID_TOKEN });
    }
    expect(await refresh(sim, renewed.refresh_token)).toEqual({ status: 400, body: INVALID_GRANT });
  });

  it('admin revokeGrant kills every token of the user, not of others', async () => {
    const [first, second] = sim.admin.users();
    if (!first || !second) throw new Error('two users expected');
    const mine = await login(sim, first.userId);
    const theirs = await login(sim, second.userId);
    sim.admin.revokeGrant(first.userId);
    expect((await api(sim, mine.access_token, '/v2/users/me')).status).toBe(401);
    expect(await refresh(sim, mine.refresh_token)).toEqual({ status: 400, body: INVALID_GRANT });
    expect((await api(sim, theirs.access_token, '/v2/users/me')).status).toBe(200);
    // A new login works again.
    expect((await api(sim, (await login(sim, first.userId)).access_token, '/v2/users/me')).status).toBe(200);
  });

  it('a deleted user: refresh answers 4735, the API 401 124, authorize refuses', async () => {
    const [user] = sim.admin.users();
    if (!user) throw new Error('no user');
    const tokens = await login(sim);
    sim.admin.deleteUser(user.userId);
    expect(await refresh(sim, tokens.refresh_token)).toEqual({
      status: 400,
      body: { reason: 'Token owner no longer exists', error: 'invalid_grant', code: 4735 },
    });
    expect(await api(sim, tokens.access_token, '/v2/users/me')).toMatchObject({ status: 401, body: INVALID_TOKEN });
    const response = await fetch(authorizeUrl(sim, pkce().challenge), { redirect: 'manual' });
    expect(response.status).toBe(400);
  });

  it('re-authorizing a user ends the earlier grant (Zoom 4741)', async () => {
    const earlier = await login(sim);
    const later = await login(sim);
    expect(await refresh(sim, earlier.refresh_token)).toMatchObject({ status: 400, body: { error: 'invalid_grant', code: 4741 } });
    expect((await api(sim, earlier.access_token, '/v2/users/me')).status).toBe(401);
    expect((await api(sim, later.access_token, '/v2/users/me')).status).toBe(200);
  });

  it('lists every token issued to a user', async () => {
    const [user] = sim.admin.users();
    const tokens = await login(sim);
    const renewed = await refresh(sim, tokens.refresh_token);
    expect(sim.admin.issuedTokens(user?.userId ?? '')).toEqual([tokens.access_token, tokens.refresh_token, renewed.body.access_token, renewed.body.refresh_token]);
  });
});
