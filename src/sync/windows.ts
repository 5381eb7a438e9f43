import type { Resource } from '../core/records.js';

export const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Zoom's windowed endpoints accept at most one month between `from` and `to`. Windows are 30 UTC
 * days on a fixed grid (counted from the Unix epoch), so a window's key is the same in every run
 * and its checkpoint can be found again after a restart or a crash.
 */
export const WINDOW_DAYS = 30;
export const WINDOW_MS = WINDOW_DAYS * DAY_MS;

/**
 * Zoom lists a meeting, a recording or a call some time after it ends (reports lag, recordings
 * are processed). A window is final only once it was completed this long after its end; until
 * then each sync fetches it again.
 */
export const LATE_DATA_OVERLAP_MS = 2 * DAY_MS;

export interface WindowKey {
  /** Inclusive, a UTC midnight on the grid. */
  start: number;
  /** Exclusive. */
  end: number;
}

export function windowContaining(time: number): WindowKey {
  const start = Math.floor(time / WINDOW_MS) * WINDOW_MS;
  return { start, end: start + WINDOW_MS };
}

/**
 * The windows that cover [historyStart, now], newest first, so that recent history shows up
 * first. Zoom's horizons (6 months for meetings and calls) bound `historyStart`.
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
 * horizon nor past today (Zoom refuses both).
 */
export function requestRange(window: WindowKey, now: number, horizonStart: number): { from: number; to: number } {
  const lastDay = Math.floor(Math.min(window.end - 1, now) / DAY_MS) * DAY_MS;
  return { from: Math.max(window.start, horizonStart), to: lastDay };
}

/**
 * How far back Zoom lists each resource, in calendar months (ZOOM.md section 4): meetings and calls
 * for the last 6 months; recordings have no horizon, so the configured history bounds them.
 */
export const HORIZON_MONTHS: Record<Resource, number | null> = {
  meetings: 6,
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
