// Spans of time as a menu line says them: "5 min", "3 hours", "6 days". Whole units, rounded
// down, so "expires in 6 days" never promises more time than there is.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export function span(ms: number): string {
  if (ms >= 2 * DAY) return `${Math.floor(ms / DAY)} days`;
  if (ms >= DAY) return '1 day';
  if (ms >= 2 * HOUR) return `${Math.floor(ms / HOUR)} hours`;
  if (ms >= HOUR) return '1 hour';
  return `${Math.max(1, Math.floor(ms / MINUTE))} min`;
}

/** "5 min ago"; "just now" under a minute. */
export function ago(time: number, now: number): string {
  const elapsed = now - time;
  return elapsed < MINUTE ? 'just now' : `${span(elapsed)} ago`;
}

/** "in 6 days"; "now" once the time has come. */
export function fromNow(time: number, now: number): string {
  const remaining = time - now;
  return remaining <= 0 ? 'now' : `in ${span(remaining)}`;
}
