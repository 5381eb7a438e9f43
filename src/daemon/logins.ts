import type { Clock } from '../core/clock.js';
import { apiError, type ApiError } from '../core/errors.js';
import { newAccountKey, newId } from '../core/ids.js';
import { err, ok, type Result } from '../core/result.js';
import type { Config } from '../platform/config.js';
import type { Logger } from '../platform/logger.js';
import { openAccountVault } from '../guard/vaultAccess.js';
import type { VaultKeys } from '../guard/vaultKeys.js';
import type { Account, ControlDb } from '../store/index.js';
import { vaultTokenStore } from '../sync/zoomSource.js';
import { TokenManager, createZoomClient, limiterFor, startLogin, type LoginSession, type TokenSet, type ZoomUser } from '../zoom/index.js';
import { describeClosed, vaultFileOf } from './accounts.js';
import type { EventBus } from './events.js';
import type { AppPaths } from '../platform/paths.js';

export interface LoginsOptions {
  control: ControlDb;
  /** A new account's vault is created with a new data key. */
  keys: VaultKeys;
  paths: AppPaths;
  config: Config;
  clock: Clock;
  log: Logger;
  events: EventBus;
  /** The account's tokens are in its vault and it is registered active: open it, lease it, sync it. */
  onConnected: (account: Account, tokens: TokenSet) => Promise<void>;
}

/**
 * Zoom logins started over IPC (`accounts.connect`): PKCE through a loopback redirect. The viewer
 * gets the URL at once; the outcome arrives later as the `account.connected` event.
 */
export class Logins {
  private readonly sessions = new Map<string, LoginSession>();

  constructor(private readonly o: LoginsOptions) {}

  async start(): Promise<Result<{ loginId: string; url: string }, ApiError>> {
    const { config } = this.o;
    if (!config.zoom.clientId) return err(apiError('UNAVAILABLE', 'no Zoom client id is configured: set zoom.clientId in config.json'));
    const session = await startLogin({ oauth: { oauthUrl: config.zoom.oauthUrl, clientId: config.zoom.clientId }, clock: this.o.clock, log: this.o.log });
    if (!session.ok) return err(apiError('UNAVAILABLE', `the login could not start (${session.error.kind})`));
    const loginId = newId();
    this.sessions.set(loginId, session.value);
    void session.value.done.then(async (outcome) => {
      this.sessions.delete(loginId);
      if (!outcome.ok) {
        this.o.log.warn({ login: loginId, failure: outcome.error.kind }, 'login did not complete');
        this.o.events.emit('account.connected', { loginId, outcome: outcome.error.kind === 'aborted' ? 'cancelled' : 'failed', accountKey: null });
        return;
      }
      const account = await this.register(outcome.value);
      if (!account.ok) {
        this.o.log.warn({ login: loginId, failure: account.error.code }, 'login failed after the token exchange');
        this.o.events.emit('account.connected', { loginId, outcome: 'failed', accountKey: null });
        return;
      }
      this.o.log.info({ login: loginId, account: account.value.accountKey }, 'account connected');
      await this.o.onConnected(account.value, outcome.value);
      this.o.events.emit('account.connected', { loginId, outcome: 'connected', accountKey: account.value.accountKey });
    });
    return ok({ loginId, url: session.value.url });
  }

  cancelAll(): void {
    for (const session of this.sessions.values()) session.cancel();
    this.sessions.clear();
  }

  /**
   * Learns who the grant belongs to, then stores the tokens in that user's vault: the existing one
   * when this user is already connected here (a re-login replaces the earlier grant at Zoom),
   * otherwise a new vault under a new random account key.
   */
  private async register(fresh: TokenSet): Promise<Result<Account, ApiError>> {
    const me = await this.whoAmI(fresh);
    if (!me.ok) return me;
    const tokens = me.value.tokens;
    const { control, clock } = this.o;
    const now = clock.now();
    const existing = control.accounts
      .list()
      .find((a) => a.zoomUserId === me.value.user.id && a.zoomAccountId === me.value.user.accountId && (a.state === 'active' || a.state === 'needs-auth'));
    const accountKey = existing?.accountKey ?? newAccountKey();
    const opened = openAccountVault({ file: vaultFileOf(this.o.paths, accountKey), accountKey, keys: this.o.keys, log: this.o.log });
    if (!opened.ok) return err(describeClosed(opened.error));
    const { vault } = opened.value;
    try {
      vaultTokenStore(vault, clock).save(tokens);
      vault.saveIdentity({ zoomUserId: me.value.user.id, zoomAccountId: me.value.user.accountId, email: me.value.user.email || null, displayName: me.value.user.displayName || null });
    } finally {
      vault.close();
    }
    if (existing) {
      control.accounts.setState(accountKey, 'active', now);
      return ok({ ...existing, state: 'active', stateChangedAt: now });
    }
    const added = control.accounts.add({ accountKey, zoomAccountId: me.value.user.accountId, zoomUserId: me.value.user.id, createdAt: now, state: 'active' });
    return added.ok ? ok(added.value) : err(apiError('INTERNAL', added.error.message));
  }

  /** Asks Zoom who signed in; returns the tokens as they are afterwards (a refresh may rotate them). */
  private async whoAmI(tokens: TokenSet): Promise<Result<{ user: ZoomUser; tokens: TokenSet }, ApiError>> {
    const { config, clock, log } = this.o;
    let held = tokens;
    const manager = new TokenManager({
      store: { load: () => held, save: (t) => void (held = t) },
      oauth: { oauthUrl: config.zoom.oauthUrl, clientId: config.zoom.clientId ?? '' },
      clock,
      log,
    });
    // The Zoom account is not known yet; this one call goes through a limiter of its own.
    const client = createZoomClient({ tokens: manager, limiter: limiterFor(`login:${newId()}`, config.plan, clock), clock, log, apiUrl: config.zoom.apiUrl });
    const me = await client.getMe();
    if (!me.ok) return err(apiError('UNAVAILABLE', `Zoom did not say who signed in (${me.error.kind})`));
    return ok({ user: me.value, tokens: held });
  }
}
