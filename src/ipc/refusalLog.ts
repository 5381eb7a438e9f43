import type { Clock, TimerHandle } from '../core/clock.js';
import type { Logger } from '../platform/logger.js';

// Refused and dropped clients (a pool full, a wrong token, a frame or a write queue over its limit)
// are logged at a bounded rate: a process that opens connections in a loop
// once wrote a line per refusal (2,071 lines in 15 s). The first refusal of a quiet spell is
// logged at once; the ones after it are counted and logged as one line per period, by reason.

export const REFUSAL_LOG_PERIOD_MS = 10_000;

export class RefusalLog {
  private counts = new Map<string, number>();
  private timer: TimerHandle | null = null;

  constructor(
    private readonly log: Logger,
    private readonly clock: Clock,
    private readonly periodMs = REFUSAL_LOG_PERIOD_MS,
  ) {}

  note(reason: string): void {
    if (this.timer) {
      this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
      return;
    }
    this.log.warn({ reason }, 'IPC connection refused');
    this.timer = this.clock.setTimeout(() => this.flush(), this.periodMs);
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  private flush(): void {
    this.timer = null;
    if (this.counts.size === 0) return;
    const refused = Object.fromEntries(this.counts);
    this.counts = new Map();
    this.log.warn({ refused, periodMs: this.periodMs }, 'IPC connections refused in the last period');
    // The period restarts, so a steady stream of refusals makes one line per period.
    this.timer = this.clock.setTimeout(() => this.flush(), this.periodMs);
  }
}
