// Zoom's token endpoint for a public PKCE client (ZOOM.md section 3): client_id in the form body,
// no secret, no Authorization header. Outcomes are values; no token or response body ever goes
// into a failure.

import type { Clock } from '../core/clock.js';
import { err, ok, type Result } from '../core/result.js';
import { z } from 'zod';
import { oauthEndpoint } from './pkce.js';
import { timedFetch } from './timedFetch.js';

export interface TokenSet {
  accessToken: string;
  refreshToken: string;
  /** ms since the epoch, by the client's Clock when the response arrived plus `expires_in`. */
  expiresAt: number;
  scope: string;
  /** The regional API base (`api_url`) without a trailing slash; null when Zoom sent none usable. */
  apiUrl: string | null;
}

export interface OAuthClient {
  /** Where /oauth/authorize, /oauth/token and /oauth/revoke live, e.g. https://zoom.us. */
  oauthUrl: string;
  clientId: string;
}

export interface OAuthCallOptions {
  clock: Clock;
  signal?: AbortSignal | undefined;
  /** Default 20 s. */
  timeoutMs?: number | undefined;
}

export type OAuthFailure =
  /** Zoom says the grant is gone for good: the user removed the app, was deleted, or re-authorized. */
  | { kind: 'dead-grant'; reason: string }
  /** Refused for a reason that does not prove the grant dead (bad code, client disabled, scope change). */
  | { kind: 'rejected'; status: number; reason: string }
  /**
   * No usable answer. 'network' and 'timeout' are ambiguous: Zoom may have acted on the request
   * (and rotated the refresh token) before the answer was lost.
   */
  | { kind: 'unavailable'; cause: 'network' | 'timeout' | 'server' | 'malformed' }
  | { kind: 'aborted' };

const DEFAULT_OAUTH_TIMEOUT_MS = 20_000;

const tokenResponse = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  expires_in: z.number().positive(),
  scope: z.string().optional(),
  api_url: z.string().optional(),
});

const oauthErrorBody = z.object({
  error: z.string().optional(),
  reason: z.string().optional(),
  code: z.number().int().optional(),
});

/**
 * `api_url` becomes the base that bearer tokens are sent to, so it must be an http(s) URL, and
 * https whenever the OAuth server itself is https.
 */
export function acceptedApiUrl(raw: string | undefined, oauthUrl: string): string | null {
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.protocol === 'http:' && oauthUrl.startsWith('https:')) return null;
  return url.toString().replace(/\/+$/, '');
}

export function parseTokenResponse(body: unknown, receivedAt: number, oauthUrl: string): TokenSet | null {
  const parsed = tokenResponse.safeParse(body);
  if (!parsed.success) return null;
  const t = parsed.data;
  return {
    accessToken: t.access_token,
    refreshToken: t.refresh_token,
    expiresAt: receivedAt + t.expires_in * 1000,
    scope: t.scope ?? '',
    apiUrl: acceptedApiUrl(t.api_url, oauthUrl),
  };
}

/** A short code for logs and failures: Zoom's numeric code, else its `error` keyword, else the status. */
export function rejectionReason(status: number, body: unknown): string {
  const parsed = oauthErrorBody.safeParse(body);
  if (parsed.success && parsed.data.code !== undefined) return String(parsed.data.code);
  if (parsed.success && parsed.data.error && /^[a-z_]{1,64}$/.test(parsed.data.error)) return parsed.data.error;
  return `http-${status}`;
}

/**
 * Which refresh refusals end the grant (and so trigger a wipe, DESIGN.md "Wipe triggers"):
 * - 4735 token owner no longer exists, 4741 token revoked (also: re-authorized elsewhere), 4740
 *   refresh-token reuse tolerance exceeded: the refresh token can never work again;
 * - `error: invalid_grant` (400 or 401) without one of the codes below: Zoom's answer to a
 *   revoked grant or an old, rotated refresh token;
 * - `error: invalid_request` whose reason says the token is invalid, revoked or its owner gone
 *   (a variant seen in the wild, ZOOM.md "Unconfirmed" 5).
 * Not terminal, whatever `error` keyword comes with them: 4711 (scope mismatch: the app's scopes
 * changed, the user did not withdraw consent), 4717 (the app is disabled, a vendor-side state), 4737
 * ("Can not find the authentication for the access token": Zoom's guidance is to contact Zoom and
 * authorize again, a fault at Zoom rather than a removal) and 4738 ("The token is disabled by
 * admin": an admin turned off the app's pre-approval, which may be turned on again). All need a new
 * login, and the lease bounds how long the data stays meanwhile. Anything else (invalid_client,
 * unknown) is a rejection too: wiping needs positive evidence that the grant is dead.
 */
const NEEDS_NEW_LOGIN = new Set([4711, 4717, 4737, 4738]);

export function classifyRefreshRejection(status: number, body: unknown): Extract<OAuthFailure, { kind: 'dead-grant' | 'rejected' }> {
  const reason = rejectionReason(status, body);
  const parsed = oauthErrorBody.safeParse(body);
  const fields = parsed.success ? parsed.data : {};
  if (fields.code !== undefined && NEEDS_NEW_LOGIN.has(fields.code)) return { kind: 'rejected', status, reason };
  if (fields.code === 4735 || fields.code === 4741 || fields.code === 4740) return { kind: 'dead-grant', reason };
  if (fields.error === 'invalid_grant') return { kind: 'dead-grant', reason };
  if (fields.error === 'invalid_request' && /invalid token|revoked|no longer exist/i.test(fields.reason ?? '')) return { kind: 'dead-grant', reason };
  return { kind: 'rejected', status, reason };
}

type FormOutcome = Result<{ status: number; body: unknown }, OAuthFailure>;

async function postForm(url: string, form: Record<string, string>, options: OAuthCallOptions): Promise<FormOutcome> {
  const response = await timedFetch(
    url,
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
    },
    { clock: options.clock, timeoutMs: options.timeoutMs ?? DEFAULT_OAUTH_TIMEOUT_MS, signal: options.signal },
  );
  if (!response.ok) return err(response.error === 'aborted' ? { kind: 'aborted' } : { kind: 'unavailable', cause: response.error });
  const { status, text } = response.value;
  if (status >= 500) return err({ kind: 'unavailable', cause: 'server' });
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    if (status < 300) return err({ kind: 'unavailable', cause: 'malformed' });
  }
  return ok({ status, body });
}

async function tokenRequest(client: OAuthClient, form: Record<string, string>, options: OAuthCallOptions, onRefused: (status: number, body: unknown) => OAuthFailure): Promise<Result<TokenSet, OAuthFailure>> {
  const answer = await postForm(oauthEndpoint(client.oauthUrl, 'token'), { ...form, client_id: client.clientId }, options);
  if (!answer.ok) return answer;
  const { status, body } = answer.value;
  if (status >= 300) return err(onRefused(status, body));
  const tokens = parseTokenResponse(body, options.clock.now(), client.oauthUrl);
  return tokens ? ok(tokens) : err({ kind: 'unavailable', cause: 'malformed' });
}

export function exchangeCode(client: OAuthClient, grant: { code: string; redirectUri: string; verifier: string }, options: OAuthCallOptions): Promise<Result<TokenSet, OAuthFailure>> {
  return tokenRequest(
    client,
    { grant_type: 'authorization_code', code: grant.code, redirect_uri: grant.redirectUri, code_verifier: grant.verifier },
    options,
    (status, body) => ({ kind: 'rejected', status, reason: rejectionReason(status, body) }),
  );
}

export function refreshTokens(client: OAuthClient, refreshToken: string, options: OAuthCallOptions): Promise<Result<TokenSet, OAuthFailure>> {
  return tokenRequest(client, { grant_type: 'refresh_token', refresh_token: refreshToken }, options, classifyRefreshRejection);
}

/** Ends the whole grant at Zoom (Zoom then sends app_deauthorized). */
export async function revokeToken(client: OAuthClient, token: string, options: OAuthCallOptions): Promise<Result<void, OAuthFailure>> {
  const answer = await postForm(oauthEndpoint(client.oauthUrl, 'revoke'), { token, client_id: client.clientId }, options);
  if (!answer.ok) return answer;
  const { status, body } = answer.value;
  return status < 300 ? ok(undefined) : err({ kind: 'rejected', status, reason: rejectionReason(status, body) });
}
