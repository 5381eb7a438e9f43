// Test helpers: a PKCE login against the simulator (the test plays the browser), and API calls.

import { createHash, randomBytes } from 'node:crypto';
import type { Simulator } from '../../src/sim/index.js';

export const REDIRECT_URI = 'http://127.0.0.1:1/callback';

export interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  scope: string;
  token_type: string;
  api_url: string;
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function authorizeUrl(sim: Simulator, challenge: string, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: sim.clientId,
    redirect_uri: REDIRECT_URI,
    state: 'st4te',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  });
  return `${sim.url}/oauth/authorize?${query}`;
}

/** Follows the authorize redirect by hand and returns the code it carries. */
export async function authorizeCode(sim: Simulator, challenge: string, simUser?: string): Promise<string> {
  const response = await fetch(authorizeUrl(sim, challenge, simUser ? { sim_user: simUser } : {}), { redirect: 'manual' });
  if (response.status !== 302) throw new Error(`authorize answered ${response.status}`);
  const location = new URL(response.headers.get('location') ?? '');
  return location.searchParams.get('code') ?? '';
}

export async function postForm(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export function exchange(sim: Simulator, code: string, verifier: string, redirectUri = REDIRECT_URI) {
  return postForm(`${sim.url}/oauth/token`, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier, client_id: sim.clientId });
}

export function refresh(sim: Simulator, refreshToken: string) {
  return postForm(`${sim.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: sim.clientId });
}

/** A full PKCE login as `simUser` (default: the first user). */
export async function login(sim: Simulator, simUser?: string): Promise<Tokens> {
  const { verifier, challenge } = pkce();
  const code = await authorizeCode(sim, challenge, simUser);
  const result = await exchange(sim, code, verifier);
  if (result.status !== 200) throw new Error(`token exchange answered ${result.status}`);
  return result.body as unknown as Tokens;
}

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export async function api<T = Record<string, unknown>>(sim: Simulator, accessToken: string, path: string): Promise<ApiResponse<T>> {
  const response = await fetch(`${sim.url}${path}`, { headers: { authorization: `Bearer ${accessToken}` } });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : {}) as T };
}

/** Every page of a list endpoint; `key` names the items. */
export async function allPages<T>(sim: Simulator, accessToken: string, path: string, key: string): Promise<T[]> {
  const items: T[] = [];
  let token = '';
  do {
    const separator = path.includes('?') ? '&' : '?';
    const page = await api(sim, accessToken, `${path}${token ? `${separator}next_page_token=${token}` : ''}`);
    if (page.status !== 200) throw new Error(`${path} answered ${page.status}`);
    items.push(...(page.body[key] as T[]));
    token = page.body.next_page_token as string;
  } while (token);
  return items;
}

export function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export const DAY_MS = 86_400_000;
