import type { Clock } from '../core/clock.js';
import type { KeyStatus } from '../core/custody.js';
import type { ApiError } from '../core/errors.js';
import { apiError } from '../core/errors.js';
import type { ReceiptBody } from '../core/receipt.js';
import { err, ok, type Result } from '../core/result.js';
import type { Handlers } from '../ipc/router.js';
import { SerializedResult } from '../ipc/serialized.js';
import type { ParamsOf, ResultOf } from '../ipc/protocol.js';
import type { AccountStatus, LinkState, OmittedAccount, ReceiptView } from '../ipc/schemas.js';
import { LEASE_WARNING_MS } from '../guard/leases.js';
import { toApiError, searchAcross, type Account, type ControlDb, type JsonPage, type Page, type StoreError } from '../store/index.js';
import type { AccountHost, LiveAccount } from './accounts.js';
import { callsAvailability } from '../sync/accountMeta.js';
import { historyCompleteness } from './historyStatus.js';
import { decodeCursor, encodeCursor, type Position, type ReadKind } from './readCursor.js';
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
  /** Since when Zoom's meeting.ended events reach the account (relay enrollment); null without the relay. */
  meetingEventsSince(accountKey: string): number | null;
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

type ListKind = 'meetings' | 'calls' | 'recordings';

/** What a read covers: one account, or every account (with those left out and why). */
type ReadPlan =
  | { scope: 'one'; account: LiveAccount; position: Position }
  | { scope: 'all'; sources: Array<{ account: LiveAccount; position: Position }>; done: string[]; omitted: OmittedAccount[] };

/** The IPC method table's handlers over the daemon's state. Reads check leases before touching a vault. */
export function createHandlers(d: DaemonState): Handlers {
  /** One account, allowed to be served: WIPED, EXPIRED or NOT_FOUND otherwise. */
  const readableOne = (accountKey: string): Result<LiveAccount, ApiError> => {
    const accounts = d.host.readable(accountKey);
    if (!accounts.ok) return accounts;
    const servable = d.servable(accountKey);
    if (!servable.ok) return servable;
    const [account] = accounts.value;
    return account ? ok(account) : err(apiError('WIPED', `account ${accountKey} has been wiped; connect it again to sync`));
  };

  /**
   * Which accounts a read covers, from its `account` and `cursor`. A cursor names its accounts, so
   * a read through one names them even when the request does not.
   */
  const plan = (kind: ReadKind, accountKey: string | undefined, cursorText: string | undefined, q?: string): Result<ReadPlan, ApiError> => {
    const cursor = cursorText === undefined ? null : decodeCursor(cursorText, kind, q);
    if (cursorText !== undefined && !cursor) {
      return err(apiError('BAD_REQUEST', kind === 'search' ? 'cursor is not one this search (these words) gave out' : `cursor is not one ${kind}.list gave out`));
    }
    const [named] = cursor?.scope === 'one' ? [...cursor.positions.keys()] : [];
    if (accountKey !== undefined && cursor && named !== accountKey) return err(apiError('BAD_REQUEST', 'cursor is for another read: give the account it came with'));
    const oneKey = accountKey ?? named;
    if (oneKey !== undefined) {
      const account = readableOne(oneKey);
      if (!account.ok) return account;
      return ok({ scope: 'one', account: account.value, position: cursor?.positions.get(oneKey) ?? null });
    }
    const sources: Array<{ account: LiveAccount; position: Position }> = [];
    const done: string[] = [];
    const omitted: OmittedAccount[] = [];
    for (const account of d.control.accounts.list()) {
      const position = cursor?.positions.get(account.accountKey);
      // Left out: an account whose data this read would have shown. One wiped long ago, or one
      // still connecting, has none; one wiped since the cursor was given out had some.
      if (account.state === 'connecting' || (account.state === 'wiped' && (position === undefined || position === 'done'))) continue;
      const readable = readableOne(account.accountKey);
      if (!readable.ok) {
        if (position !== 'done') omitted.push({ accountKey: account.accountKey, code: readable.error.code === 'EXPIRED' ? 'EXPIRED' : 'WIPED' });
      } else if (position === 'done') {
        done.push(account.accountKey);
      } else {
        sources.push({ account: readable.value, position: position ?? null });
      }
    }
    return ok({ scope: 'all', sources, done, omitted });
  };

  type ListResult<T> = { items: Array<Tagged<T>>; nextCursor: string | null; omitted: OmittedAccount[] };
  const list = <T extends { startTime: number }>(
    kind: ListKind,
    query: { account?: string; from?: number; to?: number; limit: number; cursor?: string },
    read: Reader<T>,
    tieBreak: (item: T) => string,
    readJson?: JsonReader,
  ): Result<ListResult<T> | SerializedResult<ListResult<T>>, ApiError> => {
    const planned = plan(kind, query.account, query.cursor);
    if (!planned.ok) return planned;
    const range = { from: query.from, to: query.to };
    if (planned.value.scope === 'all') return mergedPage(kind, planned.value, range, query.limit, read, tieBreak);
    const { account, position } = planned.value;
    if (position === 'done') return ok({ items: [], nextCursor: null, omitted: [] });
    const q = { ...range, limit: query.limit, cursor: position ?? undefined };
    const next = (storeCursor: string | null): string | null => (storeCursor === null ? null : encodeCursor(kind, 'one', [[account.accountKey, storeCursor]]));
    if (readJson) {
      // One account's page goes out as the JSON SQLite wrote: no row becomes an object.
      const page = readJson(account, q);
      if (!page.ok) return err(toApiError(page.error));
      return ok(new SerializedResult<ListResult<T>>(`{"items":${page.value.itemsJson},"nextCursor":${JSON.stringify(next(page.value.nextCursor))},"omitted":[]}`));
    }
    const page = read(account, q);
    if (!page.ok) return err(toApiError(page.error));
    return ok({ items: page.value.items.map((item) => ({ ...item, accountKey: account.accountKey })), nextCursor: next(page.value.nextCursor), omitted: [] });
  };

  const search = (params: ParamsOf<'search'>): Result<ResultOf<'search'>, ApiError> => {
    const planned = plan('search', params.account, params.cursor, params.q);
    if (!planned.ok) return planned;
    const sources = planned.value.scope === 'one' ? [planned.value] : planned.value.sources;
    const live = sources.filter((s) => s.position !== 'done').map(({ account, position }) => ({ accountKey: account.accountKey, vault: account.vault, after: position === 'done' ? null : position }));
    const found = searchAcross(live, params.q, params.limit);
    if (!found.ok) return err(toApiError(found.error));
    const { hits, positions } = found.value;
    const omitted = planned.value.scope === 'all' ? planned.value.omitted : [];
    const scope = planned.value.scope;
    if (scope === 'all') for (const key of planned.value.done) positions.set(key, 'done');
    const more = [...positions.values()].some((p) => p !== 'done');
    return ok({ hits, nextCursor: more ? encodeCursor('search', scope, positions, params.q) : null, omitted });
  };

  /** Expired: the lease ran out (asking enforces it at once), and the account is not already going. */
  const isExpired = (account: Account): boolean => account.state !== 'wiped' && account.state !== 'wiping' && !d.servable(account.accountKey).ok;
  const leaseDeadlineOf = (account: Account): number | null => (account.state === 'wiped' ? null : d.leaseDeadline(account.accountKey));

  const accountStatuses = (now: number): AccountStatus[] =>
    d.control.accounts.list().map((account) => {
      const live = d.host.get(account.accountKey);
      const deadline = leaseDeadlineOf(account);
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
        leaseDeadline: deadline,
        leaseTimeLeftMs: deadline === null ? null : Math.max(0, deadline - now),
        leaseWarning: deadline !== null && deadline - now <= LEASE_WARNING_MS,
        history: live?.vault.isOpen ? historyCompleteness(d.meetingEventsSince(account.accountKey), callsAvailability(live.vault)) : null,
      };
    });

  // What moves when anything status shows may have changed: the daemon's in-memory changes and
  // control.db's version (each a counter), what the scheduler and the link report, how many leases
  // are in their warning or have run out by trusted time, and the clock's second, so that anything
  // missed here (the time left) is at most a second stale.
  const statusInputs = (): unknown[] => {
    const link = d.link();
    const keys = d.keys();
    const now = d.trustedNow();
    let runOut = 0;
    let warning = 0;
    for (const lease of d.control.leases.list()) {
      if (lease.deadline <= now) runOut++;
      else if (lease.deadline - now <= LEASE_WARNING_MS) warning++;
    }
    return [d.changes(), d.control.version(), d.nextSyncAt(), d.syncPaused(), link.state, link.since, keys.custody, keys.state, keys.detail, runOut, warning, Math.floor(d.clock.monotonic() / STATUS_MAX_AGE_MS)];
  };
  const status = replyMemo(statusInputs, () => {
    const now = d.trustedNow();
    return {
      daemonVersion: d.version,
      protocol: d.protocol,
      pid: process.pid,
      startedAt: d.startedAt,
      serverTime: now,
      devicePublicKey: d.control.device().publicKeyDer.toString('base64'),
      deviceId: d.control.device().deviceId,
      link: d.link(),
      keys: d.keys(),
      syncPaused: d.syncPaused(),
      accounts: accountStatuses(now),
    };
  });

  // Reads answer at once (in the turn their request arrived); only what waits on Zoom, the relay or
  // a wipe returns a promise.
  return {
    status: () => ok(status()),
    'accounts.list': () => ok({ accounts: accountStatuses(d.trustedNow()) }),
    'accounts.connect': async () => d.connect(),
    'accounts.disconnect': async ({ account }) => {
      const receipt = await d.disconnect(account);
      return receipt.ok ? ok({ receiptId: receipt.value }) : receipt;
    },
    'meetings.list': (p) =>
      list(
        'meetings',
        p,
        (a, q) => a.vault.listMeetings(q),
        (m) => m.uuid,
        (a, q) => a.vault.listMeetingsJson(q, a.accountKey),
      ),
    'calls.list': (p) =>
      list(
        'calls',
        p,
        (a, q) => a.vault.listCalls(q),
        (c) => c.id,
        (a, q) => a.vault.listCallsJson(q, a.accountKey),
      ),
    'recordings.list': (p) => list('recordings', p, (a, q) => a.vault.listRecordings(q), (r) => r.meetingUuid),
    'meetings.get': ({ account, uuid }) => {
      let accounts: LiveAccount[];
      if (account === undefined) {
        accounts = d.host.all().filter((a) => readableOne(a.accountKey).ok);
      } else {
        const one = readableOne(account);
        if (!one.ok) return one;
        accounts = [one.value];
      }
      for (const live of accounts) {
        const meeting = live.vault.getMeeting(uuid);
        if (meeting) return ok({ ...meeting, accountKey: live.accountKey });
      }
      return err(apiError('NOT_FOUND', 'no meeting with that uuid'));
    },
    search,
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

/**
 * One page across several vaults, newest first: a k-way merge of each vault's keyset pages. The
 * cursor holds each vault's own cursor after the rows already served.
 */
function mergedPage<T extends { startTime: number }>(
  kind: ListKind,
  planned: Extract<ReadPlan, { scope: 'all' }>,
  range: { from?: number; to?: number },
  limit: number,
  read: Reader<T>,
  tieBreak: (item: T) => string,
): Result<{ items: Array<Tagged<T>>; nextCursor: string | null; omitted: OmittedAccount[] }, ApiError> {
  const candidates: Array<{ account: LiveAccount; item: T }> = [];
  const pages = new Map<LiveAccount, Page<T>>();
  for (const { account, position } of planned.sources) {
    const page = read(account, { ...range, limit, cursor: position === null || position === 'done' ? undefined : position });
    if (!page.ok) return err(toApiError(page.error));
    pages.set(account, page.value);
    for (const item of page.value.items) candidates.push({ account, item });
  }
  candidates.sort((a, b) => b.item.startTime - a.item.startTime || (tieBreak(b.item) < tieBreak(a.item) ? -1 : tieBreak(b.item) > tieBreak(a.item) ? 1 : 0));
  const served = candidates.slice(0, limit);
  const next = new Map<string, Position>(planned.done.map((key) => [key, 'done']));
  for (const { account, position } of planned.sources) {
    const taken = served.filter((c) => c.account === account).length;
    const offered = candidates.filter((c) => c.account === account).length;
    const from = position === 'done' ? undefined : (position ?? undefined);
    // All offered rows served: the page's own cursor follows them. Otherwise re-reading exactly
    // `taken` rows from the old position yields the store's cursor after them.
    const page = pages.get(account);
    const after =
      taken === 0
        ? { ok: true as const, value: { items: [], nextCursor: position === 'done' ? null : position } }
        : taken === offered && page
          ? { ok: true as const, value: page }
          : read(account, { ...range, limit: taken, cursor: from });
    if (!after.ok) return err(toApiError(after.error));
    const exhausted = taken === offered && offered < limit;
    next.set(account.accountKey, exhausted || (taken > 0 && after.value.nextCursor === null) ? 'done' : after.value.nextCursor);
  }
  const more = [...next.values()].some((p) => p !== 'done');
  return ok({
    items: served.map(({ account, item }) => ({ ...item, accountKey: account.accountKey })),
    nextCursor: more ? encodeCursor(kind, 'all', next) : null,
    omitted: planned.omitted,
  });
}
