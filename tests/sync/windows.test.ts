import { describe, expect, it } from 'vitest';
import { monthsBack as simHorizon } from '../../src/sim/zoomTime.js';
import { DAY_MS, LATE_DATA_OVERLAP_MS, historyStart, isFinal, planWindows, requestRange, windowContaining } from '../../src/sync/windows.js';
import { dateWindow } from '../../src/zoom/index.js';

const now = Date.parse('2026-06-15T13:45:00Z');

describe('sync windows', () => {
  it('covers the history newest first with calendar months, which do not move between runs', () => {
    const start = historyStart('recordings', now, 366);
    const windows = planWindows(now, start);
    expect(windows[0]!.start).toBeLessThanOrEqual(now);
    expect(windows[0]!.end).toBeGreaterThan(now);
    for (let i = 1; i < windows.length; i++) expect(windows[i]!.end).toBe(windows[i - 1]!.start);
    expect(windows.at(-1)!.start).toBeLessThanOrEqual(start);
    expect(windows.at(-1)!.end).toBeGreaterThan(start);
    // An hour later the same windows come back: checkpoints can be found again.
    expect(planWindows(now + 3_600_000, start)).toEqual(windows);
    for (const w of windows) {
      const first = new Date(w.start);
      expect(first.getUTCDate()).toBe(1);
      expect(w.start % DAY_MS).toBe(0);
      expect(w.end).toBe(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 1));
    }
    expect(windows.map((w) => new Date(w.start).toISOString().slice(0, 7)).slice(0, 3)).toEqual(['2026-06', '2026-05', '2026-04']);
  });

  it('asks Zoom for whole UTC days within one calendar month, never before the horizon or after today, every day once', () => {
    for (const at of [now, Date.parse('2026-03-31T23:59:00Z'), Date.parse('2028-02-29T00:30:00Z')]) {
      const horizon = historyStart('calls', at, 183);
      const days = new Set<number>();
      for (const w of planWindows(at, horizon)) {
        const { from, to } = requestRange(w, at, horizon);
        expect(from % DAY_MS).toBe(0);
        expect(to % DAY_MS).toBe(0);
        expect(from).toBeGreaterThanOrEqual(horizon);
        expect(to).toBeLessThanOrEqual(at);
        // The Zoom client refuses (throws on) anything longer than one calendar month.
        expect(() => dateWindow(from, to)).not.toThrow();
        for (let day = from; day <= to; day += DAY_MS) {
          expect(days.has(day)).toBe(false);
          days.add(day);
        }
      }
      expect(days.size).toBe((Math.floor(at / DAY_MS) * DAY_MS - horizon) / DAY_MS + 1);
    }
  });

  it('keeps fetching a window until it was completed well after its end', () => {
    const w = windowContaining(now - 40 * DAY_MS);
    expect(isFinal(w, null)).toBe(false);
    expect(isFinal(w, { status: 'open', completedAt: null })).toBe(false);
    expect(isFinal(w, { status: 'complete', completedAt: w.end + 1000 })).toBe(false);
    expect(isFinal(w, { status: 'complete', completedAt: w.end + LATE_DATA_OVERLAP_MS })).toBe(true);
  });

  it('limits each resource to what Zoom serves', () => {
    expect(now - historyStart('calls', now, 366)).toBeLessThanOrEqual(184 * DAY_MS);
    // Meeting details answer a year back.
    expect(now - historyStart('meetings', now, 400)).toBeLessThanOrEqual(366 * DAY_MS);
    expect(now - historyStart('recordings', now, 366)).toBeGreaterThan(365 * DAY_MS);
    expect(now - historyStart('recordings', now, 30)).toBeLessThanOrEqual(31 * DAY_MS);
  });

  it("starts calls where Zoom's six calendar months start: 181 to 184 days back", () => {
    const at = (iso: string) => Date.parse(iso);
    expect(historyStart('calls', at('2026-11-29T09:00:00Z'), 366)).toBe(at('2026-05-29T00:00:00Z'));
    expect(historyStart('calls', at('2027-01-31T23:00:00Z'), 366)).toBe(at('2026-07-31T00:00:00Z'));
    expect(historyStart('calls', at('2026-08-31T12:00:00Z'), 366)).toBe(at('2026-03-03T00:00:00Z'));
    // A shorter configured history still wins, and recordings have no horizon at Zoom.
    expect(historyStart('calls', at('2026-11-29T09:00:00Z'), 30)).toBe(at('2026-10-30T00:00:00Z'));
    expect(historyStart('recordings', at('2026-11-29T09:00:00Z'), 366)).toBe(at('2025-11-28T00:00:00Z'));
    // The simulator stands for Zoom: the two agree on every day of two years.
    for (let day = at('2026-01-01T00:00:00Z'); day < at('2028-01-01T00:00:00Z'); day += DAY_MS) {
      const now = day + 13 * 3_600_000;
      expect(historyStart('calls', now, 366)).toBe(simHorizon(now, 6));
    }
  });
});
