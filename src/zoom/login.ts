// The loopback login (RFC 8252): a one-shot HTTP server on 127.0.0.1 receives Zoom's redirect,
// checks `state`, exchanges the code with the PKCE verifier and closes. `startLogin` hands back the
// authorize URL before waiting, so the daemon can return it to a viewer and finish in the
// background.

import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../core/clock.js';
import { err, ok, type Result } from '../core/result.js';
import type { Logger } from '../platform/logger.js';
import { exchangeCode, type OAuthClient, type OAuthFailure, type TokenSet } from './oauth.js';
import { openUrlInBrowser, type OpenUrl } from '../platform/openUrl.js';
import { authorizeUrl, createPkce, createState } from './pkce.js';

export type LoginError =
  /** Nobody came back from the browser in time. */
  | { kind: 'timeout' }
  /** cancel() or the caller's signal. */
  | { kind: 'aborted' }
  /** Zoom came back with `error=` (e.g. access_denied: the user said no). */
  | { kind: 'denied'; reason: string }
  /** Zoom refused the code (expired, reused, verifier or redirect mismatch). */
  | { kind: 'exchange-failed'; reason: string }
  /** The token endpoint could not be reached. */
  | { kind: 'unavailable' }
  /** The loopback server could not listen. */
  | { kind: 'listen-failed' };

export interface LoginOptions {
  oauth: OAuthClient;
  clock: Clock;
  log: Logger;
  /** How long to wait for the browser; default 5 minutes (the lifetime of an authorization code). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Added to the authorize URL (the simulator's `sim_user`). */
  extraAuthorizeParams?: Readonly<Record<string, string>>;
  /** Deadline of the code exchange request; default 20 s. */
  exchangeTimeoutMs?: number;
}

export interface LoginSession {
  /** Open this in a browser. It carries the PKCE challenge and state, no secret. */
  url: string;
  /** Settles once the login ends either way, after the loopback server has closed. */
  done: Promise<Result<TokenSet, LoginError>>;
  /** Ends the login with `aborted` (harmless once it has ended). */
  cancel(): void;
}

export const DEFAULT_LOGIN_TIMEOUT_MS = 5 * 60 * 1000;
const CALLBACK_PATH = '/callback';

function page(title: string, message: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>callvault</title></head><body style="font-family:sans-serif;margin:3em"><h1>${title}</h1><p>${message}</p></body></html>`;
}

// Fixed texts only: nothing from the request is echoed into the page.
const PAGES = {
  success: page('callvault is connected', 'You can close this tab and return to callvault.'),
  denied: page('Sign-in was cancelled', 'Zoom did not grant access. You can close this tab and try again from callvault.'),
  failed: page('Sign-in failed', 'callvault could not finish signing in with Zoom. You can close this tab and try again.'),
  wrongState: page('Unexpected sign-in', 'This sign-in response does not belong to the sign-in callvault is waiting for.'),
  missingCode: page('Sign-in failed', 'The response from Zoom carried no authorization code.'),
  over: page('Sign-in already finished', 'You can close this tab.'),
  busy: page('Signing in…', 'callvault is already finishing this sign-in.'),
};

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    Connection: 'close',
  });
  res.end(html);
}

function sameState(received: string | null, expected: string): boolean {
  if (received === null) return false;
  const a = Buffer.from(received);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A keyword from Zoom's `error` parameter, or a fixed word: the parameter is attacker-controlled. */
function errorKeyword(raw: string): string {
  return /^[a-z_]{1,64}$/.test(raw) ? raw : 'error';
}

function loginErrorOf(failure: OAuthFailure): LoginError {
  switch (failure.kind) {
    case 'aborted':
      return { kind: 'aborted' };
    case 'unavailable':
      return { kind: 'unavailable' };
    case 'dead-grant':
    case 'rejected':
      return { kind: 'exchange-failed', reason: failure.reason };
  }
}

function listen(server: Server): Promise<boolean> {
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(0, '127.0.0.1', () => resolve(true));
  });
}

export async function startLogin(options: LoginOptions): Promise<Result<LoginSession, LoginError>> {
  if (options.signal?.aborted) return err({ kind: 'aborted' });
  const pkce = createPkce();
  const state = createState();
  let phase: 'waiting' | 'exchanging' | 'over' = 'waiting';
  let resolveDone!: (result: Result<TokenSet, LoginError>) => void;
  const done = new Promise<Result<TokenSet, LoginError>>((resolve) => (resolveDone = resolve));

  const server = createServer((req, res) => void onRequest(req, res));
  if (!(await listen(server))) return err({ kind: 'listen-failed' });
  const redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}${CALLBACK_PATH}`;
  const url = authorizeUrl({ oauthUrl: options.oauth.oauthUrl, clientId: options.oauth.clientId, redirectUri, challenge: pkce.challenge, state, extraParams: options.extraAuthorizeParams });

  const finish = (result: Result<TokenSet, LoginError>, res?: ServerResponse): void => {
    if (phase === 'over') return;
    phase = 'over';
    timer.cancel();
    options.signal?.removeEventListener('abort', cancel);
    options.log.info({ outcome: result.ok ? 'connected' : result.error.kind }, 'login finished');
    const close = (): void => {
      server.close(() => resolveDone(result));
      server.closeAllConnections();
    };
    // The browser's page is written out before the connection goes.
    if (res && !res.writableFinished) res.once('finish', close);
    else close();
  };
  function cancel(): void {
    finish(err({ kind: 'aborted' }));
  }
  const timer = options.clock.setTimeout(() => finish(err({ kind: 'timeout' })), options.timeoutMs ?? DEFAULT_LOGIN_TIMEOUT_MS);
  options.signal?.addEventListener('abort', cancel, { once: true });

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || target.pathname !== CALLBACK_PATH) return send(res, 404, page('Not found', ''));
    if (phase === 'over') return send(res, 410, PAGES.over);
    const params = target.searchParams;
    if (!sameState(params.get('state'), state)) {
      // Another page on this machine may try to inject its own code; the real redirect may still come.
      options.log.warn('login callback with a wrong state ignored');
      return send(res, 400, PAGES.wrongState);
    }
    if (phase === 'exchanging') return send(res, 409, PAGES.busy);
    const zoomError = params.get('error');
    if (zoomError !== null) {
      send(res, 400, PAGES.denied);
      return finish(err({ kind: 'denied', reason: errorKeyword(zoomError) }), res);
    }
    const code = params.get('code');
    if (!code) return send(res, 400, PAGES.missingCode);
    phase = 'exchanging';
    const tokens = await exchangeCode(options.oauth, { code, redirectUri, verifier: pkce.verifier }, { clock: options.clock, timeoutMs: options.exchangeTimeoutMs, signal: options.signal });
    if (phase !== 'exchanging') return send(res, 410, PAGES.over);
    send(res, tokens.ok ? 200 : 502, tokens.ok ? PAGES.success : PAGES.failed);
    finish(tokens.ok ? ok(tokens.value) : err(loginErrorOf(tokens.error)), res);
  }

  options.log.info('login started');
  return ok({ url, done, cancel });
}

export interface BrowserLoginOptions extends LoginOptions {
  /** Default: the platform's opener (xdg-open, open, rundll32). */
  openUrl?: OpenUrl;
  /** Called with the URL when no browser could be opened, so the user can open it. */
  showUrl?: (url: string) => void;
}

/** The whole login in one call: open the browser (or show the URL), wait, exchange. */
export async function loginWithBrowser(options: BrowserLoginOptions): Promise<Result<TokenSet, LoginError>> {
  const session = await startLogin(options);
  if (!session.ok) return session;
  const opened = await (options.openUrl ?? openUrlInBrowser)(session.value.url);
  if (!opened) options.showUrl?.(session.value.url);
  return session.value.done;
}
