import { describe, expect, it } from 'vitest';
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
});
