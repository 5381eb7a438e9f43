import { createTask, parse, type ScheduledTask } from 'node-cron';
import type { Clock, TimerHandle } from '../core/clock.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/**
 * How far ahead the next run is looked for. Without a relay, Zoom is the only witness that the
 * grant is alive and a lease lasts at most 9 days, so a schedule must run at least weekly.
 */
export const MAX_SCHEDULE_GAP_MS = 8 * 24 * HOUR_MS;

/**
 * A cron schedule evaluated on an injected Clock. node-cron parses the expression and matches
 * times in the configured time zone; the timing itself runs on our Clock (node-cron's own timers
 * read the wall clock, which tests could not move).
 */
export class CronSchedule {
  private readonly matcher: ScheduledTask;
  /** UTC minutes of the hour that can match under any zone offset (all are multiples of 15 min). */
  private readonly utcMinutes: number[];

  constructor(expression: string, timezone: string) {
    // createTask only parses and registers; the task is never started, so its timers never run.
    this.matcher = createTask(expression, () => undefined, { timezone, name: 'callvault-sync-matcher' });
    const local = new Set(parse(expression).minute);
    this.utcMinutes = Array.from({ length: 60 }, (_, m) => m).filter((m) => [0, 15, 30, 45].some((shift) => local.has((m + shift) % 60)));
  }

  /** The first whole minute strictly after `time` that matches, or null if none within 8 days. */
  nextAfter(time: number): number | null {
    const first = Math.floor(time / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
    const limit = time + MAX_SCHEDULE_GAP_MS;
    for (let hour = Math.floor(first / HOUR_MS) * HOUR_MS; hour <= limit; hour += HOUR_MS) {
      for (const minute of this.utcMinutes) {
        const candidate = hour + minute * MINUTE_MS;
        if (candidate >= first && candidate <= limit && this.matcher.match(new Date(candidate))) return candidate;
      }
    }
    return null;
  }

  dispose(): void {
    void this.matcher.destroy();
  }
}

export interface TickerOptions {
  schedule: CronSchedule;
  clock: Clock;
  /** Each tick is delayed by a random amount up to this, so devices do not call Zoom in step. */
  jitterMs: number;
  random?: () => number;
  onTick: () => void;
}

/** Fires `onTick` at every scheduled time plus jitter, until stopped. */
export class ScheduleTicker {
  private timer: TimerHandle | null = null;
  private nextAt: number | null = null;
  private stopped = false;

  constructor(private readonly o: TickerOptions) {}

  start(): void {
    this.stopped = false;
    this.arm(this.o.clock.now());
  }

  /** When the next tick fires, for `status`. */
  get nextRunAt(): number | null {
    return this.nextAt;
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    this.nextAt = null;
  }

  private arm(after: number): void {
    if (this.stopped) return;
    const slot = this.o.schedule.nextAfter(after);
    if (slot === null) return;
    const jitter = Math.floor((this.o.random ?? Math.random)() * this.o.jitterMs);
    this.nextAt = slot + jitter;
    this.timer = this.o.clock.setTimeout(() => {
      this.o.onTick();
      this.arm(Math.max(slot, this.o.clock.now()));
    }, this.nextAt - this.o.clock.now());
  }
}
