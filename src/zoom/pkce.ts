// PKCE (RFC 7636, S256) for Zoom's public-client OAuth (ZOOM.md section 3).

import { createHash, randomBytes } from 'node:crypto';

export interface Pkce {
  /** Kept by the client until the code exchange; never leaves the machine before it. */
  verifier: string;
  /** BASE64URL(SHA256(verifier)), sent with the authorize request. */
  challenge: string;
}

export function challengeOf(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

export function createPkce(): Pkce {
  // 32 random bytes give a 43-character verifier, the minimum length RFC 7636 allows.
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: challengeOf(verifier) };
}

/** A random value for the `state` parameter: the callback must bring it back unchanged. */
export function createState(): string {
  return randomBytes(24).toString('base64url');
}

export interface AuthorizeUrlOptions {
  oauthUrl: string;
  clientId: string;
  redirectUri: string;
  challenge: string;
  state: string;
  /** Added as they are (the simulator's `sim_user` picks who consents). */
  extraParams?: Readonly<Record<string, string>>;
}

export function oauthEndpoint(oauthUrl: string, path: 'authorize' | 'token' | 'revoke'): string {
  return `${oauthUrl.replace(/\/+$/, '')}/oauth/${path}`;
}

export function authorizeUrl(options: AuthorizeUrlOptions): string {
  const url = new URL(oauthEndpoint(options.oauthUrl, 'authorize'));
  const params: Record<string, string> = {
    response_type: 'code',
    client_id: options.clientId,
    redirect_uri: options.redirectUri,
    state: options.state,
    code_challenge: options.challenge,
    code_challenge_method: 'S256',
    ...options.extraParams,
  };
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.toString();
}
