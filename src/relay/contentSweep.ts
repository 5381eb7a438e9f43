import type { Clock, TimerHandle } from '../core/clock.js';
import type { Logger } from '../platform/logger.js';
import type { ContentSweep, Ledger } from './ledger.js';

// Zoom content the relay holds for a purpose goes when the purpose ends, even if nobody comes for
// it: an unusable event's body after UNUSABLE_BODY_KEPT_MS, and the notices held for a device once
// its lease deadline has passed (it wiped itself then, so they serve nothing). Deauthorizations,
// receipts and acks delete the rest as they happen; this sweep is for what no event ever ends.

/** The sweep runs at least this often, and sooner when the ledger says something falls due before. */
export const CONTENT_SWEEP_EVERY_MS = 60 * 60_000;
/** After a sweep that failed (the ledger unreachable), the next attempt. */
const RETRY_MS = 60_000;

/**
 * When to sweep next: at the next moment something falls due, but never later than the interval,
 * as the daemon's lease monitor arms its timer (so no timer is longer than that, and a wall clock
 * set back or forward delays a deletion by at most one interval).
 */
export function nextSweepIn(nextDueAt: number | null, now: number): number {
  return nextDueAt === null ? CONTENT_SWEEP_EVERY_MS : Math.min(CONTENT_SWEEP_EVERY_MS, Math.max(0, nextDueAt - now));
}

export interface ContentSweeperOptions {
  ledger: Ledger;
  clock: Clock;
  log: Logger;
  /** Counts what each sweep dropped (the metrics). */
  onSwept: (sweep: ContentSweep, at: number) => void;
}

/**
 * Sweeps at start, then on the injected clock. Each relay instance runs its own: the ledger's
 * statements are idempotent, so instances sweeping at once drop each piece once.
 */
export class ContentSweeper {
  private timer: TimerHandle | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly o: ContentSweeperOptions) {}

  start(): void {
    this.run();
  }

  /** Cancels the next sweep and waits for one in progress, so the ledger can close after. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    await this.running;
  }

  private run(): void {
    this.running = this.sweep().then((delay) => {
      this.running = null;
      if (!this.stopped) this.timer = this.o.clock.setTimeout(() => this.run(), delay);
    });
  }

  /** One sweep; resolves to the delay until the next. */
  private async sweep(): Promise<number> {
    const now = this.o.clock.now();
    try {
      const swept = await this.o.ledger.sweepContent(now);
      this.o.onSwept(swept, now);
      if (swept.noticesDropped > 0 || swept.bodiesDropped > 0) {
        this.o.log.info({ notices: swept.noticesDropped, bodies: swept.bodiesDropped }, 'Zoom content past its purpose dropped');
      }
      // From the time it finished: a slow sweep does not push the next one later.
      return nextSweepIn(swept.nextDueAt, this.o.clock.now());
    } catch (e) {
      this.o.log.error({ err: (e as Error).message }, 'content sweep failed; trying again');
      return RETRY_MS;
    }
  }
}
