import type { IconState } from './icons.js';
import { armedTarget, CONFIRM_WINDOW_MS, type AccountView, type ArmTarget, type TrayState } from './state.js';
import { counted } from '../core/words.js';
import { ago, fromNow } from '../platform/timeWords.js';
import type { KeyStatusView } from '../ipc/schemas.js';

// The tray menu as a pure function of the tray state and the time. The native tray (systray2)
// cannot add or remove items after it starts, so the menu has one fixed shape: every state
// yields the same items in the same order, and what varies is titles, checks, enabled and hidden.
// It is flat: with a submenu the tray program drops every separator (seen on Linux), so each
// account is a section of the menu, headed by its state line.
// Only ids, states, times and counts appear: never Zoom content.

export type MenuAction =
  | { kind: 'sync-now' }
  | { kind: 'set-paused'; paused: boolean }
  /** The first click on a destructive item: it now asks for a second one. */
  | { kind: 'arm'; target: ArmTarget }
  | { kind: 'purge-all' }
  | { kind: 'disconnect'; accountKey: string }
  | { kind: 'open-history' }
  | { kind: 'quit' };

export interface MenuItemModel {
  /** Stable across states: identifies the native item. */
  key: string;
  title: string;
  tooltip: string;
  enabled: boolean;
  checked: boolean;
  hidden: boolean;
  separator: boolean;
  /** What a click means now; null for lines that only inform. */
  action: MenuAction | null;
}

export interface MenuModel {
  icon: IconState;
  tooltip: string;
  items: MenuItemModel[];
}

/** Accounts shown one by one; more are summed up in one line. */
export const ACCOUNT_SLOTS = 5;

export const QUIT_TOOLTIP = 'Closes this icon only: the callvault daemon keeps running and keeps deleting data whose lease runs out.';
/**
 * The longest title a line may have. The menu is as wide as its widest line, and the tray program
 * (GTK) places a menu whose lines grew since it was last shown for its former width, so the growth
 * spills past the screen's edge on that first showing: short lines keep that spill small, and a
 * small screen (1024 px) holds the whole menu.
 */
export const MAX_TITLE_CHARS = 56;
const ERROR_MAX_CHARS = MAX_TITLE_CHARS - 'Error: '.length;
const AGAIN = `Click again within ${CONFIRM_WINDOW_MS / 1000} s to`;

/** Accounts whose data is on this machine (or about to be). */
function holdsData(account: AccountView): boolean {
  return account.state === 'active' || account.state === 'needs-auth' || account.state === 'connecting';
}

function progressOf(state: TrayState, account: AccountView): number | null {
  return state.progress[account.accountKey] ?? account.syncing?.progress ?? null;
}

function percent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export interface Summary {
  icon: IconState;
  headline: string;
}

/** The one line that says how things are, and the icon that goes with it (most urgent first). */
export function summarize(state: TrayState, localNow: number): Summary {
  const now = localNow + state.daemonOffsetMs;
  if (state.connection === 'reconnecting') return { icon: 'disconnected', headline: 'Daemon not running — reconnecting…' };
  const status = state.status;
  if (!status) return { icon: 'disconnected', headline: 'Connecting to the daemon…' };
  if (status.accounts.length === 0) return { icon: 'idle', headline: 'No Zoom account connected' };
  const live = status.accounts.filter(holdsData);
  if (live.length === 0) {
    const wiping = status.accounts.some((a) => a.state === 'wiping');
    return { icon: 'idle', headline: wiping ? 'Deleting local data…' : 'Local data deleted' };
  }
  // The device key out of reach: no vault opens until it is back, whatever else is going on.
  if (status.keys.state !== 'ready') return { icon: 'error', headline: KEY_WORDS[status.keys.state] };
  const progress = live.map((a) => progressOf(state, a)).filter((p): p is number => p !== null);
  if (progress.length > 0) {
    return { icon: 'syncing', headline: `Syncing ${percent(progress.reduce((sum, p) => sum + p, 0) / progress.length)}` };
  }
  if (live.some((a) => a.state === 'needs-auth')) return { icon: 'needs-sign-in', headline: 'Needs sign-in' };
  const failed = live.find((a) => a.lastError !== null);
  if (failed?.lastError) return { icon: 'error', headline: `Error: ${shorten(failed.lastError, ERROR_MAX_CHARS)}` };
  if (status.link.state === 'offline' || status.link.state === 'unverified') {
    // An unverified relay is as good as none: no lease from it counts.
    const words = status.link.state === 'offline' ? 'Offline' : 'Relay not verified';
    const deadlines = live.map((a) => a.leaseDeadline).filter((d): d is number => d !== null);
    return { icon: 'offline', headline: deadlines.length > 0 ? `${words} — data expires ${fromNow(Math.min(...deadlines), now)}` : words };
  }
  const paused = status.syncPaused ? ' · paused' : '';
  const syncTimes = live.map((a) => a.lastSyncAt);
  // The oldest account decides: "synced 5 min ago" must hold for every account.
  if (syncTimes.some((t) => t === null)) return { icon: 'synced', headline: `Not synced yet${paused}` };
  return { icon: 'synced', headline: `Synced ${ago(Math.min(...(syncTimes as number[])), now)}${paused}` };
}

const KEY_WORDS: Record<Exclude<KeyStatusView['state'], 'ready'>, string> = {
  locked: 'Keyring locked — unlock it to open the local copy',
  unavailable: 'No keyring answers — the local copy stays closed',
  missing: 'Device key gone from the keyring — see callvault status',
};

function item(key: string, title: string, options: Partial<Omit<MenuItemModel, 'key' | 'title'>> = {}): MenuItemModel {
  return { key, title: shorten(title, MAX_TITLE_CHARS), tooltip: '', enabled: true, checked: false, hidden: false, separator: false, action: null, ...options };
}

function separator(key: string): MenuItemModel {
  return item(key, '', { separator: true });
}

function info(key: string, title: string, hidden = false): MenuItemModel {
  return item(key, title, { enabled: false, hidden });
}

// The headline says "Local data deleted" once every account's data is gone; an account's own
// line says how it went, not the same words again.
const STATE_WORDS: Record<AccountView['state'], string> = {
  connecting: 'connecting',
  active: 'active',
  'needs-auth': 'needs sign-in',
  wiping: 'deleting local data…',
  wiped: 'deleted, receipt kept',
  expired: 'expired, deleted',
};

function accountItems(state: TrayState, accounts: readonly AccountView[], localNow: number, slot: number): MenuItemModel[] {
  const now = localNow + state.daemonOffsetMs;
  const account = accounts[slot];
  const key = `account-${slot}`;
  if (!account) return [info(key, '', true), info(`${key}-detail`, '', true), item(`${key}-disconnect`, '', { hidden: true, enabled: false })];
  const progress = progressOf(state, account);
  const lastSync =
    account.state === 'needs-auth'
      ? 'Sign in: callvault connect'
      : progress !== null
        ? `Syncing ${percent(progress)}`
        : account.lastSyncAt === null
          ? 'Not synced yet'
          : `Last sync ${ago(account.lastSyncAt, now)}`;
  const lease = holdsData(account) && account.leaseDeadline !== null ? ` · data expires ${fromNow(account.leaseDeadline, now)}` : '';
  const target = armedTarget(state, localNow);
  const confirming = target?.kind === 'disconnect' && target.accountKey === account.accountKey;
  return [
    info(key, `Zoom user ${account.zoomUserId} — ${STATE_WORDS[account.state]}`),
    // Sync times and a deadline mean nothing once the data is gone (the daemon keeps no sync time for it).
    info(`${key}-detail`, `${lastSync}${lease}`, !holdsData(account)),
    item(`${key}-disconnect`, confirming ? `${AGAIN} disconnect and delete` : 'Disconnect and delete…', {
      tooltip: 'Revokes callvault at Zoom, then deletes this account’s local copy (a signed receipt is kept)',
      hidden: !holdsData(account),
      action: confirming ? { kind: 'disconnect', accountKey: account.accountKey } : { kind: 'arm', target: { kind: 'disconnect', accountKey: account.accountKey } },
    }),
  ];
}

/** Accounts that hold data first (what the menu can act on), then those whose data is gone; each group in the daemon's order. */
function byRelevance(accounts: readonly AccountView[]): AccountView[] {
  return [...accounts.filter(holdsData), ...accounts.filter((a) => !holdsData(a))];
}

export function buildMenu(state: TrayState, now: number): MenuModel {
  const { icon, headline } = summarize(state, now);
  const status = state.connection === 'connected' ? state.status : null;
  const connected = status !== null;
  const accounts = byRelevance(status?.accounts ?? []);
  const notice = state.notice && now < state.notice.until ? state.notice.text : null;
  const confirmingPurge = armedTarget(state, now)?.kind === 'purge-all';
  const slots = Array.from({ length: ACCOUNT_SLOTS }, (_, slot) => accountItems(state, accounts, now, slot)).flat();
  const overflow = accounts.length - ACCOUNT_SLOTS;

  return {
    icon,
    tooltip: `callvault — ${headline}`,
    items: [
      info('headline', headline),
      info('notice', notice ?? '', notice === null),
      separator('sep-status'),
      item('sync-now', 'Sync now', {
        tooltip: 'Fetch new meetings and calls from Zoom now',
        enabled: connected && accounts.some(holdsData),
        action: { kind: 'sync-now' },
      }),
      item('pause', 'Pause syncing', {
        tooltip: 'Stop scheduled syncing until you resume it (data still expires on time)',
        enabled: connected,
        checked: status?.syncPaused ?? false,
        action: { kind: 'set-paused', paused: !(status?.syncPaused ?? false) },
      }),
      separator('sep-sync'),
      info('accounts-none', 'No Zoom account connected (run: callvault connect)', accounts.length > 0 || !connected),
      ...slots,
      info('accounts-more', `…and ${counted(overflow, 'more account')} (run: callvault status)`, overflow <= 0),
      separator('sep-accounts'),
      item('purge-all', confirmingPurge ? `${AGAIN} delete everything` : 'Purge all local data…', {
        tooltip: 'Deletes every account’s local copy now; a signed receipt is kept for each',
        enabled: connected && accounts.some(holdsData),
        action: confirmingPurge ? { kind: 'purge-all' } : { kind: 'arm', target: { kind: 'purge-all' } },
      }),
      item('open-history', 'Open history', { tooltip: 'Opens your meeting history in a terminal (callvault meetings)', action: { kind: 'open-history' } }),
      separator('sep-quit'),
      item('quit', 'Quit', { tooltip: QUIT_TOOLTIP, action: { kind: 'quit' } }),
    ],
  };
}
