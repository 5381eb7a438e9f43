import type { Clock } from '../core/clock.js';
import type { KeyStatus } from '../core/custody.js';
import type { ApiError } from '../core/errors.js';
import { apiError } from '../core/errors.js';
import type { ReceiptBody } from '../core/receipt.js';
import { err, ok, type Result } from '../core/result.js';
import type { Handlers } from '../ipc/router.js';
import { SerializedResult } from '../ipc/serialized.js';
import type { AccountStatus, LinkState, ReceiptView } from '../ipc/schemas.js';
import { toApiError, searchAcross, type Account, type ControlDb, type JsonPage, type Page, type StoreError } from '../store/index.js';
import type { AccountHost, LiveAccount } from './accounts.js';
import { replyMemo } from './replyMemo.js';

/** What the IPC handlers need from the running daemon. */
export interface DaemonState {
  control: ControlDb;
  host: AccountHost;
  clock: Clock;
  /** The count of in-memory changes `status` shows (changes.ts). */
  changes(): number;
  /** The guard's trusted time, which decides when a lease has run out. */
  trustedNow(): number;
  startedAt: number;
  version: string;
  protocol: number;
  link(): { state: LinkState; since: number | null };
  /** Where the device key is kept and whether the vaults can be opened with it. */
  keys(): KeyStatus;
  syncPaused(): boolean;
  setSyncPaused(paused: boolean): void;
  nextSyncAt(): number | null;
  leaseDeadline(accountKey: string): number | null;
  /** EXPIRED / WIPED when nothing may be served for the account. */
  servable(accountKey: string): Result<void, ApiError>;
  triggerSync(accountKey?: string): Result<string[], ApiError>;
  connect(): Promise<Result<{ loginId: string; url: string }, ApiError>>;
  disconnect(accountKey: string): Promise<Result<string, ApiError>>;
  purge(accountKey: string): Promise<Result<string, ApiError>>;
}

type Tagged<T> = T & { accountKey: string };

/** How long `status` may be served from memory without a look at its inputs' sources. */
const STATUS_MAX_AGE_MS = 1_000;

/** The IPC method table's handlers over the daemon's state. Reads check leases before touching a vault. */
export function createHandlers(d: DaemonState): Handlers {
  /** The accounts a read covers, each allowed to be served; a named account that may not be is an error. */
  const readable = (accountKey: string | undefined): Result<LiveAccount[], ApiError> => {
    const accounts = d.host.readable(accountKey);
    if (!accounts.ok) return accounts;
    if (accountKey !== undefined) {
      const servable = d.servable(accountKey);
      return servable.ok ? accounts : servable;
    }
    return ok(accounts.value.filter((a) => d.servable(a.accountKey).ok));
  };

  type ListResult<T> = { items: Array<Tagged<T>>; nextCursor: string | null };
  const list = <T extends { startTime: number }>(
    query: { account?: string; from?: number; to?: number; limit: number; cursor?: string },
    read: Reader<T>,
    tieBreak: (item: T) => string,
    readJson?: JsonReader,
  ): Result<ListResult<T> | SerializedResult<ListResult<T>>, ApiError> => {
    const accounts = readable(query.account);
    if (!accounts.ok) return accounts;
    const range = { from: query.from, to: query.to };
    if (query.account !== undefined) {
      const account = accounts.value[0];
      if (!account) return ok({ items: [], nextCursor: null });
      if (readJson) {
        // One account's page goes out as the JSON SQLite wrote: no row becomes an object.
        const page = readJson(account, { ...range, limit: query.limit, cursor: query.cursor });
        if (!page.ok) return err(toApiError(page.error));
        return ok(new SerializedResult<ListResult<T>>(`{"items":${page.value.itemsJson},"nextCursor":${JSON.stringify(page.value.nextCursor)}}`));
      }
      const page = read(account, { ...range, limit: query.limit, cursor: query.cursor });
      if (!page.ok) return err(toApiError(page.error));
      return ok({ items: page.value.items.map((item) => ({ ...item, accountKey: account.accountKey })), nextCursor: page.value.nextCursor });
    }
    return mergedPage(accounts.value, range, query.limit, query.cursor, read, tieBreak);
  };

  /** Expired: the lease ran out (asking enforces it at once), and the account is not already going. */
  const isExpired = (account: Account): boolean => account.state !== 'wiped' && account.state !== 'wiping' && !d.servable(account.accountKey).ok;
  const leaseDeadlineOf = (account: Account): number | null => (account.state === 'wiped' ? null : d.leaseDeadline(account.accountKey));

  const accountStatuses = (): AccountStatus[] =>
    d.control.accounts.list().map((account) => {
      const live = d.host.get(account.accountKey);
      return {
        accountKey: account.accountKey,
        zoomAccountId: account.zoomAccountId,
        zoomUserId: account.zoomUserId,
        state: isExpired(account) ? 'expired' : account.state,
        lastSyncAt: live?.lastSyncAt ?? null,
        nextSyncAt: live && !d.syncPaused() ? d.nextSyncAt() : null,
        syncing: live?.syncing ?? null,
        lastError: live?.lastError ?? null,
        throttledUntil: live?.throttledUntil ?? null,
        counts: live?.counts ?? { meetings: 0, participants: 0, recordings: 0, calls: 0 },
        leaseDeadline: leaseDeadlineOf(account),
      };
    });

  // What moves when anything status shows may have changed: the daemon's in-memory changes and
  // control.db's version (each a counter), what the scheduler and the link report, how many leases
  // have run out by trusted time, and the clock's second, so that anything missed here is at most
  // a second stale.
  const statusInputs = (): unknown[] => {
    const link = d.link();
    const keys = d.keys();
    const now = d.trustedNow();
    let runOut = 0;
    for (const lease of d.control.leases.list()) if (lease.deadline <= now) runOut++;
    return [d.changes(), d.control.version(), d.nextSyncAt(), d.syncPaused(), link.state, link.since, keys.custody, keys.state, keys.detail, runOut, Math.floor(d.clock.monotonic() / STATUS_MAX_AGE_MS)];
  };
  const status = replyMemo(statusInputs, () => ({
    daemonVersion: d.version,
    protocol: d.protocol,
    pid: process.pid,
    startedAt: d.startedAt,
    devicePublicKey: d.control.device().publicKeyDer.toString('base64'),
    deviceId: d.control.device().deviceId,
    link: d.link(),
    keys: d.keys(),
    syncPaused: d.syncPaused(),
    accounts: accountStatuses(),
  }));

  // Reads answer at once (in the turn their request arrived); only what waits on Zoom, the relay or
  // a wipe returns a promise.
  return {
    status: () => ok(status()),
    'accounts.list': () => ok({ accounts: accountStatuses() }),
    'accounts.connect': async () => d.connect(),
    'accounts.disconnect': async ({ account }) => {
      const receipt = await d.disconnect(account);
      return receipt.ok ? ok({ receiptId: receipt.value }) : receipt;
    },
    'meetings.list': (p) =>
      list(
        p,
        (a, q) => a.vault.listMeetings(q),
        (m) => m.uuid,
        (a, q) => a.vault.listMeetingsJson(q, a.accountKey),
      ),
    'calls.list': (p) =>
      list(
        p,
        (a, q) => a.vault.listCalls(q),
        (c) => c.id,
        (a, q) => a.vault.listCallsJson(q, a.accountKey),
      ),
    'recordings.list': (p) => list(p, (a, q) => a.vault.listRecordings(q), (r) => r.meetingUuid),
    'meetings.get': ({ account, uuid }) => {
      const accounts = readable(account);
      if (!accounts.ok) return accounts;
      for (const live of accounts.value) {
        const meeting = live.vault.getMeeting(uuid);
        if (meeting) return ok({ ...meeting, accountKey: live.accountKey });
      }
      return err(apiError('NOT_FOUND', 'no meeting with that uuid'));
    },
    search: ({ q, account, limit }) => {
      const accounts = readable(account);
      if (!accounts.ok) return accounts;
      const hits = searchAcross(
        accounts.value.map((a) => ({ accountKey: a.accountKey, vault: a.vault })),
        q,
        limit,
      );
      return hits.ok ? ok({ hits: hits.value }) : err(toApiError(hits.error));
    },
    'sync.now': ({ account }) => {
      const started = d.triggerSync(account);
      return started.ok ? ok({ started: started.value }) : started;
    },
    'sync.pause': ({ paused }) => {
      d.setSyncPaused(paused);
      return ok({ paused: d.syncPaused() });
    },
    purge: async ({ account, all }) => {
      const keys = all
        ? d.control.accounts
            .list()
            .filter((a) => a.state !== 'wiped')
            .map((a) => a.accountKey)
        : [account as string];
      const receiptIds: string[] = [];
      for (const key of keys) {
        const receipt = await d.purge(key);
        if (!receipt.ok) return receipt;
        receiptIds.push(receipt.value);
      }
      return ok({ receiptIds });
    },
    'receipts.list': ({ account }) => {
      const wipes = new Map(d.control.receipts.list().map((r) => [r.id, r]));
      const accountOf = (wipeId: string): string | null => d.control.wipes.get(wipeId)?.accountKey ?? null;
      const receipts: ReceiptView[] = [];
      for (const stored of wipes.values()) {
        if (account !== undefined && accountOf(stored.wipeId) !== account) continue;
        const body = JSON.parse(stored.body) as ReceiptBody;
        receipts.push({
          id: body.id,
          commandId: body.commandId,
          zoomAccountId: body.zoomAccountId,
          zoomUserId: body.zoomUserId,
          reason: body.reason,
          requestedAt: body.requestedAt,
          completedAt: body.completedAt,
          filesRemoved: body.filesRemoved,
          bytesRemoved: body.bytesRemoved,
          verified: body.verified,
          // Only when signed: the signature covers exactly the fields the device put in.
          ...(body.method !== undefined && { method: body.method }),
          ...(body.keyCustody !== undefined && { keyCustody: body.keyCustody }),
          signature: stored.signature,
          acked: stored.ackedAt !== null,
        });
      }
      return ok({ receipts });
    },
  };
}

type ListQuery = { from?: number; to?: number; limit: number; cursor?: string };
type Reader<T> = (account: LiveAccount, query: ListQuery) => Result<Page<T>, StoreError>;
type JsonReader = (account: LiveAccount, query: ListQuery) => Result<JsonPage, StoreError>;

/** Per account: the store's cursor after the rows already served, null at the start, or done. */
type MergeCursor = Record<string, string | null | 0>;

// `m~<accountKey>=<store cursor>~<accountKey>=` ('' before the first row, '0' when done): short
// enough to paste, since account keys and store cursors are base64url and hold neither ~ nor =.
function encodeMergeCursor(cursor: MergeCursor): string {
  return `m${Object.entries(cursor)
    .map(([key, position]) => `~${key}=${position === 0 ? '0' : (position ?? '')}`)
    .join('')}`;
}

function decodeMergeCursor(text: string | undefined): MergeCursor | null {
  if (text === undefined) return {};
  if (!text.startsWith('m~')) return null;
  const cursor: MergeCursor = {};
  for (const part of text.slice(2).split('~')) {
    const match = /^(a_[0-9a-f]{24})=([A-Za-z0-9_-]*)$/.exec(part);
    if (!match || !match[1]) return null;
    cursor[match[1]] = match[2] === '0' ? 0 : match[2] || null;
  }
  return cursor;
}

/**
 * One page across several vaults, newest first: a k-way merge of each vault's keyset pages. The
 * cursor holds each vault's own cursor after the rows already served.
 */
function mergedPage<T extends { startTime: number }>(
  accounts: LiveAccount[],
  range: { from?: number; to?: number },
  limit: number,
  cursorText: string | undefined,
  read: Reader<T>,
  tieBreak: (item: T) => string,
): Result<{ items: Array<Tagged<T>>; nextCursor: string | null }, ApiError> {
  const cursor = decodeMergeCursor(cursorText);
  if (!cursor) return err(apiError('BAD_REQUEST', 'cursor is not one this list gave out'));
  const candidates: Array<{ account: LiveAccount; item: T }> = [];
  const pages = new Map<LiveAccount, Page<T>>();
  for (const account of accounts) {
    const position = cursor[account.accountKey];
    if (position === 0) continue;
    const page = read(account, { ...range, limit, cursor: position ?? undefined });
    if (!page.ok) return err(toApiError(page.error));
    pages.set(account, page.value);
    for (const item of page.value.items) candidates.push({ account, item });
  }
  candidates.sort((a, b) => b.item.startTime - a.item.startTime || (tieBreak(b.item) < tieBreak(a.item) ? -1 : tieBreak(b.item) > tieBreak(a.item) ? 1 : 0));
  const served = candidates.slice(0, limit);
  const next: MergeCursor = { ...cursor };
  let more = false;
  for (const account of accounts) {
    const position = cursor[account.accountKey];
    if (position === 0) continue;
    const taken = served.filter((c) => c.account === account).length;
    const offered = candidates.filter((c) => c.account === account).length;
    // All offered rows served: the page's own cursor follows them. Otherwise re-reading exactly
    // `taken` rows from the old position yields the store's cursor after them.
    const page = pages.get(account);
    const after =
      taken === 0
        ? { ok: true as const, value: { items: [], nextCursor: position ?? null } }
        : taken === offered && page
          ? { ok: true as const, value: page }
          : read(account, { ...range, limit: taken, cursor: position ?? undefined });
    if (!after.ok) return err(toApiError(after.error));
    const exhausted = taken === offered && offered < limit;
    next[account.accountKey] = exhausted || (taken > 0 && after.value.nextCursor === null) ? 0 : after.value.nextCursor;
    if (next[account.accountKey] !== 0) more = true;
  }
  return ok({
    items: served.map(({ account, item }) => ({ ...item, accountKey: account.accountKey })),
    nextCursor: more ? encodeMergeCursor(next) : null,
  });
}
