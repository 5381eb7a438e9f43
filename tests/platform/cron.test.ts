import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { CronSchedule, ScheduleTicker } from '../../src/platform/cron.js';

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
