import type { Clock } from '../core/clock.js';
import type { Resource } from '../core/records.js';
import type { Config } from '../platform/config.js';
import { CronSchedule, ScheduleTicker } from '../platform/cron.js';
import type { Logger } from '../platform/logger.js';
import { syncAccount, type SyncReport } from '../sync/engine.js';
import type { LiveAccount } from './accounts.js';
import type { EventBus } from './events.js';

export interface SyncServiceOptions {
  config: Config;
  clock: Clock;
  log: Logger;
  events: EventBus;
  accounts: () => LiveAccount[];
  /** May this account be synced now (lease valid, no wipe pending)? */
  mayRun: (accountKey: string) => boolean;
  /** Zoom says the grant is dead: the account is wiped. */
  onDeadGrant: (accountKey: string) => void;
  /** After each completed sync (relay enrollment retries, etc.). */
  afterSync?: (account: LiveAccount, report: SyncReport) => void;
}

/**
 * What made a finished run fail, or null when it did everything the account's plan and licence
 * allow (a resource they do not include is refused on every run: that is how the account is).
 */
export function runFailure(report: SyncReport): string | null {
  if (report.outcome === 'dead-grant' || report.outcome === 'aborted') return report.outcome;
  const problem = report.failures.find((f) => f.kind !== 'forbidden');
  return report.outcome === 'ok' || !problem ? null : problem.kind;
}

/**
 * Runs syncs: on the cron schedule (jittered), at start, and on request. Each account has one
 * coalescing runner (see AccountHost), so triggers never overlap for one account.
 */
export class SyncService {
  private readonly schedule: CronSchedule;
  private readonly ticker: ScheduleTicker;
  paused = false;

  constructor(private readonly o: SyncServiceOptions) {
    this.schedule = new CronSchedule(o.config.sync.schedule, o.config.sync.timezone);
    this.ticker = new ScheduleTicker({
      schedule: this.schedule,
      clock: o.clock,
      jitterMs: o.config.sync.jitterSeconds * 1000,
      onTick: () => {
        if (!this.paused) this.trigger();
      },
    });
  }

  get nextRunAt(): number | null {
    return this.paused ? null : this.ticker.nextRunAt;
  }

  start(options: { runNow: boolean }): void {
    this.ticker.start();
    if (options.runNow && !this.paused) this.trigger();
  }

  stop(): void {
    this.ticker.stop();
    this.schedule.dispose();
  }

  /** Requests a sync of the given accounts (default all); returns the keys whose sync was requested. */
  trigger(accounts: LiveAccount[] = this.o.accounts()): string[] {
    const started: string[] = [];
    for (const account of accounts) {
      if (!this.o.mayRun(account.accountKey)) continue;
      if (account.runner.request()) started.push(account.accountKey);
    }
    return started;
  }

  /**
   * A run of one account that starts now or right after the current one, joined by every other
   * request meanwhile; null when syncing is paused or the account may not sync now.
   */
  runSoon(account: LiveAccount): Promise<SyncReport> | null {
    if (this.paused || !this.o.mayRun(account.accountKey)) return null;
    return account.runner.request();
  }

  /** One run for one account: what the account's runner executes. */
  async run(account: LiveAccount, signal: AbortSignal): Promise<SyncReport> {
    const before = account.counts;
    account.syncing = { resource: 'meetings', progress: 0 };
    let report: SyncReport;
    try {
      report = await syncAccount(
        {
          accountKey: account.accountKey,
          vault: account.vault,
          source: account.zoom.source,
          clock: this.o.clock,
          log: this.o.log,
          historyDays: this.o.config.sync.historyDays,
          retentionDays: this.o.config.retentionDays,
          onProgress: (event) => {
            const resource: Resource = event.resource === 'participants' ? 'meetings' : event.resource;
            account.syncing = { resource, progress: event.progress };
            this.o.events.emit('sync.progress', { accountKey: account.accountKey, resource, progress: event.progress });
          },
        },
        signal,
      );
    } finally {
      account.syncing = null;
    }
    this.record(account, report, before);
    return report;
  }

  private record(account: LiveAccount, report: SyncReport, before: LiveAccount['counts']): void {
    // Even an aborted run stored its pages.
    const after = account.vault.isOpen ? account.vault.counts() : before;
    account.counts = after;
    account.throttledUntil = report.throttledUntil;
    if (report.outcome === 'dead-grant') {
      account.lastError = 'dead-grant';
      this.o.events.emit('sync.done', { accountKey: account.accountKey, finishedAt: report.finishedAt, added: { meetings: 0, recordings: 0, calls: 0 }, error: 'dead-grant' });
      this.o.onDeadGrant(account.accountKey);
      return;
    }
    if (report.outcome === 'aborted') return;
    account.lastSyncAt = report.finishedAt;
    account.lastError = runFailure(report);
    const added = {
      meetings: Math.max(0, after.meetings - before.meetings),
      recordings: Math.max(0, after.recordings - before.recordings),
      calls: Math.max(0, after.calls - before.calls),
    };
    for (const resource of ['meetings', 'recordings', 'calls'] as const) {
      if (added[resource] > 0) this.o.events.emit('data.changed', { accountKey: account.accountKey, resource, count: added[resource] });
    }
    this.o.events.emit('sync.done', { accountKey: account.accountKey, finishedAt: report.finishedAt, added, error: account.lastError });
    this.o.afterSync?.(account, report);
  }
}
