import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { CronSchedule, ScheduleTicker } from '../../src/platform/cron.js';
import { parseConfig } from '../../src/platform/config.js';

const at = (iso: string): number => Date.parse(iso);

describe('CronSchedule', () => {
  it('finds the next run in UTC and in zones with odd offsets', () => {
    const every15 = new CronSchedule('*/15 * * * *', 'UTC');
    expect(every15.nextAfter(at('2026-01-01T10:07:30Z'))).toBe(at('2026-01-01T10:15:00Z'));
    expect(every15.nextAfter(at('2026-01-01T10:15:00Z'))).toBe(at('2026-01-01T10:30:00Z'));
    const kolkata = new CronSchedule('30 2 * * *', 'Asia/Kolkata');
    expect(kolkata.nextAfter(at('2026-01-01T10:00:00Z'))).toBe(at('2026-01-01T21:00:00Z'));
    const mondays = new CronSchedule('0 9 * * 1', 'America/New_York');
    expect(mondays.nextAfter(at('2026-01-01T10:00:00Z'))).toBe(at('2026-01-05T14:00:00Z'));
    for (const s of [every15, kolkata, mondays]) s.dispose();
  });

  it('in UTC matches plain expressions as node-cron does, without ever using Intl', () => {
    // Intl.DateTimeFormat's first use maps ICU's data into the daemon (~9.5 MB): the default
    // config, a schedule in UTC, must not pay for it. 'Etc/GMT' is UTC too, matched by node-cron.
    const expressions = ['*/15 * * * *', '0 3 * * *', '30 2 * * 1-5', '0 9 1,15 * *', '5 4 * * 0', '5 4 * * 7', '0 0 29 2 *', '45 23 31 * *', '0 12 * * 6', '0 0 * * 1,3,5'];
    const spread = Array.from({ length: 40 }, (_, i) => at('2027-12-20T00:00:00Z') + i * (61 * 24 + 7) * 3_600_000 + i * 60_000 * 13);
    const times = [...spread, at('2028-02-25T00:00:00Z'), at('2028-01-28T22:10:00Z')];
    const native = Intl.DateTimeFormat;
    let made = 0;
    Intl.DateTimeFormat = new Proxy(native, {
      construct(target, args: ConstructorParameters<typeof Intl.DateTimeFormat>) {
        made++;
        return new target(...args);
      },
    });
    let inUtc: Array<Array<number | null>>;
    try {
      expect(parseConfig({ sync: { schedule: '0 3 * * *', timezone: 'UTC' } }).ok).toBe(true);
      inUtc = expressions.map((expression) => {
        const schedule = new CronSchedule(expression, 'UTC');
        const next = times.map((t) => schedule.nextAfter(t));
        schedule.dispose();
        return next;
      });
    } finally {
      Intl.DateTimeFormat = native;
    }
    expect(made).toBe(0);
    const byNodeCron = expressions.map((expression) => {
      const schedule = new CronSchedule(expression, 'Etc/GMT');
      const next = times.map((t) => schedule.nextAfter(t));
      schedule.dispose();
      return next;
    });
    expect(inUtc).toEqual(byNodeCron);
    // The check can fail: the two found runs, and leap days and 31sts among them.
    expect(inUtc.flat().filter((t) => t !== null).length).toBeGreaterThan(200);
    expect(inUtc[6]!.some((t) => t !== null && new Date(t).toISOString().startsWith('2028-02-29'))).toBe(true);
    expect(inUtc[7]!.some((t) => t !== null && new Date(t).toISOString().startsWith('2028-01-31'))).toBe(true);
  });

  it('leaves expressions with L, W or # to node-cron in UTC too', () => {
    const lastDay = new CronSchedule('0 3 L * *', 'UTC');
    expect(lastDay.nextAfter(at('2026-02-25T00:00:00Z'))).toBe(at('2026-02-28T03:00:00Z'));
    lastDay.dispose();
  });

  it('says null for a schedule that does not fire within 8 days', () => {
    const yearly = new CronSchedule('0 0 1 1 *', 'UTC');
    expect(yearly.nextAfter(at('2026-03-01T00:00:00Z'))).toBeNull();
    yearly.dispose();
  });
});

describe('ScheduleTicker', () => {
  it('ticks at each slot plus jitter on the injected clock', async () => {
    const clock = new FakeClock(at('2026-01-01T10:07:00Z'));
    const schedule = new CronSchedule('*/15 * * * *', 'UTC');
    const ticks: number[] = [];
    const ticker = new ScheduleTicker({ schedule, clock, jitterMs: 60_000, random: () => 0.5, onTick: () => ticks.push(clock.now()) });
    ticker.start();
    expect(ticker.nextRunAt).toBe(at('2026-01-01T10:15:30Z'));
    await clock.advance(40 * 60_000);
    expect(ticks).toEqual([at('2026-01-01T10:15:30Z'), at('2026-01-01T10:30:30Z'), at('2026-01-01T10:45:30Z')]);
    ticker.stop();
    await clock.advance(60 * 60_000);
    expect(ticks).toHaveLength(3);
    schedule.dispose();
  });
});
