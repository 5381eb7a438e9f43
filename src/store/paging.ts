import { err, ok, type Result } from '../core/result.js';
import { storeError, type StoreError } from './errors.js';

export const MAX_PAGE_LIMIT = 500;

export interface ListQuery {
  /** Inclusive lower bound on the start time. */
  from?: number;
  /** Exclusive upper bound on the start time. */
  to?: number;
  /** 1..500 */
  limit: number;
  /** `nextCursor` of the previous page; absent for the first. */
  cursor?: string | null;
}

export interface Page<T> {
  items: T[];
  /** null on the last page. */
  nextCursor: string | null;
}

/** Which list a cursor belongs to, so that a cursor of one list is refused by another. */
export type CursorKind = 'meetings' | 'recordings' | 'calls';

/** The SQL bounds of one page: rows with from <= time < before and (time, id) < after, newest first. */
export interface PageBounds {
  from: number;
  /**
   * `to`, or just past the cursor's time when that is earlier: the index range of the page. With
   * only `to` there, a page deep in the history would scan every row newer than its cursor.
   */
  before: number;
  afterTime: number;
  afterId: string;
  /** One more than asked for, to learn whether another page follows. */
  take: number;
  limit: number;
}

/** The key of a row in a newest-first list: its start time, then its id. */
export type RowKey = [time: number, id: string];

export function encodeCursor(kind: CursorKind, [time, id]: RowKey): string {
  return Buffer.from(JSON.stringify([kind, time, id]), 'utf8').toString('base64url');
}

function decodeCursor(kind: CursorKind, cursor: string): RowKey | null {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(decoded) || decoded.length !== 3) return null;
  const [k, time, id] = decoded as unknown[];
  if (k !== kind || !Number.isSafeInteger(time) || typeof id !== 'string') return null;
  return [time as number, id];
}

function isBound(value: number | undefined): boolean {
  return value === undefined || Number.isSafeInteger(value);
}

export function pageBounds(kind: CursorKind, q: ListQuery): Result<PageBounds, StoreError> {
  if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > MAX_PAGE_LIMIT) {
    return err(storeError('BAD_LIMIT', `limit must be an integer from 1 to ${MAX_PAGE_LIMIT}`));
  }
  if (!isBound(q.from) || !isBound(q.to)) return err(storeError('BAD_RANGE', 'from and to must be integer milliseconds'));
  let after: RowKey = [Number.MAX_SAFE_INTEGER, ''];
  if (q.cursor !== undefined && q.cursor !== null) {
    const decoded = decodeCursor(kind, q.cursor);
    if (!decoded) return err(storeError('BAD_CURSOR', `cursor is not one this ${kind} list gave out`));
    after = decoded;
  }
  return ok({
    from: q.from ?? Number.MIN_SAFE_INTEGER,
    // Times are integers, so time <= afterTime is time < afterTime + 1 (exact up to 2^53).
    before: Math.min(q.to ?? Number.MAX_SAFE_INTEGER, after[0] + 1),
    afterTime: after[0],
    afterId: after[1],
    take: q.limit + 1,
    limit: q.limit,
  });
}

/** Cuts the extra row fetched by `take` and turns the last row kept into the next cursor. */
export function toPage<R>(kind: CursorKind, rows: R[], bounds: PageBounds, keyOf: (row: R) => RowKey): Page<R> {
  const items = rows.slice(0, bounds.limit);
  const last = items.at(-1);
  const nextCursor = rows.length > bounds.limit && last !== undefined ? encodeCursor(kind, keyOf(last)) : null;
  return { items, nextCursor };
}
