import { describe, expect, it } from 'vitest';
import { acceptedApiUrl, classifyRefreshRejection, parseTokenResponse } from '../../src/zoom/oauth.js';
import { authorizeUrl, challengeOf, createPkce } from '../../src/zoom/pkce.js';

describe('PKCE', () => {
  it('derives the S256 challenge of RFC 7636 appendix B', () => {
    expect(challengeOf('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('makes fresh verifiers of the allowed alphabet and length, with their challenge', () => {
    const a = createPkce();
    const b = createPkce();
    expect(a.verifier).not.toBe(b.verifier);
    expect(a.verifier).toMatch(/^[A-Za-z0-9\-._~]{43,128}$/);
    expect(a.challenge).toBe(challengeOf(a.verifier));
    expect(a.challenge).not.toMatch(/[+/=]/);
  });

  it('builds the authorize URL Zoom expects for a public client', () => {
    const url = new URL(authorizeUrl({ oauthUrl: 'https://zoom.us/', clientId: 'cid', redirectUri: 'http://127.0.0.1:5000/callback', challenge: 'ch', state: 'st' }));
    expect(url.origin + url.pathname).toBe('https://zoom.us/oauth/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'cid',
      redirect_uri: 'http://127.0.0.1:5000/callback',
      state: 'st',
      code_challenge: 'ch',
      code_challenge_method: 'S256',
    });
  });
});

describe('token responses', () => {
  const body = { access_token: 'a', refresh_token: 'r', expires_in: 3599, scope: 's1 s2', token_type: 'bearer', api_url: 'https://api-eu.zoom.us/' };

  it('computes expiry from the receiving time and takes api_url as the API base', () => {
    expect(parseTokenResponse(body, 1_000, 'https://zoom.us')).toEqual({ accessToken: 'a', refreshToken: 'r', expiresAt: 1_000 + 3_599_000, scope: 's1 s2', apiUrl: 'https://api-eu.zoom.us' });
  });

  it('refuses a response without a refresh token (rotation would be lost)', () => {
    expect(parseTokenResponse({ ...body, refresh_token: undefined }, 0, 'https://zoom.us')).toBeNull();
  });

  it('never sends bearer tokens to an api_url weaker than the OAuth server', () => {
    expect(acceptedApiUrl('http://api.zoom.us', 'https://zoom.us')).toBeNull();
    expect(acceptedApiUrl('ftp://api.zoom.us', 'https://zoom.us')).toBeNull();
    expect(acceptedApiUrl('not a url', 'https://zoom.us')).toBeNull();
    expect(acceptedApiUrl('http://127.0.0.1:4000', 'http://127.0.0.1:4000')).toBe('http://127.0.0.1:4000');
  });
});

describe('refresh refusals', () => {
  it.each([
    [400, { reason: 'Invalid Token!', error: 'invalid_grant' }, 'invalid_grant'],
    [401, { reason: 'Invalid Token!', error: 'invalid_grant' }, 'invalid_grant'],
    [400, { reason: 'Token owner no longer exists', error: 'invalid_grant', code: 4735 }, '4735'],
    [400, { reason: 'Token has been revoked', error: 'invalid_grant', code: 4741 }, '4741'],
    [400, { reason: 'Refresh token reuse tolerance exceeded', code: 4740 }, '4740'],
    [400, { reason: 'Invalid Token!', error: 'invalid_request' }, 'invalid_request'],
  ])('%i %j ends the grant', (status, body, reason) => {
    expect(classifyRefreshRejection(status, body)).toEqual({ kind: 'dead-grant', reason });
  });

  it.each([
    [400, { reason: 'Refresh token invalid', error: 'invalid_grant', code: 4711 }, '4711'],
    [400, { reason: 'App disabled', code: 4717 }, '4717'],
    // Zoom's table: "Can not find the authentication" and "disabled by admin" need a new sign-in, not a wipe,
    // whatever error keyword comes with them.
    [400, { reason: 'Can not find the authentication for the access token.', error: 'invalid_grant', code: 4737 }, '4737'],
    [400, { reason: 'The token is disabled by admin.', error: 'invalid_grant', code: 4738 }, '4738'],
    [401, { reason: 'Invalid client_id or client_secret', error: 'invalid_client' }, 'invalid_client'],
    [400, { reason: 'Missing grant type', error: 'invalid_request' }, 'invalid_request'],
    [400, '<html>proxy error</html>', 'http-400'],
  ])('%i %j is refused without declaring the grant dead', (status, body, reason) => {
    expect(classifyRefreshRejection(status, body)).toEqual({ kind: 'rejected', status, reason });
  });

  it('never quotes a free-text error field as the reason', () => {
    expect(classifyRefreshRejection(400, { error: 'Token abc123 is invalid' })).toEqual({ kind: 'rejected', status: 400, reason: 'http-400' });
  });
});
