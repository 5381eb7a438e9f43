import type { Resource } from '../core/records.js';

export const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Zoom's windowed endpoints accept "a month" between `from` and `to`; the strictest reading is one
 * calendar month. Windows are the calendar months themselves (UTC): never longer than Zoom allows,
 * and a window's key (the first of its month) is the same in every run, so its checkpoint can be
 * found again after a restart or a crash.
 */
export interface WindowKey {
  /** Inclusive: UTC midnight of the first day of a month. */
  start: number;
  /** Exclusive: the first of the next month. */
  end: number;
}

/**
 * Zoom lists a recording or a call some time after it ends (recordings are processed). A window is
 * final only once it was completed this long after its end; until then each sync fetches it again.
 */
export const LATE_DATA_OVERLAP_MS = 2 * DAY_MS;

export function windowContaining(time: number): WindowKey {
  const d = new Date(time);
  return { start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
}

/**
 * The windows that cover [historyStart, now], newest first, so that recent history shows up
 * first. Zoom's horizons (6 months for calls) bound `historyStart`.
 */
export function planWindows(now: number, historyStart: number): WindowKey[] {
  const windows: WindowKey[] = [];
  for (let w = windowContaining(now); w.end > historyStart; w = windowContaining(w.start - 1)) windows.push(w);
  return windows;
}

export interface WindowProgress {
  status: 'open' | 'complete';
  completedAt: number | null;
}

/** A window completed long enough after its end holds everything Zoom will ever list in it. */
export function isFinal(window: WindowKey, progress: WindowProgress | null): boolean {
  return progress?.status === 'complete' && progress.completedAt !== null && progress.completedAt >= window.end + LATE_DATA_OVERLAP_MS;
}

/**
 * The request range for a window: UTC calendar days, inclusive, never before the resource's
 * horizon nor past today (Zoom refuses both), and within the window's month.
 */
export function requestRange(window: WindowKey, now: number, horizonStart: number): { from: number; to: number } {
  const lastDay = Math.floor(Math.min(window.end - 1, now) / DAY_MS) * DAY_MS;
  return { from: Math.max(window.start, horizonStart), to: lastDay };
}

/**
 * How far back Zoom serves each resource, in calendar months (ZOOM.md sections 4 and 7): meeting
 * details a year (instances reach 15 months, but an older instance's details are refused), calls
 * 6 months; recordings have no horizon, so the configured history bounds them.
 */
export const HORIZON_MONTHS: Record<Resource, number | null> = {
  meetings: 12,
  recordings: null,
  calls: 6,
};

/**
 * UTC midnight of today's UTC date `months` calendar months back, where Zoom's "last N months"
 * begins. Six months are 181 to 184 days, so a fixed count of days would either ask Zoom for a day
 * it refuses (call history answers 400) or leave out a day it still serves.
 */
export function monthsBack(now: number, months: number): number {
  const today = new Date(now);
  return Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - months, today.getUTCDate());
}

/** Where the history of `resource` starts: `configuredDays` back, but never before Zoom's horizon. */
export function historyStart(resource: Resource, now: number, configuredDays: number): number {
  const configured = Math.floor((now - configuredDays * DAY_MS) / DAY_MS) * DAY_MS;
  const months = HORIZON_MONTHS[resource];
  return months === null ? configured : Math.max(configured, monthsBack(now, months));
}
