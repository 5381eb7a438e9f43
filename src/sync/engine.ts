import type { Clock } from '../core/clock.js';
import { WINDOWED_RESOURCES, type MeetingRecord, type ParticipantRecord, type Resource, type WindowedResource } from '../core/records.js';
import type { ParticipantsDue } from '../store/index.js';
import { ok, type Result } from '../core/result.js';
import type { Logger } from '../platform/logger.js';
import { callsAvailability, CALLS_RECHECK_MS, markCallsAvailable, markCallsUnavailable, ME_CHECKED_KEY, PMI_KEY } from './accountMeta.js';
import { RunProgress } from './progress.js';
import type { HistorySource, ListQuery, PageResult, SourceFailure } from './source.js';
import { DAY_MS, historyStart, isFinal, planWindows, requestRange, windowContaining, type WindowKey } from './windows.js';
import type { SyncVault } from './vaultPort.js';

/** Zoom's page tokens live 15 minutes; a stored one older than this is not worth trying. */
const PAGE_TOKEN_TTL_MS = 14 * 60 * 1000;
/** Zoom reports participant durations as 0 when asked too soon after a meeting ends. */
const PARTICIPANTS_SETTLE_MS = 15 * 60 * 1000;
const RETENTION_SWEEP_EVERY_MS = DAY_MS;
/** /users/me is asked again after this long: a user may change the PMI, rarely. */
const ME_RECHECK_MS = 7 * DAY_MS;
/**
 * Without Zoom's meeting.ended events, the PMI's instances are the only way to learn of meetings on
 * it: listed again after this long.
 */
const PMI_RELIST_MS = DAY_MS;
/** More than any history holds: all of them are asked for at once. */
const BATCH = 100_000;
const DEFAULT_CONCURRENCY = 4;

/** A unit of a run's work: a windowed resource, the meeting pipeline (IDs, instances, details), or participant lists. */
export type SyncUnit = Resource | 'participants';

export interface SyncProgressEvent {
  type: 'progress';
  accountKey: string;
  resource: SyncUnit;
  /** 0..1 over the work known so far in this run; never decreases, and 1 once the run is over. */
  progress: number;
  itemsStored: number;
}

export interface SyncFailureNote {
  resource: SyncUnit;
  windowStart: number | null;
  kind: SourceFailure['kind'];
}

export interface SyncReport {
  accountKey: string;
  startedAt: number;
  finishedAt: number;
  /**
   * ok: everything asked for was fetched; partial: some units failed or were throttled;
   * needs-auth: Zoom refused the grant in a way a new sign-in cures.
   */
  outcome: 'ok' | 'partial' | 'dead-grant' | 'needs-auth' | 'aborted';
  /** Zoom's code for a dead grant or a refused one; null otherwise. */
  deadGrantReason: string | null;
  windowsFetched: number;
  windowsSkipped: number;
  windowsFailed: number;
  pages: number;
  itemsStored: number;
  /** Rows deleted because Zoom no longer lists them, by resource. */
  removed: Record<WindowedResource, number>;
  participantMeetings: number;
  throttledUntil: number | null;
  failures: SyncFailureNote[];
}

export interface SyncOptions {
  accountKey: string;
  vault: SyncVault;
  source: HistorySource;
  clock: Clock;
  log: Logger;
  /** How far back to sync; never further than `retentionDays` (rows older than that are not kept). */
  historyDays: number;
  retentionDays: number;
  /**
   * Since when Zoom's meeting.ended events reach this account (through the relay), or null when
   * they do not: then the PMI's instances are listed daily, the only other way to learn of them.
   */
  meetingEventsSince: number | null;
  onProgress?: (event: SyncProgressEvent) => void;
  /** Requests of one kind in flight at once (instances, details, participant lists); the rate limiter paces them, this hides latency. */
  concurrency?: number;
}

type NextPage = { token: string; issuedAt: number } | null;

interface FetchedPage {
  count: number;
  nextPageToken: string | null;
  save(next: NextPage, fetchedAt: number): void;
}

function fetched<T>(result: PageResult<T>, save: (items: T[], next: NextPage, fetchedAt: number) => void): Result<FetchedPage, SourceFailure> {
  if (!result.ok) return result;
  const { items, nextPageToken } = result.value;
  return ok({ count: items.length, nextPageToken, save: (next, fetchedAt) => save(items, next, fetchedAt) });
}

/** A failure that ends the whole run, not just one unit. */
class RunStop {
  constructor(readonly failure: Extract<SourceFailure, { kind: 'dead-grant' | 'needs-auth' | 'aborted' }>) {}
}

/** A report of a run that did nothing (yet): the start of every run, and a run cancelled before it began. */
export function emptyReport(accountKey: string, now: number, outcome: SyncReport['outcome']): SyncReport {
  return {
    accountKey,
    startedAt: now,
    finishedAt: now,
    outcome,
    deadGrantReason: null,
    windowsFetched: 0,
    windowsSkipped: 0,
    windowsFailed: 0,
    pages: 0,
    itemsStored: 0,
    removed: { recordings: 0, calls: 0 },
    participantMeetings: 0,
    throttledUntil: null,
    failures: [],
  };
}

/**
 * One sync run of one account: the retention sweep (when due); the meeting IDs the user has
 * (/users/me for the PMI, previous_meetings); then newest window first across recordings and calls
 * (a checkpoint per page and per window; a recording teaches its meeting's ID), each followed by
 * the meeting pipeline: the ended instances of every ID not yet listed, each new instance's
 * details, and the participants of new meetings. Failures are recorded per unit; only a dead or
 * refused grant or an abort ends the run early.
 */
export async function syncAccount(options: SyncOptions, signal: AbortSignal): Promise<SyncReport> {
  return new SyncRun(options, signal).run();
}

class SyncRun {
  private readonly report: SyncReport;
  private readonly stopped = new Set<SyncUnit>();
  private readonly progress = new RunProgress();
  /** What this run has asked for (or given up on): each is tried once a run. */
  private readonly tried = new Set<string>();
  private readonly now: number;
  private readonly meetingsSince: number;

  constructor(
    private readonly o: SyncOptions,
    private readonly signal: AbortSignal,
  ) {
    this.now = o.clock.now();
    this.report = emptyReport(o.accountKey, this.now, 'ok');
    this.meetingsSince = historyStart('meetings', this.now, this.historyDays());
  }

  async run(): Promise<SyncReport> {
    try {
      // Before fetching: a run cut short still enforces retention.
      this.sweepRetentionIfDue();
      await this.fetchAll();
    } catch (e) {
      if (!(e instanceof RunStop)) throw e;
      const { failure } = e;
      this.report.outcome = failure.kind;
      if (failure.kind !== 'aborted') this.report.deadGrantReason = failure.reason;
    }
    if (this.report.outcome === 'ok' && (this.report.windowsFailed > 0 || this.report.failures.length > 0)) this.report.outcome = 'partial';
    this.report.finishedAt = this.o.clock.now();
    this.o.log.info(
      {
        account: this.o.accountKey,
        outcome: this.report.outcome,
        windowsFetched: this.report.windowsFetched,
        windowsFailed: this.report.windowsFailed,
        pages: this.report.pages,
        items: this.report.itemsStored,
        removed: this.report.removed.recordings + this.report.removed.calls,
        ms: this.report.finishedAt - this.report.startedAt,
      },
      'sync finished',
    );
    return this.report;
  }

  private historyDays(): number {
    return Math.min(this.o.historyDays, this.o.retentionDays);
  }

  private async fetchAll(): Promise<void> {
    const plans = new Map<WindowedResource, { horizon: number; windows: WindowKey[] }>();
    for (const resource of WINDOWED_RESOURCES) {
      if (resource === 'calls' && this.callsKnownUnavailable()) continue;
      const horizon = historyStart(resource, this.now, this.historyDays());
      const windows = planWindows(this.now, horizon).filter((w) => {
        if (!isFinal(w, this.o.vault.getWindow(resource, w.start))) return true;
        this.report.windowsSkipped++;
        return false;
      });
      plans.set(resource, { horizon, windows });
      this.progress.plan(windows.length);
    }
    this.progress.plan(1);
    await this.learnMeetingIds();
    this.settle('meetings');
    const depth = Math.max(...[...plans.values()].map((p) => p.windows.length), 0);
    // Interleaved newest-first: the latest month of recordings and calls, then the meetings of that
    // month (their details and participants), before anything older.
    let month = windowContaining(this.now);
    for (let i = 0; i < depth; i++, month = windowContaining(month.start - 1)) {
      for (const [resource, plan] of plans) {
        const window = plan.windows[i];
        if (!window) continue;
        if (this.stopped.has(resource)) this.settle(resource);
        else await this.fetchWindow(resource, window, plan.horizon);
      }
      await this.fetchMeetings(month.start);
    }
    await this.fetchMeetings(Number.NEGATIVE_INFINITY);
    // Whatever was planned and not reached is settled with the last unit.
    this.emitProgress('participants', this.progress.settleAll());
  }

  /** The user's meeting IDs: the PMI (/users/me, weekly) and the unexpired scheduled and recurring ones (previous_meetings). */
  private async learnMeetingIds(): Promise<void> {
    const { vault, source } = this.o;
    const checkedAt = Number(vault.getMeta(ME_CHECKED_KEY) ?? '0');
    if (this.now - checkedAt >= ME_RECHECK_MS) {
      this.throwIfAborted();
      const me = await source.getMe(this.signal);
      if (!me.ok) return this.failUnit('meetings', null, me.error);
      if (me.value.pmi) {
        vault.rememberMeetingId(me.value.pmi, 'pmi', this.now);
        vault.setMeta(PMI_KEY, me.value.pmi);
      }
      vault.setMeta(ME_CHECKED_KEY, String(this.now));
    }
    const pmi = vault.getMeta(PMI_KEY);
    if (pmi && this.o.meetingEventsSince === null) {
      const listedAt = vault.meetingIdListedAt(pmi);
      if (typeof listedAt === 'number' && this.now - listedAt >= PMI_RELIST_MS) vault.relistMeetingId(pmi);
    }
    let pageToken: string | undefined;
    let restarted = false;
    for (;;) {
      this.throwIfAborted();
      const page = await source.listPreviousMeetings({ pageToken, signal: this.signal });
      if (!page.ok) {
        if (page.error.kind === 'page-token-expired' && !restarted) {
          restarted = true;
          pageToken = undefined;
          continue;
        }
        return this.failUnit('meetings', null, page.error);
      }
      this.report.pages++;
      for (const row of page.value.items) {
        vault.rememberMeetingId(row.meetingId, 'listed', this.now);
        // The row describes an instance (the latest, in the simulator) not known here: the ID has
        // been used again since its instances were listed.
        const recentEnough = row.startTime === null || row.startTime >= this.meetingsSince;
        if (row.uuid && recentEnough && !vault.knowsMeeting(row.uuid) && vault.meetingIdListedAt(row.meetingId) !== null) vault.relistMeetingId(row.meetingId);
      }
      if (!page.value.nextPageToken) return;
      pageToken = page.value.nextPageToken;
    }
  }

  /**
   * The meeting pipeline: the instances of every ID due, then, for the meetings that started since
   * `since` (newest first), each new instance's details followed at once by its participants, and
   * the participants of meetings stored earlier. Details draw on Zoom's Light rate limit and
   * participant lists on its Medium one: side by side, neither waits for the other.
   */
  private async fetchMeetings(since: number): Promise<void> {
    const { vault } = this.o;
    await this.eachConcurrently(
      vault.meetingIdsToList().filter((id) => this.firstTry(`instances:${id}`)),
      () => 'meetings',
      (id) => this.fetchInstances(id),
    );
    const details = vault.pendingInstances(BATCH).flatMap((p) => (p.startTime >= since && this.firstTry(`details:${p.uuid}`) ? [{ unit: 'meetings' as const, uuid: p.uuid }] : []));
    const participants = this.participantsDue(since).map((m) => ({ unit: 'participants' as const, uuid: m.uuid }));
    await this.eachConcurrently([...details, ...participants], (item) => item.unit, async (item) => {
      if (item.unit === 'participants') return this.fetchParticipantsOf(item.uuid);
      const meeting = await this.fetchDetails(item.uuid);
      if (!meeting || this.stopped.has('participants') || !this.settled(meeting.endTime ?? meeting.startTime + meeting.durationMinutes * 60_000)) return;
      if (!this.firstTry(`participants:${meeting.uuid}`)) return;
      this.progress.plan(1);
      await this.fetchParticipantsOf(meeting.uuid);
    });
  }

  /** A meeting that ended at `endsAt` has settled at Zoom (PARTICIPANTS_SETTLE_MS). */
  private settled(endsAt: number): boolean {
    return endsAt <= this.o.clock.now() - PARTICIPANTS_SETTLE_MS;
  }

  /**
   * Meetings since `since` without participants yet, settled, and not tried earlier in this run: a
   * list that failed waits for the next run rather than costing requests again now.
   */
  private participantsDue(since: number): ParticipantsDue[] {
    return this.o.vault.meetingsNeedingParticipants(BATCH).filter((m) => m.startTime >= since && this.settled(m.endsAt) && this.firstTry(`participants:${m.uuid}`));
  }

  private async fetchInstances(meetingId: string): Promise<void> {
    const result = await this.o.source.listInstances(meetingId, this.signal);
    if (!result.ok) {
      // Zoom no longer knows the ID (it was deleted): nothing more to list of it.
      if (result.error.kind === 'not-found') this.o.vault.saveInstances(meetingId, [], this.now);
      else return this.failUnit('meetings', null, result.error);
    } else {
      this.report.pages++;
      const instances = result.value.flatMap((i) => (i.startTime !== null && i.startTime >= this.meetingsSince ? [{ uuid: i.uuid, meetingId, startTime: i.startTime }] : []));
      this.o.vault.saveInstances(meetingId, instances, this.now);
    }
    this.settle('meetings');
  }

  /** Fetches and stores one instance's details; the meeting record when stored. */
  private async fetchDetails(meetingUuid: string): Promise<MeetingRecord | null> {
    const result = await this.o.source.getPastMeeting(meetingUuid, this.signal);
    if (!result.ok) {
      if (result.error.kind !== 'not-found') {
        this.failUnit('meetings', null, result.error);
        return null;
      }
      // Older than a year, or deleted at Zoom.
      this.o.vault.markDetailsUnavailable(meetingUuid, this.now);
      this.settle('meetings');
      return null;
    }
    this.report.pages++;
    this.report.itemsStored++;
    this.o.vault.saveMeetingDetails(result.value, this.o.clock.now());
    this.settle('meetings');
    return result.value;
  }

  private async fetchWindow(resource: WindowedResource, window: WindowKey, horizon: number): Promise<void> {
    const range = requestRange(window, this.now, horizon);
    const stored = this.o.vault.getWindow(resource, window.start);
    const resumable = stored?.status === 'open' && stored.pageToken !== null && stored.pageTokenIssuedAt !== null && this.now - stored.pageTokenIssuedAt < PAGE_TOKEN_TTL_MS;
    // A pass that cannot be resumed starts over, and so do the window's page counters.
    if (stored?.pageToken && !resumable) this.o.vault.restartWindow(resource, window.start);
    let pageToken = resumable ? (stored.pageToken ?? undefined) : undefined;
    let restarted = false;
    for (;;) {
      this.throwIfAborted();
      const result = await this.fetchPage(resource, window, { ...range, pageToken, signal: this.signal });
      if (!result.ok) {
        const failure = result.error;
        if (failure.kind === 'page-token-expired' && !restarted) {
          // The window is fetched again from its first page; stored rows stay, upserts are idempotent.
          restarted = true;
          pageToken = undefined;
          this.o.vault.restartWindow(resource, window.start);
          continue;
        }
        if (resource === 'calls' && (failure.kind === 'not-found' || failure.kind === 'forbidden')) return this.callsUnavailable();
        return this.failUnit(resource, window, failure);
      }
      const fetchedAt = this.o.clock.now();
      const next = result.value.nextPageToken ? { token: result.value.nextPageToken, issuedAt: fetchedAt } : null;
      // The page and the token of the next one are stored together before the next is fetched.
      result.value.save(next, fetchedAt);
      this.report.pages++;
      this.report.itemsStored += result.value.count;
      if (!next) break;
      pageToken = next.token;
    }
    if (resource === 'calls') markCallsAvailable(this.o.vault);
    // Every page of a range Zoom serves was listed: what it did not list is gone at Zoom.
    this.report.removed[resource] += this.o.vault.removeUnlisted(resource, window.start, { from: range.from, to: range.to + DAY_MS });
    this.o.vault.completeWindow(resource, window.start, this.o.clock.now());
    this.report.windowsFetched++;
    this.settle(resource);
  }

  /** Fetches one page and returns it with the function that stores it, typed per resource. */
  private async fetchPage(resource: WindowedResource, window: WindowKey, query: ListQuery): Promise<Result<FetchedPage, SourceFailure>> {
    const vault = this.o.vault;
    switch (resource) {
      case 'recordings':
        return fetched(await this.o.source.listRecordings(query), (items, next, fetchedAt) => vault.savePage({ resource, window, items, next, fetchedAt }));
      case 'calls':
        return fetched(await this.o.source.listCalls(query), (items, next, fetchedAt) => vault.savePage({ resource, window, items, next, fetchedAt }));
    }
  }

  /** Zoom Phone is not set up for this user (404 code 300 or 403): no calls until the weekly check says otherwise. */
  private callsUnavailable(): void {
    markCallsUnavailable(this.o.vault, this.now);
    this.o.log.info({ account: this.o.accountKey }, 'Zoom Phone is not available for this account; checked again in a week');
    this.stopped.add('calls');
    this.settle('calls');
  }

  private callsKnownUnavailable(): boolean {
    const calls = callsAvailability(this.o.vault);
    return !calls.available && this.now - calls.checkedAt < CALLS_RECHECK_MS;
  }

  private async fetchParticipantsOf(meetingUuid: string): Promise<void> {
    const rows: ParticipantRecord[] = [];
    let pageToken: string | undefined;
    let restarted = false;
    for (;;) {
      this.throwIfAborted();
      const result = await this.o.source.listParticipants(meetingUuid, { pageToken, signal: this.signal });
      if (!result.ok) {
        const failure = result.error;
        if (failure.kind === 'page-token-expired' && !restarted) {
          restarted = true;
          rows.length = 0;
          pageToken = undefined;
          continue;
        }
        if (failure.kind === 'not-found') {
          // Zoom no longer knows this meeting instance (older than a year, or deleted).
          this.o.vault.markParticipantsUnavailable(meetingUuid, this.o.clock.now());
          this.settle('participants');
          return;
        }
        this.failUnit('participants', null, failure);
        return;
      }
      this.report.pages++;
      rows.push(...result.value.items);
      if (!result.value.nextPageToken) break;
      pageToken = result.value.nextPageToken;
    }
    this.o.vault.saveParticipants(meetingUuid, rows, this.o.clock.now());
    this.report.itemsStored += rows.length;
    this.report.participantMeetings++;
    this.settle('participants');
  }

  /**
   * Runs `work` over `items`, a few at a time, each planned and settled as one unit of
   * `unitOf(item)`; once that unit stops (throttled, refused), its items are settled without a
   * request. After the first exception of a worker, the others finish their current item and stop.
   */
  private async eachConcurrently<T>(items: readonly T[], unitOf: (item: T) => SyncUnit, work: (item: T) => Promise<void>): Promise<void> {
    if (items.length === 0) return;
    this.progress.plan(items.length);
    let next = 0;
    const thrown: unknown[] = [];
    const worker = async (): Promise<void> => {
      for (let i = next++; i < items.length && thrown.length === 0; i = next++) {
        const item = items[i] as T;
        const unit = unitOf(item);
        if (this.stopped.has(unit)) {
          this.settle(unit);
          continue;
        }
        try {
          this.throwIfAborted();
          await work(item);
        } catch (error) {
          thrown.push(error);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.o.concurrency ?? DEFAULT_CONCURRENCY) }, worker));
    if (thrown.length > 0) throw thrown[0];
  }

  /** True the first time this run asks about `key`. */
  private firstTry(key: string): boolean {
    if (this.tried.has(key)) return false;
    this.tried.add(key);
    return true;
  }

  /** Records a failed unit (a window, one list) and settles it for this run. */
  private failUnit(unit: SyncUnit, window: WindowKey | null, failure: SourceFailure): void {
    if (failure.kind === 'dead-grant' || failure.kind === 'needs-auth' || failure.kind === 'aborted') throw new RunStop(failure);
    this.report.failures.push({ resource: unit, windowStart: window?.start ?? null, kind: failure.kind });
    if (window) this.report.windowsFailed++;
    this.o.log.warn({ account: this.o.accountKey, resource: unit, windowStart: window?.start ?? null, failure: failure.kind }, window ? 'sync window failed' : 'sync request failed');
    if (failure.kind === 'throttled') {
      this.report.throttledUntil = Math.max(this.report.throttledUntil ?? 0, failure.until);
      this.stopped.add(unit);
    } else if (failure.kind === 'forbidden') {
      this.stopped.add(unit);
    }
    // Any other failure fails one unit (which stays pending for the next run); the rest of the run goes on.
    this.settle(unit);
  }

  private settle(unit: SyncUnit): void {
    this.emitProgress(unit, this.progress.settle());
  }

  private emitProgress(unit: SyncUnit, progress: number): void {
    this.o.onProgress?.({ type: 'progress', accountKey: this.o.accountKey, resource: unit, progress, itemsStored: this.report.itemsStored });
  }

  private throwIfAborted(): void {
    if (this.signal.aborted) throw new RunStop({ kind: 'aborted' });
  }

  private sweepRetentionIfDue(): void {
    const last = this.o.vault.lastRetentionSweep();
    if (last !== null && this.now - last < RETENTION_SWEEP_EVERY_MS) return;
    const removed = this.o.vault.sweepRetention(this.now - this.o.retentionDays * DAY_MS, this.now);
    this.o.log.info({ account: this.o.accountKey, ...removed }, 'retention sweep');
  }
}
