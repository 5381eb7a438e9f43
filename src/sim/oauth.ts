// The OAuth endpoints: /oauth/authorize (auto-consents), /oauth/token, /oauth/revoke, for a public
// PKCE client (client_id in the form, no secret; a Basic header naming the client is accepted too).

import type { IncomingHttpHeaders } from 'node:http';
import type { Grants } from './grants.js';
import { json, type Reply } from './reply.js';

export interface OAuthDeps {
  clientId: string;
  grants: Grants;
  apiUrl: string;
  /** The user `sim_user` names (id or email), or the first user when it is absent; null if unknown or deleted. */
  consentingUser(simUser: string | null): string | null;
  /** Whether the user may add the app: anyone for a user-managed app, admins only for an admin-managed one. */
  mayAdd(userId: string): boolean;
  /** A live grant of `userId` was revoked through /oauth/revoke: Zoom then sends app_deauthorized. */
  onRevoked(userId: string): void;
}

const badRequest = (error: string, reason: string): Reply => json(400, { error, reason });
const INVALID_CLIENT = json(401, { reason: 'Invalid client_id or client_secret', error: 'invalid_client' });

export function authorize(query: URLSearchParams, deps: OAuthDeps): Reply {
  if (query.get('response_type') !== 'code') return badRequest('unsupported_response_type', 'response_type must be code');
  if (query.get('client_id') !== deps.clientId) return badRequest('invalid_client', 'Invalid client_id');
  const redirectUri = query.get('redirect_uri');
  let target: URL;
  try {
    target = new URL(redirectUri ?? '');
  } catch {
    return badRequest('invalid_request', 'Invalid redirect_uri');
  }
  const state = query.get('state');
  if (!state) return badRequest('invalid_request', 'state is required');
  const challenge = query.get('code_challenge');
  if (!challenge) return badRequest('invalid_request', 'code_challenge is required');
  if (query.get('code_challenge_method') !== 'S256') return badRequest('invalid_request', 'code_challenge_method must be S256');
  const userId = deps.consentingUser(query.get('sim_user'));
  if (!userId) return badRequest('invalid_request', 'Unknown sim_user');
  if (!deps.mayAdd(userId)) {
    // As any OAuth server does when consent is not given: back to the app with error=access_denied.
    target.searchParams.set('error', 'access_denied');
    target.searchParams.set('state', state);
    return { status: 302, headers: { Location: target.toString() } };
  }
  const code = deps.grants.issueCode(userId, redirectUri ?? '', challenge);
  target.searchParams.set('code', code);
  target.searchParams.set('state', state);
  return { status: 302, headers: { Location: target.toString() } };
}

/** Whether the form's client_id and/or a Basic header name this client (at least one, none other). */
function clientOf(headers: IncomingHttpHeaders, form: URLSearchParams, clientId: string): boolean {
  const fromForm = form.get('client_id');
  const basic = /^Basic\s+(\S+)$/i.exec(headers.authorization ?? '');
  const fromBasic = basic ? Buffer.from(basic[1] ?? '', 'base64').toString('utf8').split(':')[0] : null;
  if (fromForm === null && fromBasic === null) return false;
  return (fromForm === null || fromForm === clientId) && (fromBasic === null || fromBasic === clientId);
}

function formOf(headers: IncomingHttpHeaders, body: string): URLSearchParams | null {
  const type = (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  return type === 'application/x-www-form-urlencoded' ? new URLSearchParams(body) : null;
}

export function token(headers: IncomingHttpHeaders, body: string, deps: OAuthDeps): Reply {
  const form = formOf(headers, body);
  if (!form) return badRequest('invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
  if (!clientOf(headers, form, deps.clientId)) return INVALID_CLIENT;
  const grantType = form.get('grant_type');
  const result =
    grantType === 'authorization_code'
      ? deps.grants.exchangeCode(form.get('code') ?? '', form.get('redirect_uri') ?? '', form.get('code_verifier') ?? '')
      : grantType === 'refresh_token'
        ? deps.grants.refresh(form.get('refresh_token') ?? '')
        : null;
  if (!result) return badRequest('unsupported_grant_type', 'Unsupported grant type');
  if (!result.ok) return json(result.error.status, result.error.body);
  return json(200, { ...result.value, api_url: deps.apiUrl });
}

/**
 * Revokes the whole grant of the token. An unknown or dead token also gets 200, as RFC 7009 asks
 * (Zoom's answer there is not documented); only a live grant's end sends app_deauthorized.
 */
export function revoke(headers: IncomingHttpHeaders, body: string, deps: OAuthDeps): Reply {
  const form = formOf(headers, body);
  if (!form) return badRequest('invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
  if (!clientOf(headers, form, deps.clientId)) return INVALID_CLIENT;
  const revokedUser = deps.grants.revokeByToken(form.get('token') ?? '');
  if (revokedUser) deps.onRevoked(revokedUser);
  return json(200, { status: 'success' });
}
