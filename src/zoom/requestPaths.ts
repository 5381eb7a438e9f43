// How values go into Zoom URLs: meeting UUIDs in paths, date windows in queries.

const DAY_MS = 24 * 60 * 60 * 1000;


/**
 * A UUID that starts with '/' or contains '//' must be encoded twice: Zoom's gateway decodes a
 * single-encoded %2F into a path separator (ZOOM.md section 4). Others are encoded once.
 */
export function encodeMeetingUuid(uuid: string): string {
  const once = encodeURIComponent(uuid);
  return uuid.startsWith('/') || uuid.includes('//') ? encodeURIComponent(once) : once;
}

/** 'YYYY-MM-DD' of the UTC day `ms` falls in. */
export function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** UTC midnight of the same day of the next calendar month, or of its last day when it is shorter (Jan 31 -> Feb 28). */
export function oneMonthAfter(ms: number): number {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth();
  const daysInNext = new Date(Date.UTC(year, month + 2, 0)).getUTCDate();
  return Date.UTC(year, month + 1, Math.min(d.getUTCDate(), daysInNext));
}

/**
 * The `from`/`to` query values of a window: UTC calendar days, both inclusive. Zoom allows "a
 * month"; read as strictly as it can be, the last day must come before the same day of the next
 * calendar month. The sync layer sizes windows; one that is reversed or longer is a bug there, so
 * it throws.
 */
export function dateWindow(from: number, to: number): { from: string; to: string } {
  const fromDay = Math.floor(from / DAY_MS) * DAY_MS;
  const toDay = Math.floor(to / DAY_MS) * DAY_MS;
  if (!Number.isFinite(fromDay) || !Number.isFinite(toDay) || toDay < fromDay || toDay >= oneMonthAfter(fromDay)) {
    throw new RangeError(`a Zoom date window must run forward and stay within one calendar month (${utcDate(from)} to ${utcDate(to)})`);
  }
  return { from: utcDate(from), to: utcDate(to) };
}
