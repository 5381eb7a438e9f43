// OAuth state: authorization codes, grants, access and refresh tokens, by the simulator's clock.
//
// Zoom's rules as modelled here (ZOOM.md section 3): codes are single use and expire after 5 min;
// access tokens last 3599 s; every refresh rotates the refresh token and only the newest one of a
// grant works; re-authorizing a user ends that user's earlier grants (Zoom's 4741 "token revoked").
// The formats of the numeric OAuth error codes are unconfirmed (ZOOM.md "Unconfirmed" 5); the
// bodies below follow the shapes seen in the wild: {"reason","error"} plus "code" where Zoom
// documents a number.

import { createHash, randomBytes } from 'node:crypto';
import { err, ok, type Result } from '../core/result.js';
import type { SimAppType } from './types.js';
import { MINUTE_MS, SECOND_MS } from './zoomTime.js';

const ACCESS_TOKEN_SECONDS = 3599;
const CODE_TTL_MS = 5 * MINUTE_MS;

/**
 * The granular scopes of each endpoint the simulator serves, as Zoom's API reference names them.
 * A user-managed app holds the user-level form; an admin-managed app the admin-level form
 * (`…:admin`), which also serves `me`. The report API exists at admin level only.
 */
export const ENDPOINT_SCOPES = {
  me: 'user:read:user',
  listMeetings: 'meeting:read:list_meetings',
  pastMeeting: 'meeting:read:past_meeting',
  pastInstances: 'meeting:read:list_past_instances',
  pastParticipants: 'meeting:read:list_past_participants',
  recordings: 'cloud_recording:read:list_user_recordings',
  callHistory: 'phone:read:list_call_logs',
  reportMeetings: 'report:read:user:admin',
  reportParticipants: 'report:read:list_meeting_participants:admin',
} as const;

const adminLevel = (scope: string): string => (scope.endsWith(':admin') ? scope : `${scope}:admin`);

/** Every scope a grant of `appType` holds: user-level only, or admin-level only (no app type combines both). */
export function scopesFor(appType: SimAppType): string[] {
  const all = Object.values(ENDPOINT_SCOPES);
  return appType === 'admin-managed' ? all.map(adminLevel) : all.filter((scope) => !scope.endsWith(':admin'));
}

/** Whether `granted` lets a caller use an endpoint that needs `scope` (its user- or admin-level form). */
export function grantsScope(granted: ReadonlySet<string>, scope: string): boolean {
  return granted.has(scope) || granted.has(adminLevel(scope));
}

/**
 * OAuth errors a grant can be put into (ZOOM.md section 7, Zoom's OAuth error table): 4737 "Can not
 * find the authentication for the access token", 4738 "The token is disabled by admin". The body's
 * `error` keyword is not documented for these; the simulator sends invalid_grant, the keyword Zoom
 * uses for refresh tokens it refuses, so that a client must read the code.
 */
export type GrantFault = 4737 | 4738;
const GRANT_FAULT_REASONS: Record<GrantFault, string> = {
  4737: 'Can not find the authentication for the access token.',
  4738: 'The token is disabled by admin.',
};

export interface TokenPair {
  access_token: string;
  token_type: 'bearer';
  refresh_token: string;
  expires_in: number;
  scope: string;
}

export interface OAuthError {
  status: number;
  body: { reason: string; error: string; code?: number };
}

const oauthError = (status: number, error: string, reason: string, code?: number): OAuthError => ({
  status,
  body: code === undefined ? { reason, error } : { reason, error, code },
});

const INVALID_TOKEN = oauthError(400, 'invalid_grant', 'Invalid Token!');

interface Grant {
  userId: string;
  scopes: string[];
  /** Null while the grant lives. */
  ended: 'revoked' | 'superseded' | null;
  /** The only refresh token of this grant that still works. */
  refreshToken: string;
}

interface Code {
  userId: string;
  redirectUri: string;
  challenge: string;
  expiresAt: number;
  used: boolean;
}

export interface Authenticated {
  userId: string;
  scopes: ReadonlySet<string>;
}

export interface GrantsOptions {
  now: () => number;
  scopesOf: (userId: string) => string[];
  isDeleted: (userId: string) => boolean;
}

function secret(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

export class Grants {
  private readonly codes = new Map<string, Code>();
  private readonly grantsOfUser = new Map<string, Grant[]>();
  private readonly accessTokens = new Map<string, { grant: Grant; expiresAt: number; scopes: ReadonlySet<string> }>();
  /** Every refresh token ever issued, to its grant: old ones are recognised and refused. */
  private readonly refreshTokens = new Map<string, Grant>();
  private readonly issued = new Map<string, string[]>();
  private readonly faults = new Map<string, GrantFault>();

  constructor(private readonly o: GrantsOptions) {}

  issueCode(userId: string, redirectUri: string, challenge: string): string {
    const code = secret(24);
    this.codes.set(code, { userId, redirectUri, challenge, expiresAt: this.o.now() + CODE_TTL_MS, used: false });
    return code;
  }

  exchangeCode(code: string, redirectUri: string, verifier: string): Result<TokenPair, OAuthError> {
    const entry = this.codes.get(code);
    if (!entry || entry.used) return err(oauthError(400, 'invalid_grant', 'Invalid authorization code', 4734));
    if (entry.expiresAt <= this.o.now()) return err(oauthError(400, 'invalid_grant', 'Code is expired', 4733));
    if (entry.redirectUri !== redirectUri) return err(oauthError(400, 'invalid_request', 'Redirect URI mismatch', 4709));
    if (s256(verifier) !== entry.challenge) return err(oauthError(400, 'invalid_grant', 'Invalid code_verifier'));
    entry.used = true;
    if (this.o.isDeleted(entry.userId)) return err(oauthError(400, 'invalid_grant', 'Token owner no longer exists', 4735));
    for (const earlier of this.grantsOfUser.get(entry.userId) ?? []) if (!earlier.ended) earlier.ended = 'superseded';
    const grant: Grant = { userId: entry.userId, scopes: this.o.scopesOf(entry.userId), ended: null, refreshToken: '' };
    this.grantsOfUser.set(entry.userId, [...(this.grantsOfUser.get(entry.userId) ?? []), grant]);
    return ok(this.issueTokens(grant));
  }

  refresh(refreshToken: string): Result<TokenPair, OAuthError> {
    const grant = this.refreshTokens.get(refreshToken);
    if (!grant) return err(INVALID_TOKEN);
    if (this.o.isDeleted(grant.userId)) return err(oauthError(400, 'invalid_grant', 'Token owner no longer exists', 4735));
    const fault = this.faults.get(grant.userId);
    if (fault && !grant.ended) return err(oauthError(400, 'invalid_grant', GRANT_FAULT_REASONS[fault], fault));
    if (grant.ended === 'superseded') return err(oauthError(400, 'invalid_grant', 'Token has been revoked', 4741));
    if (grant.ended || grant.refreshToken !== refreshToken) return err(INVALID_TOKEN);
    return ok(this.issueTokens(grant));
  }

  /** Ends the grant `token` (access or refresh) belongs to; the user id when a live grant ended. */
  revokeByToken(token: string): string | null {
    const grant = this.accessTokens.get(token)?.grant ?? this.refreshTokens.get(token);
    if (!grant || grant.ended) return null;
    grant.ended = 'revoked';
    return grant.userId;
  }

  revokeUser(userId: string): void {
    for (const grant of this.grantsOfUser.get(userId) ?? []) if (!grant.ended) grant.ended = 'revoked';
  }

  /** From now on the user's grants refresh into `fault` and their access tokens are refused; null clears it. */
  setFault(userId: string, fault: GrantFault | null): void {
    if (fault === null) this.faults.delete(userId);
    else this.faults.set(userId, fault);
  }

  /** The caller of an API request, when its access token is known, unexpired and its grant alive. */
  authenticate(accessToken: string): Authenticated | null {
    const entry = this.accessTokens.get(accessToken);
    if (!entry || entry.grant.ended || entry.expiresAt <= this.o.now() || this.o.isDeleted(entry.grant.userId)) return null;
    if (this.faults.has(entry.grant.userId)) return null;
    return { userId: entry.grant.userId, scopes: entry.scopes };
  }

  issuedTokens(userId: string): string[] {
    return [...(this.issued.get(userId) ?? [])];
  }

  private issueTokens(grant: Grant): TokenPair {
    const access = secret(48);
    const refresh = secret(48);
    // Earlier access tokens stay valid until they expire, as Zoom's do after a refresh.
    this.accessTokens.set(access, { grant, expiresAt: this.o.now() + ACCESS_TOKEN_SECONDS * SECOND_MS, scopes: new Set(grant.scopes) });
    this.refreshTokens.set(refresh, grant);
    grant.refreshToken = refresh;
    const issued = this.issued.get(grant.userId) ?? [];
    issued.push(access, refresh);
    this.issued.set(grant.userId, issued);
    return { access_token: access, token_type: 'bearer', refresh_token: refresh, expires_in: ACCESS_TOKEN_SECONDS, scope: grant.scopes.join(' ') };
  }
}
