// How values go into Zoom URLs: meeting UUIDs in paths, date windows in queries.

const DAY_MS = 24 * 60 * 60 * 1000;

/** Zoom refuses a from–to range longer than a month; the simulator and this client read it as 31 days. */
export const MAX_WINDOW_DAYS = 31;

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

/**
 * The `from`/`to` query values of a window: UTC calendar days, both inclusive. The sync layer
 * sizes windows; one that is reversed or longer than a month is a bug there, so it throws.
 */
export function dateWindow(from: number, to: number): { from: string; to: string } {
  const days = Math.floor(to / DAY_MS) - Math.floor(from / DAY_MS);
  if (!Number.isFinite(days) || days < 0 || days > MAX_WINDOW_DAYS) {
    throw new RangeError(`a Zoom date window must run forward and span at most ${MAX_WINDOW_DAYS} days (got ${days})`);
  }
  return { from: utcDate(from), to: utcDate(to) };
}
