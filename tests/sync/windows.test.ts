import { describe, expect, it } from 'vitest';
import { monthsBack as simHorizon } from '../../src/sim/zoomTime.js';
import { DAY_MS, LATE_DATA_OVERLAP_MS, WINDOW_MS, historyStart, isFinal, planWindows, requestRange, windowContaining } from '../../src/sync/windows.js';

const now = Date.parse('2026-06-15T13:45:00Z');

describe('sync windows', () => {
  it('covers the history newest first on a grid that does not move between runs', () => {
    const start = historyStart('meetings', now, 183);
    const windows = planWindows(now, start);
    expect(windows[0]!.start).toBeLessThanOrEqual(now);
    expect(windows[0]!.end).toBeGreaterThan(now);
    for (let i = 1; i < windows.length; i++) expect(windows[i]!.end).toBe(windows[i - 1]!.start);
    expect(windows.at(-1)!.start).toBeLessThanOrEqual(start);
    expect(windows.at(-1)!.end).toBeGreaterThan(start);
    // An hour later the same windows come back: checkpoints can be found again.
    expect(planWindows(now + 3_600_000, start)).toEqual(windows);
    expect(windows.every((w) => w.end - w.start === WINDOW_MS && w.start % DAY_MS === 0)).toBe(true);
  });

  it('asks Zoom for whole UTC days within one month, never before the horizon or after today', () => {
    const horizon = historyStart('calls', now, 183);
    for (const w of planWindows(now, horizon)) {
      const { from, to } = requestRange(w, now, horizon);
      expect(from % DAY_MS).toBe(0);
      expect(to % DAY_MS).toBe(0);
      expect(from).toBeGreaterThanOrEqual(horizon);
      expect(to).toBeLessThanOrEqual(now);
      expect((to - from) / DAY_MS).toBeLessThan(30);
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
    expect(now - historyStart('meetings', now, 366)).toBeLessThanOrEqual(184 * DAY_MS);
    expect(now - historyStart('recordings', now, 366)).toBeGreaterThan(365 * DAY_MS);
    expect(now - historyStart('recordings', now, 30)).toBeLessThanOrEqual(31 * DAY_MS);
  });

  it("starts meetings and calls where Zoom's six calendar months start: 181 to 184 days back", () => {
    const at = (iso: string) => Date.parse(iso);
    expect(historyStart('calls', at('2026-11-29T09:00:00Z'), 366)).toBe(at('2026-05-29T00:00:00Z'));
    expect(historyStart('meetings', at('2027-01-31T23:00:00Z'), 366)).toBe(at('2026-07-31T00:00:00Z'));
    expect(historyStart('meetings', at('2026-08-31T12:00:00Z'), 366)).toBe(at('2026-03-03T00:00:00Z'));
    // A shorter configured history still wins, and recordings have no horizon at Zoom.
    expect(historyStart('calls', at('2026-11-29T09:00:00Z'), 30)).toBe(at('2026-10-30T00:00:00Z'));
    expect(historyStart('recordings', at('2026-11-29T09:00:00Z'), 366)).toBe(at('2025-11-28T00:00:00Z'));
    // The simulator stands for Zoom: the two agree on every day of two years.
    for (let day = at('2026-01-01T00:00:00Z'); day < at('2028-01-01T00:00:00Z'); day += DAY_MS) {
      const now = day + 13 * 3_600_000;
      expect(historyStart('meetings', now, 366)).toBe(simHorizon(now, 6));
    }
  });
});
