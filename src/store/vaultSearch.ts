import Database from 'better-sqlite3-multiple-ciphers';
import type { SearchHit, SearchHitKind } from '../core/records.js';
import { err, ok, type Result } from '../core/result.js';
import { storeError, type StoreError } from './errors.js';
import { toFtsQuery } from './ftsQuery.js';
import { MAX_PAGE_LIMIT } from './paging.js';
import type { Db } from './sqlite.js';

/** How `snippet` marks the matched words. */
export const SNIPPET_MARKS = { open: '[', close: ']', ellipsis: '…' } as const;
const SNIPPET_TOKENS = 12;

/** An index entry's `source` is its row's id * 4 + kind (see the vault schema). */
const KIND_BY_CODE: readonly SearchHitKind[] = ['meeting', 'participant', 'recording', 'call'];

function kindOf(code: number): SearchHitKind {
  const kind = KIND_BY_CODE[code];
  if (!kind) throw new Error(`search index entry of unknown kind ${code}`);
  return kind;
}

interface HitRow {
  code: number;
  ref: string;
  time: number;
  snippet: string;
}

function checkLimit(limit: number): StoreError | null {
  return Number.isInteger(limit) && limit >= 1 && limit <= MAX_PAGE_LIMIT ? null : storeError('BAD_LIMIT', `limit must be an integer from 1 to ${MAX_PAGE_LIMIT}`);
}

export class VaultSearch {
  private readonly query;

  constructor(db: Db) {
    const { open, close, ellipsis } = SNIPPET_MARKS;
    // The index's rowids are time-ordered keys (newest highest): in this order FTS5 stops after
    // `limit` matches, and makes excerpts only for them, however many rows match.
    this.query = db.prepare<[string, number], HitRow>(`
      SELECT source % 4 AS code, ref, time, snippet(fts, 0, '${open}', '${close}', '${ellipsis}', ${SNIPPET_TOKENS}) AS snippet
      FROM fts WHERE fts MATCH ? ORDER BY rowid DESC LIMIT ?`);
  }

  /** The newest `limit` matches, newest first; matches of one millisecond, the last stored first. */
  newest(text: string, limit: number, accountKey: string): Result<SearchHit[], StoreError> {
    const badLimit = checkLimit(limit);
    if (badLimit) return err(badLimit);
    const match = toFtsQuery(text);
    if (match === null) return ok([]);
    let rows: HitRow[];
    try {
      rows = this.query.all(match, limit);
    } catch (e) {
      // toFtsQuery quotes every word, so this is not expected; the query text is still not logged.
      if (e instanceof Database.SqliteError) return err(storeError('BAD_QUERY', `the search text could not be used (${e.code})`));
      throw e;
    }
    return ok(rows.map((r) => ({ accountKey, kind: kindOf(r.code), ref: r.ref, time: r.time, snippet: r.snippet })));
  }
}

export interface SearchableVault {
  /** The newest `limit` matches, newest first, labelled with `accountKey`. */
  search(text: string, limit: number, accountKey: string): Result<SearchHit[], StoreError>;
}

interface Placed {
  hit: SearchHit;
  /** The hit's place in its own vault's answer: that vault's order among equal times. */
  place: number;
}

/** Newer first; at the same millisecond by account key, then in each vault's own order. */
function newestFirst(a: Placed, b: Placed): number {
  return b.hit.time - a.hit.time || (a.hit.accountKey < b.hit.accountKey ? -1 : a.hit.accountKey > b.hit.accountKey ? 1 : 0) || a.place - b.place;
}

/**
 * Searches several vaults and merges their hits newest first. Each vault's answer holds its newest
 * `limit` matches, so the merged first `limit` are exactly the newest of all the vaults.
 */
export function searchAcross(vaults: Array<{ accountKey: string; vault: SearchableVault }>, text: string, limit: number): Result<SearchHit[], StoreError> {
  const badLimit = checkLimit(limit);
  if (badLimit) return err(badLimit);
  const placed: Placed[] = [];
  for (const { accountKey, vault } of vaults) {
    const found = vault.search(text, limit, accountKey);
    if (!found.ok) return found;
    placed.push(...found.value.map((hit, place) => ({ hit, place })));
  }
  return ok(
    placed
      .sort(newestFirst)
      .slice(0, limit)
      .map((p) => p.hit),
  );
}
