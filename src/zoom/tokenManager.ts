// Access tokens for one grant: refreshed shortly before expiry, one refresh at a time, and the
// rotated refresh token persisted before the new access token reaches anyone.
//
// Zoom rotates refresh tokens and accepts only the newest (ZOOM.md section 3). If the process
// dies between Zoom's answer and `store.save`, the stored refresh token is already dead at Zoom:
// the next refresh gets invalid_grant, a dead grant, and the account must be connected again. The
// window is one synchronous save right after the response; since the new access token is handed
// out only after the save, the stored tokens are never older than the newest ones in use. A save
// that throws without a crash keeps the new set in memory and retries it before anything else.

import type { Clock } from '../core/clock.js';
import { err, ok, type Result } from '../core/result.js';
import type { Logger } from '../platform/logger.js';
import { backoffDelay, type BackoffPolicy } from './backoff.js';
import { refreshTokens, type OAuthClient, type TokenSet } from './oauth.js';

/** Where a grant's tokens live (the vault: one SQLite transaction per save). */
export interface TokenStore {
  load(): TokenSet | null;
  save(tokens: TokenSet): void;
}

export type TokenFailure =
  /** The grant is gone at Zoom (reason: 'invalid_grant', '4735', '124', 'no-tokens', …; never a token). */
  | { kind: 'dead-grant'; reason: string }
  /** Zoom refused the refresh for a reason that needs a new login but proves nothing (e.g. '4711'). */
  | { kind: 'refused'; reason: string }
  /** Zoom could not be reached, or the new tokens could not be stored. */
  | { kind: 'unavailable' }
  | { kind: 'aborted' };

/** What the HTTP core needs from a token source (TokenManager, or a stub in tests). */
export interface AccessTokens {
  accessToken(signal?: AbortSignal): Promise<Result<string, TokenFailure>>;
  /** Zoom answered 401 to `token`: the next accessToken() refreshes (unless someone already has). */
  invalidate(token: string): void;
  /** A request failed with 401 again right after a refresh: the grant is dead from now on. */
  declareDead(reason: string): void;
  /** The regional API base Zoom named for this grant, if any. */
  apiBase(): string | null;
  /** Zoom accepted the grant just now (a successful API call). */
  noteGrantAlive(): void;
}

export interface TokenManagerOptions {
  store: TokenStore;
  oauth: OAuthClient;
  clock: Clock;
  log: Logger;
  /** Called after each successful refresh and API call: proof that the grant was alive at `at`. */
  onGrantAlive?: (at: number) => void;
  /** Refresh when fewer than this remain; default 5 minutes. */
  refreshMarginMs?: number;
  /** Deadline of one token request; default 20 s. */
  timeoutMs?: number;
  /** Retries of a refresh that met a network error or a 5xx. Default: 4 tries, 500 ms to 30 s. */
  retry?: BackoffPolicy;
  random?: () => number;
}

export const REFRESH_MARGIN_MS = 5 * 60 * 1000;
const REFRESH_RETRY: BackoffPolicy = { baseMs: 500, capMs: 30_000, attempts: 4 };

/** Waits for `promise`, or stops waiting (only this caller) when `signal` fires. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T | 'aborted'> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.resolve('aborted');
  return new Promise((resolve) => {
    const onAbort = (): void => resolve('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then((value) => {
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    });
  });
}

export class TokenManager implements AccessTokens {
  private current: TokenSet | null | undefined;
  /** Refreshed at Zoom but not yet stored: must be stored before use, and before any other refresh. */
  private unsaved: TokenSet | null = null;
  private invalidated: string | null = null;
  private dead: { kind: 'dead-grant'; reason: string } | null = null;
  private inflight: Promise<Result<TokenSet, TokenFailure>> | null = null;

  constructor(private readonly o: TokenManagerOptions) {}

  async accessToken(signal?: AbortSignal): Promise<Result<string, TokenFailure>> {
    if (signal?.aborted) return err({ kind: 'aborted' });
    if (this.dead) return err(this.dead);
    if (this.unsaved && !this.storeUnsaved()) return err({ kind: 'unavailable' });
    const tokens = this.loaded();
    if (!tokens) return err(this.markDead('no-tokens'));
    if (tokens.accessToken !== this.invalidated && tokens.expiresAt - this.o.clock.now() > (this.o.refreshMarginMs ?? REFRESH_MARGIN_MS)) {
      return ok(tokens.accessToken);
    }
    this.inflight ??= this.refresh(tokens).finally(() => {
      this.inflight = null;
    });
    const result = await untilAborted(this.inflight, signal);
    if (result === 'aborted') return err({ kind: 'aborted' });
    return result.ok ? ok(result.value.accessToken) : result;
  }

  invalidate(token: string): void {
    if (this.current?.accessToken === token) this.invalidated = token;
  }

  declareDead(reason: string): void {
    this.markDead(reason);
  }

  apiBase(): string | null {
    return this.loaded()?.apiUrl ?? null;
  }

  noteGrantAlive(): void {
    this.o.onGrantAlive?.(this.o.clock.now());
  }

  private loaded(): TokenSet | null {
    if (this.current === undefined) this.current = this.o.store.load();
    return this.current;
  }

  private markDead(reason: string): { kind: 'dead-grant'; reason: string } {
    if (!this.dead) {
      this.dead = { kind: 'dead-grant', reason };
      this.o.log.warn({ reason }, 'zoom grant is dead');
    }
    return this.dead;
  }

  /** True when the new tokens are stored (and so may be used). */
  private storeUnsaved(): boolean {
    const tokens = this.unsaved;
    if (!tokens) return true;
    try {
      this.o.store.save(tokens);
    } catch {
      this.o.log.error('refreshed zoom tokens could not be stored');
      return false;
    }
    this.unsaved = null;
    this.current = tokens;
    this.invalidated = null;
    return true;
  }

  private async refresh(tokens: TokenSet): Promise<Result<TokenSet, TokenFailure>> {
    const policy = this.o.retry ?? REFRESH_RETRY;
    for (let attempt = 1; ; attempt++) {
      const result = await refreshTokens(this.o.oauth, tokens.refreshToken, { clock: this.o.clock, timeoutMs: this.o.timeoutMs });
      if (result.ok) {
        this.unsaved = result.value;
        if (!this.storeUnsaved()) return err({ kind: 'unavailable' });
        this.o.log.info({ attempt }, 'zoom tokens refreshed');
        this.noteGrantAlive();
        return ok(result.value);
      }
      const failure = result.error;
      switch (failure.kind) {
        case 'dead-grant':
          return err(this.markDead(failure.reason));
        case 'rejected':
          this.o.log.warn({ reason: failure.reason, status: failure.status }, 'zoom refused the token refresh');
          return err({ kind: 'refused', reason: failure.reason });
        case 'aborted':
          return err({ kind: 'aborted' });
        case 'unavailable':
          this.o.log.warn({ cause: failure.cause, attempt }, 'zoom token refresh failed');
          if (attempt >= policy.attempts) return err({ kind: 'unavailable' });
          await this.o.clock.sleep(backoffDelay(attempt - 1, policy, this.o.random));
      }
    }
  }
}
