// Zoom's paging: `page_size` (default 30, at most 300) and an opaque `next_page_token` that
// expires 15 minutes after it was issued (by the simulator's clock) and is bound to the user and
// the query it came from.

import { randomBytes } from 'node:crypto';
import { err, ok, type Result } from '../core/result.js';
import { MINUTE_MS } from './zoomTime.js';

const DEFAULT_PAGE_SIZE = 30;
const MAX_PAGE_SIZE = 300;
const PAGE_TOKEN_TTL_MS = 15 * MINUTE_MS;

/** Tokens are swept once this many are held; expired ones are dropped. */
const SWEEP_AT = 5_000;

interface PageCursor {
  /** The user, endpoint and query the token belongs to. */
  scope: string;
  offset: number;
  expiresAt: number;
}

export interface Page<T> {
  items: T[];
  pageSize: number;
  totalRecords: number;
  pageCount: number;
  /** '' on the last page, as Zoom sends it. */
  nextPageToken: string;
}


/**
 * Zoom caps a larger page_size at 300 rather than refusing it; a value that is not a positive
 * integer is refused.
 */
export function parsePageSize(raw: string | null): number | null {
  if (raw === null || raw === '') return DEFAULT_PAGE_SIZE;
  if (!/^\d+$/.test(raw)) return null;
  const n = Number(raw);
  return n < 1 ? null : Math.min(n, MAX_PAGE_SIZE);
}

export class PageTokens {
  private readonly cursors = new Map<string, PageCursor>();

  constructor(private readonly now: () => number) {}

  /**
   * The page of `items[lo, hi)` (the query's matches, in order) that `token` points at, or the
   * first page without one. `scope` names the user, endpoint and query: a token only works for its
   * own.
   */
  page<T>(items: readonly T[], range: { lo: number; hi: number }, scope: string, pageSize: number, token: string | null): Result<Page<T>, 'invalid-page-token'> {
    let offset = 0;
    if (token) {
      const cursor = this.cursors.get(token);
      if (!cursor || cursor.scope !== scope || cursor.expiresAt <= this.now()) return err('invalid-page-token');
      offset = cursor.offset;
    }
    const total = range.hi - range.lo;
    const end = Math.min(offset + pageSize, total);
    return ok({
      items: items.slice(range.lo + offset, range.lo + end),
      pageSize,
      totalRecords: total,
      pageCount: Math.ceil(total / pageSize),
      nextPageToken: end < total ? this.issue(scope, end) : '',
    });
  }

  private issue(scope: string, offset: number): string {
    if (this.cursors.size >= SWEEP_AT) this.sweep();
    // Zoom's tokens look like 'IAfJX3jsOLW7w3dokmFl84zOa0MAVGyMEB2': 35 letters and digits.
    const token = randomBytes(27).toString('base64url').replace(/[-_]/g, 'x').slice(0, 35);
    this.cursors.set(token, { scope, offset, expiresAt: this.now() + PAGE_TOKEN_TTL_MS });
    return token;
  }

  private sweep(): void {
    const now = this.now();
    for (const [token, cursor] of this.cursors) if (cursor.expiresAt <= now) this.cursors.delete(token);
  }
}
