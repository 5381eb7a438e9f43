import { join } from 'node:path';
import type { Clock } from '../core/clock.js';
import { apiError, type ApiError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import type { Config } from '../platform/config.js';
import type { Logger } from '../platform/logger.js';
import { vaultsDir, type AppPaths } from '../platform/paths.js';
import { HELD_STATES } from '../guard/controlLeases.js';
import { openAccountVault, type VaultAccessProblem } from '../guard/vaultAccess.js';
import { custodyName, type VaultKeys } from '../guard/vaultKeys.js';
import type { LiveAccounts } from '../guard/wipe.js';
import { vaultFiles, type Account, type ControlDb, type Vault, type VaultCounts } from '../store/index.js';
import { emptyReport, type SyncReport } from '../sync/engine.js';
import { CoalescingRunner } from '../sync/runner.js';
import { zoomAccount, type ZoomAccount } from '../sync/zoomSource.js';
import type { Changes } from './changes.js';

const LAST_SYNC_KEY = 'sync.last_finished_at';

/** When the vault's last sync finished, as the vault remembers it (null before the first). */
function lastSyncOf(vault: Vault): number | null {
  const stored = Number(vault.getMeta(LAST_SYNC_KEY) ?? Number.NaN);
  return Number.isSafeInteger(stored) && stored > 0 ? stored : null;
}

/** What the daemon shows about a running sync. */
export interface SyncActivity {
  resource: string;
  progress: number;
}

/**
 * One connected account while the daemon runs: its open vault, its Zoom client, its sync loop.
 * Setting any of the fields `status` shows counts as a change (see changes.ts); the objects it
 * holds are readonly, so a change is always a new value.
 */
export class LiveAccount {
  private state: {
    lastSyncAt: number | null;
    lastError: string | null;
    throttledUntil: number | null;
    syncing: Readonly<SyncActivity> | null;
    /**
     * Row counts for `status`, which viewers (the tray) ask for often: COUNT(*) over a large vault
     * takes tens of milliseconds. Only a sync (with its retention sweep) changes them.
     */
    counts: Readonly<VaultCounts>;
  };

  constructor(
    readonly accountKey: string,
    readonly vault: Vault,
    readonly zoom: ZoomAccount,
    readonly runner: CoalescingRunner<SyncReport>,
    private readonly changes: Changes,
  ) {
    this.state = { lastSyncAt: lastSyncOf(vault), lastError: null, throttledUntil: null, syncing: null, counts: vault.counts() };
  }

  get lastSyncAt(): number | null {
    return this.state.lastSyncAt;
  }
  /** Kept in the vault too, so a restarted daemon (or machine) still says when the data is from. */
  set lastSyncAt(value: number | null) {
    if (value !== null && this.vault.isOpen) this.vault.setMeta(LAST_SYNC_KEY, String(value));
    this.set('lastSyncAt', value);
  }
  get lastError(): string | null {
    return this.state.lastError;
  }
  set lastError(value: string | null) {
    this.set('lastError', value);
  }
  get throttledUntil(): number | null {
    return this.state.throttledUntil;
  }
  set throttledUntil(value: number | null) {
    this.set('throttledUntil', value);
  }
  get syncing(): Readonly<SyncActivity> | null {
    return this.state.syncing;
  }
  set syncing(value: Readonly<SyncActivity> | null) {
    this.set('syncing', value);
  }
  get counts(): Readonly<VaultCounts> {
    return this.state.counts;
  }
  set counts(value: Readonly<VaultCounts>) {
    this.set('counts', value);
  }

  private set<K extends keyof LiveAccount['state']>(field: K, value: LiveAccount['state'][K]): void {
    if (this.state[field] === value) return;
    this.state[field] = value;
    this.changes.bump();
  }
}

export interface AccountHostOptions {
  control: ControlDb;
  /** Every vault opens with its data key. */
  keys: VaultKeys;
  paths: AppPaths;
  config: Config;
  clock: Clock;
  log: Logger;
  /** Each successful Zoom call or refresh proves the grant alive. */
  onGrantAlive: (accountKey: string) => void;
  /** Runs one sync of an account; the host wraps it in the account's coalescing runner. */
  sync: (account: LiveAccount, signal: AbortSignal) => Promise<SyncReport>;
  /** Told of every account opened or closed and every change to one's sync fields. */
  changes: Changes;
}

export function describeClosed(problem: VaultAccessProblem): ApiError {
  if (problem.kind === 'store') return apiError('UNAVAILABLE', `the vault cannot be opened (${problem.error.code})`);
  const { custody, detail } = problem.status;
  return apiError('UNAVAILABLE', `the vault stays closed: ${detail ?? `the device key in the ${custody ? custodyName(custody) : 'credential store'} is not available`}`);
}

export function vaultFileOf(paths: AppPaths, accountKey: string): string {
  return join(vaultsDir(paths), `${accountKey}.db`);
}

/**
 * The accounts the daemon holds data for. It is also what the wipe needs from the live daemon
 * (LiveAccounts): block reads, stop sync, close the vault, name its files.
 */
export class AccountHost implements LiveAccounts {
  private readonly live = new Map<string, LiveAccount>();
  private readonly blocked = new Set<string>();
  /** Held accounts whose vault could not be opened, and why (the device key unavailable). */
  private readonly closed = new Map<string, ApiError>();

  constructor(private readonly o: AccountHostOptions) {}

  /**
   * Opens the vault of every held account not open yet. Called after the start-up guard step, and
   * again whenever the device key comes back. Returns the accounts it opened.
   */
  openHeld(): LiveAccount[] {
    const opened: LiveAccount[] = [];
    for (const account of this.o.control.accounts.list()) {
      if (!(HELD_STATES as readonly string[]).includes(account.state) || this.live.has(account.accountKey)) continue;
      const live = this.open(account);
      if (live) opened.push(live);
    }
    return opened;
  }

  /**
   * Opens (or returns) the live account; null when its vault cannot be opened now (the device key
   * unavailable: reads answer UNAVAILABLE until it is back).
   */
  open(account: Account): LiveAccount | null {
    const existing = this.live.get(account.accountKey);
    if (existing) return existing;
    const opened = openAccountVault({ file: vaultFileOf(this.o.paths, account.accountKey), accountKey: account.accountKey, keys: this.o.keys, log: this.o.log });
    if (!opened.ok) {
      this.o.log.error({ account: account.accountKey, problem: opened.error.kind, code: opened.error.kind === 'store' ? opened.error.error.code : opened.error.status.state }, 'cannot open vault');
      this.closed.set(account.accountKey, describeClosed(opened.error));
      this.o.changes.bump();
      return null;
    }
    this.closed.delete(account.accountKey);
    // A vault nothing here could read any more (its Zoom tokens with it): the user signs in again.
    if (opened.value.discarded) this.o.control.accounts.setState(account.accountKey, 'needs-auth', this.o.clock.now());
    const { vault } = opened.value;
    const { config } = this.o;
    const zoom = zoomAccount({
      vault,
      zoomAccountId: account.zoomAccountId,
      plan: config.plan,
      oauthUrl: config.zoom.oauthUrl,
      apiUrl: config.zoom.apiUrl,
      clientId: config.zoom.clientId ?? '',
      clock: this.o.clock,
      log: this.o.log,
      onGrantAlive: () => this.o.onGrantAlive(account.accountKey),
    });
    const cancelled = (): SyncReport => emptyReport(account.accountKey, this.o.clock.now(), 'aborted');
    let liveAccount: LiveAccount | undefined;
    const runner = new CoalescingRunner<SyncReport>((signal) => this.o.sync(liveAccount!, signal), cancelled);
    liveAccount = new LiveAccount(account.accountKey, vault, zoom, runner, this.o.changes);
    this.live.set(account.accountKey, liveAccount);
    this.o.changes.bump();
    this.blocked.delete(account.accountKey);
    return liveAccount;
  }

  get(accountKey: string): LiveAccount | null {
    return this.live.get(accountKey) ?? null;
  }

  all(): LiveAccount[] {
    return [...this.live.values()];
  }

  /**
   * The accounts a read may touch: one (by key) or all. WIPED for an account being or already
   * wiped, NOT_FOUND for an unknown key. Lease expiry is checked by the caller.
   */
  readable(accountKey: string | undefined): Result<LiveAccount[], ApiError> {
    if (accountKey === undefined) return ok(this.all().filter((a) => !this.blocked.has(a.accountKey)));
    const account = this.o.control.accounts.get(accountKey);
    if (!account) return err(apiError('NOT_FOUND', `no account ${accountKey}`));
    const closed = this.closed.get(accountKey);
    if (closed && !this.blocked.has(accountKey) && (HELD_STATES as readonly string[]).includes(account.state)) return err(closed);
    const live = this.live.get(accountKey);
    if (this.blocked.has(accountKey) || account.state === 'wiping' || account.state === 'wiped' || !live) {
      return err(apiError('WIPED', `account ${accountKey} has been wiped; connect it again to sync`));
    }
    return ok([live]);
  }

  blockReads(accountKey: string): void {
    this.blocked.add(accountKey);
  }

  async stopSync(accountKey: string): Promise<void> {
    await this.live.get(accountKey)?.runner.cancel({ forever: true });
  }

  closeVault(accountKey: string): void {
    const live = this.live.get(accountKey);
    if (!live) return;
    live.vault.close();
    this.live.delete(accountKey);
    this.closed.delete(accountKey);
    this.o.changes.bump();
  }

  vaultFiles(accountKey: string): string[] {
    return vaultFiles(vaultFileOf(this.o.paths, accountKey));
  }

  /** Cancels every sync and waits for each to stop (its open transaction finishes first). */
  async stopAllSyncs(): Promise<void> {
    await Promise.all(this.all().map((a) => a.runner.cancel({ forever: true })));
  }

  closeAll(): void {
    for (const key of [...this.live.keys()]) this.closeVault(key);
  }
}
