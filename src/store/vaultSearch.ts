import Database from 'better-sqlite3';
import type { SearchHit, SearchHitKind } from '../core/records.js';
import { err, ok, type Result } from '../core/result.js';
import { storeError, type StoreError } from './errors.js';
import { toFtsQuery } from './ftsQuery.js';
import { MAX_PAGE_LIMIT } from './paging.js';
import type { Db } from './sqlite.js';

/** How `snippet` marks the matched words. */
export const SNIPPET_MARKS = { open: '[', close: ']', ellipsis: '…' } as const;
const SNIPPET_TOKENS = 12;

/** A hit with its bm25 score (lower is better), for merging the hits of several vaults. */
export interface RankedHit extends SearchHit {
  rank: number;
}

/** The kind of an index entry is its rowid modulo 4 (see the vault schema). */
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
  rank: number;
}

function checkLimit(limit: number): StoreError | null {
  return Number.isInteger(limit) && limit >= 1 && limit <= MAX_PAGE_LIMIT ? null : storeError('BAD_LIMIT', `limit must be an integer from 1 to ${MAX_PAGE_LIMIT}`);
}

/** Better hits first: lower bm25, then newer. */
function byRankThenTime(a: RankedHit, b: RankedHit): number {
  return a.rank - b.rank || b.time - a.time;
}

export class VaultSearch {
  private readonly query;

  constructor(db: Db) {
    const { open, close, ellipsis } = SNIPPET_MARKS;
    this.query = db.prepare<[string, number], HitRow>(`
      SELECT rowid % 4 AS code, ref, time, snippet(fts, 0, '${open}', '${close}', '${ellipsis}', ${SNIPPET_TOKENS}) AS snippet, bm25(fts) AS rank
      FROM fts WHERE fts MATCH ? ORDER BY rank, time DESC, rowid DESC LIMIT ?`);
  }

  ranked(text: string, limit: number, accountKey: string): Result<RankedHit[], StoreError> {
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
    return ok(rows.map((r) => ({ accountKey, kind: kindOf(r.code), ref: r.ref, time: r.time, snippet: r.snippet, rank: r.rank })));
  }
}

export interface SearchableVault {
  searchRanked(text: string, limit: number, accountKey: string): Result<RankedHit[], StoreError>;
}

/**
 * Searches several vaults and merges their hits by rank, then time. bm25 weighs a word by how rare
 * it is within each vault, so scores of different vaults compare only roughly; good enough to
 * interleave one person's accounts.
 */
export function searchAcross(vaults: Array<{ accountKey: string; vault: SearchableVault }>, text: string, limit: number): Result<SearchHit[], StoreError> {
  const badLimit = checkLimit(limit);
  if (badLimit) return err(badLimit);
  const hits: RankedHit[] = [];
  for (const { accountKey, vault } of vaults) {
    const found = vault.searchRanked(text, limit, accountKey);
    if (!found.ok) return found;
    hits.push(...found.value);
  }
  return ok(hits.sort(byRankThenTime).slice(0, limit).map(withoutRank));
}

export function withoutRank({ rank: _rank, ...hit }: RankedHit): SearchHit {
  return hit;
}
