// The `from`/`to` query of Zoom's windowed endpoints: UTC calendar days, inclusive (Zoom Phone
// also takes 'YYYY-MM-DDTHH:mm:ssZ'), at most one month, within a horizon of N months back.
//
// Where Zoom does not document the behaviour: "a month" is read as strictly as it can be, one
// calendar month (from the 15th, `to` may be the 14th of the next month at the latest; from the
// 1st, the last day of the same month); a window that straddles the horizon is clamped to it, one
// that ends before it is refused.

import { err, ok, type Result } from '../core/result.js';
import { zoomError, type Reply } from './reply.js';
import { DAY_MS, SECOND_MS, monthsBack, parseDate, parseDateTime } from './zoomTime.js';

export interface DateWindow {
  from: number;
  /** Exclusive: the end of the `to` day (or second). */
  to: number;
  /** The start of the `to` day (or the `to` instant). */
  toStart: number;
  fromText: string;
  toText: string;
}

/** The window in `query`, null when it has neither `from` nor `to`, or the 400 Zoom answers. */
export function parseWindow(query: URLSearchParams, allowDateTime: boolean): Result<DateWindow | null, Reply> {
  const fromText = query.get('from');
  const toText = query.get('to');
  if (fromText === null && toText === null) return ok(null);
  if (fromText === null || toText === null) return err(zoomError(400, 300, `Invalid field: ${fromText === null ? 'from' : 'to'}.`));
  const parse = (text: string): { start: number; end: number } | null => {
    const day = parseDate(text);
    if (day !== null) return { start: day, end: day + DAY_MS };
    const instant = allowDateTime ? parseDateTime(text) : null;
    return instant === null ? null : { start: instant, end: instant + SECOND_MS };
  };
  const from = parse(fromText);
  if (!from) return err(zoomError(400, 300, 'Invalid field: from.'));
  const to = parse(toText);
  if (!to) return err(zoomError(400, 300, 'Invalid field: to.'));
  if (to.start < from.start) return err(zoomError(400, 300, 'The from date must be before the to date.'));
  return ok({ from: from.start, to: to.end, toStart: to.start, fromText, toText });
}

/** The same day of the next calendar month, or its last day when it is shorter (Jan 31 -> Feb 28). */
function oneMonthAfter(ms: number): number {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth();
  const daysInNext = new Date(Date.UTC(year, month + 2, 0)).getUTCDate();
  return Date.UTC(year, month + 1, Math.min(d.getUTCDate(), daysInNext));
}

/** A 400 when `to` is not before the same day of the next month. */
export function checkOneMonth(window: DateWindow): Reply | null {
  return window.toStart >= oneMonthAfter(window.from) ? zoomError(400, 300, 'The date range can only be one month.') : null;
}

/** A window of at most a month reaching into the last `months` months, its `from` clamped to them. */
export function withinHorizon(window: DateWindow, now: number, months: number, what: string): Result<{ from: number; to: number }, Reply> {
  const tooLong = checkOneMonth(window);
  if (tooLong) return err(tooLong);
  const horizon = monthsBack(now, months);
  if (window.to <= horizon) return err(zoomError(400, 300, `${what} is only available for the last ${months} months.`));
  return ok({ from: Math.max(window.from, horizon), to: window.to });
}
