import type { Clock } from '../core/clock.js';
import type { ParticipantRecord, Resource } from '../core/records.js';
import { ok, type Result } from '../core/result.js';
import type { Logger } from '../platform/logger.js';
import { RunProgress } from './progress.js';
import type { HistorySource, ListQuery, PageResult, SourceFailure } from './source.js';
import { DAY_MS, historyStart, isFinal, planWindows, requestRange, type WindowKey } from './windows.js';
import type { SyncVault } from './vaultPort.js';

/** Zoom's page tokens live 15 minutes; a stored one older than this is not worth trying. */
const PAGE_TOKEN_TTL_MS = 14 * 60 * 1000;
/** Zoom reports participant durations as 0 when asked too soon after a meeting ends. */
const PARTICIPANTS_SETTLE_MS = 15 * 60 * 1000;
const RETENTION_SWEEP_EVERY_MS = DAY_MS;
/** More meetings than any history holds: all of them are asked for at once. */
const PARTICIPANTS_BATCH = 100_000;
const DEFAULT_PARTICIPANT_CONCURRENCY = 4;

export interface SyncProgressEvent {
  type: 'progress';
  accountKey: string;
  resource: Resource | 'participants';
  /** 0..1 over the work known so far in this run; never decreases, and 1 once the run is over. */
  progress: number;
  itemsStored: number;
}

export interface SyncFailureNote {
  resource: Resource | 'participants';
  windowStart: number | null;
  kind: SourceFailure['kind'];
}

export interface SyncReport {
  accountKey: string;
  startedAt: number;
  finishedAt: number;
  /** ok: everything asked for was fetched; partial: some windows failed or were throttled. */
  outcome: 'ok' | 'partial' | 'dead-grant' | 'aborted';
  deadGrantReason: string | null;
  windowsFetched: number;
  windowsSkipped: number;
  windowsFailed: number;
  pages: number;
  itemsStored: number;
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
  onProgress?: (event: SyncProgressEvent) => void;
  /** Participant lists fetched at once; the rate limiter paces them, this hides latency. */
  participantConcurrency?: number;
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

/** A failure that ends the whole run, not just one window. */
class RunStop {
  constructor(readonly failure: Extract<SourceFailure, { kind: 'dead-grant' | 'aborted' }>) {}
}

/**
 * One sync run of one account: the retention sweep (when due), then newest window first across
 * all resources, a checkpoint per page and per window, and participants of new meetings. Failures
 * are recorded per window and per resource; only a dead grant or an abort ends the run early.
 */
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
    participantMeetings: 0,
    throttledUntil: null,
    failures: [],
  };
}

export async function syncAccount(options: SyncOptions, signal: AbortSignal): Promise<SyncReport> {
  return new SyncRun(options, signal).run();
}

class SyncRun {
  private readonly report: SyncReport;
  private readonly stopped = new Set<Resource | 'participants'>();
  private readonly progress = new RunProgress();
  /** Meetings whose participants this run has asked for (or given up on): each is tried once a run. */
  private readonly participantsTried = new Set<string>();

  constructor(
    private readonly o: SyncOptions,
    private readonly signal: AbortSignal,
  ) {
    this.report = emptyReport(o.accountKey, o.clock.now(), 'ok');
  }

  async run(): Promise<SyncReport> {
    try {
      // Before fetching: a run cut short still enforces retention.
      this.sweepRetentionIfDue();
      await this.fetchAll();
    } catch (e) {
      if (!(e instanceof RunStop)) throw e;
      if (e.failure.kind === 'dead-grant') {
        this.report.outcome = 'dead-grant';
        this.report.deadGrantReason = e.failure.reason;
      } else {
        this.report.outcome = 'aborted';
      }
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
        ms: this.report.finishedAt - this.report.startedAt,
      },
      'sync finished',
    );
    return this.report;
  }

  private async fetchAll(): Promise<void> {
    const now = this.o.clock.now();
    const resources: Resource[] = ['meetings', 'calls', 'recordings'];
    const days = Math.min(this.o.historyDays, this.o.retentionDays);
    const plans = new Map<Resource, { horizon: number; windows: WindowKey[] }>();
    for (const resource of resources) {
      const horizon = historyStart(resource, now, days);
      const windows = planWindows(now, horizon).filter((w) => {
        if (!isFinal(w, this.o.vault.getWindow(resource, w.start))) return true;
        this.report.windowsSkipped++;
        return false;
      });
      plans.set(resource, { horizon, windows });
      this.progress.plan(windows.length);
    }
    const depth = Math.max(...[...plans.values()].map((p) => p.windows.length), 0);
    // Interleaved newest-first: the latest month of meetings, their participants, calls and
    // recordings all arrive before anything older.
    for (let i = 0; i < depth; i++) {
      for (const resource of resources) {
        const plan = plans.get(resource);
        const window = plan?.windows[i];
        if (!plan || !window) continue;
        if (this.stopped.has(resource)) this.settle(resource);
        else await this.fetchWindow(resource, window, plan.horizon, now);
        if (resource === 'meetings') await this.fetchParticipants();
      }
    }
    await this.fetchParticipants();
    // Participant lists come last; whatever was planned and not reached is settled with them.
    this.emitProgress('participants', this.progress.settleAll());
  }

  private async fetchWindow(resource: Resource, window: WindowKey, horizon: number, now: number): Promise<void> {
    const range = requestRange(window, now, horizon);
    const stored = this.o.vault.getWindow(resource, window.start);
    const resumable = stored?.status === 'open' && stored.pageToken !== null && stored.pageTokenIssuedAt !== null && now - stored.pageTokenIssuedAt < PAGE_TOKEN_TTL_MS;
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
        this.failUnit(resource, window, failure);
        return;
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
    this.o.vault.completeWindow(resource, window.start, this.o.clock.now());
    this.report.windowsFetched++;
    this.settle(resource);
  }

  /** Fetches one page and returns it with the function that stores it, typed per resource. */
  private async fetchPage(resource: Resource, window: WindowKey, query: ListQuery): Promise<Result<FetchedPage, SourceFailure>> {
    const vault = this.o.vault;
    switch (resource) {
      case 'meetings':
        return fetched(await this.o.source.listMeetings(query), (items, next, fetchedAt) => vault.savePage({ resource, window, items, next, fetchedAt }));
      case 'recordings':
        return fetched(await this.o.source.listRecordings(query), (items, next, fetchedAt) => vault.savePage({ resource, window, items, next, fetchedAt }));
      case 'calls':
        return fetched(await this.o.source.listCalls(query), (items, next, fetchedAt) => vault.savePage({ resource, window, items, next, fetchedAt }));
    }
  }

  /**
   * Participants of every meeting that has none yet, ended long enough ago to be settled, and was
   * not tried earlier in this run: a list that failed waits for the next run rather than costing
   * requests again now.
   */
  private async fetchParticipants(): Promise<void> {
    const settledBefore = this.o.clock.now() - PARTICIPANTS_SETTLE_MS;
    const due = this.o.vault.meetingsNeedingParticipants(PARTICIPANTS_BATCH).filter((m) => m.endsAt <= settledBefore && !this.participantsTried.has(m.uuid));
    if (due.length === 0) return;
    for (const meeting of due) this.participantsTried.add(meeting.uuid);
    this.progress.plan(due.length);
    let next = 0;
    // Exceptions of the workers: after the first, the others finish their current meeting and stop.
    const thrown: unknown[] = [];
    const worker = async (): Promise<void> => {
      for (let meeting = due[next++]; meeting && thrown.length === 0; meeting = due[next++]) {
        if (this.stopped.has('participants')) {
          this.settle('participants');
          continue;
        }
        try {
          await this.fetchParticipantsOf(meeting.uuid);
        } catch (error) {
          thrown.push(error);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.o.participantConcurrency ?? DEFAULT_PARTICIPANT_CONCURRENCY) }, worker));
    if (thrown.length > 0) throw thrown[0];
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

  /** Records a failed window (or one meeting's participant list) and settles it for this run. */
  private failUnit(resource: Resource | 'participants', window: WindowKey | null, failure: SourceFailure): void {
    if (failure.kind === 'dead-grant' || failure.kind === 'aborted') throw new RunStop(failure);
    this.report.failures.push({ resource, windowStart: window?.start ?? null, kind: failure.kind });
    if (window) this.report.windowsFailed++;
    this.o.log.warn({ account: this.o.accountKey, resource, windowStart: window?.start ?? null, failure: failure.kind }, window ? 'sync window failed' : 'participant list failed');
    if (failure.kind === 'throttled') {
      this.report.throttledUntil = Math.max(this.report.throttledUntil ?? 0, failure.until);
      this.stopped.add(resource);
    } else if (failure.kind === 'forbidden') {
      this.stopped.add(resource);
    }
    // Any other failure fails one window (or one meeting's participants, which stay pending for
    // the next run); the rest of the run goes on.
    this.settle(resource);
  }

  private settle(resource: Resource | 'participants'): void {
    this.emitProgress(resource, this.progress.settle());
  }

  private emitProgress(resource: Resource | 'participants', progress: number): void {
    this.o.onProgress?.({ type: 'progress', accountKey: this.o.accountKey, resource, progress, itemsStored: this.report.itemsStored });
  }

  private throwIfAborted(): void {
    if (this.signal.aborted) throw new RunStop({ kind: 'aborted' });
  }

  private sweepRetentionIfDue(): void {
    const now = this.o.clock.now();
    const last = this.o.vault.lastRetentionSweep();
    if (last !== null && now - last < RETENTION_SWEEP_EVERY_MS) return;
    const removed = this.o.vault.sweepRetention(now - this.o.retentionDays * DAY_MS, now);
    this.o.log.info({ account: this.o.accountKey, ...removed }, 'retention sweep');
  }
}
