import { createTask, parse, type ScheduledTask } from 'node-cron';
import type { Clock, TimerHandle } from '../core/clock.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/**
 * How far ahead the next run is looked for. Without a relay, Zoom is the only witness that the
 * grant is alive and a lease lasts at most 9 days, so a schedule must run at least weekly.
 */
export const MAX_SCHEDULE_GAP_MS = 8 * 24 * HOUR_MS;

/** Zone names that are UTC by definition (the config's default is the first). */
const UTC_ZONES: ReadonlySet<string> = new Set(['UTC', 'Etc/UTC']);

export function isUtcZone(timezone: string): boolean {
  return UTC_ZONES.has(timezone);
}

type Matcher = (date: Date) => boolean;

/**
 * A matcher for UTC that reads a time's fields from Date's UTC getters, or null when a field is
 * more than a list of numbers (L, W, #: node-cron's to judge). node-cron reads the fields through
 * Intl.DateTimeFormat in every zone, UTC included, and its first use maps ICU's locale and zone data
 * into the process: about 6 MB of an idle daemon's memory after a sync (9.5 MB in a bare Node 20),
 * for a schedule the default config keeps in UTC. Plain fields mean what node-cron means:
 * every field must match, day of month and day of week both (weekday 0 is Sunday; 7 is parsed as 0).
 */
function utcMatcher(expression: string): Matcher | null {
  const { second, minute, hour, dayOfMonth, month, dayOfWeek } = parse(expression);
  const fields: ReadonlyArray<ReadonlyArray<unknown>> = [second, minute, hour, dayOfMonth, month, dayOfWeek];
  if (!fields.every((values) => values.every((value) => typeof value === 'number'))) return null;
  const [s, mi, h, dom, mo, dow] = fields.map((values) => new Set(values as number[])) as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  return (d) => s.has(d.getUTCSeconds()) && mi.has(d.getUTCMinutes()) && h.has(d.getUTCHours()) && dom.has(d.getUTCDate()) && mo.has(d.getUTCMonth() + 1) && dow.has(d.getUTCDay());
}

/**
 * A cron schedule evaluated on an injected Clock. node-cron parses the expression and matches
 * times in the configured time zone (in UTC, plain expressions are matched here: see utcMatcher);
 * the timing itself runs on our Clock (node-cron's own timers read the wall clock, which tests
 * could not move).
 */
export class CronSchedule {
  private readonly match: Matcher;
  private readonly task: ScheduledTask | null = null;
  /** UTC minutes of the hour that can match under any zone offset (all are multiples of 15 min). */
  private readonly utcMinutes: number[];

  constructor(expression: string, timezone: string) {
    const inUtc = isUtcZone(timezone) ? utcMatcher(expression) : null;
    if (inUtc) this.match = inUtc;
    else {
      // createTask only parses and registers; the task is never started, so its timers never run.
      const task = createTask(expression, () => undefined, { timezone, name: 'callvault-sync-matcher' });
      this.task = task;
      this.match = (date) => task.match(date);
    }
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
        if (candidate >= first && candidate <= limit && this.match(new Date(candidate))) return candidate;
      }
    }
    return null;
  }

  dispose(): void {
    void this.task?.destroy();
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
