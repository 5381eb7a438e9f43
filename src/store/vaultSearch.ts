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
  /** The index key, as text: keys exceed 2^53. */
  entry: string;
}

function checkLimit(limit: number): StoreError | null {
  return Number.isInteger(limit) && limit >= 1 && limit <= MAX_PAGE_LIMIT ? null : storeError('BAD_LIMIT', `limit must be an integer from 1 to ${MAX_PAGE_LIMIT}`);
}

/** One vault's page of a search: its hits, each one's index key (where a next page resumes), and whether more match. */
export interface SearchPage {
  hits: SearchHit[];
  entries: string[];
  more: boolean;
}

/** Index keys are 64-bit; a resume position is one of them, as decimal digits. */
const ENTRY_PATTERN = /^[0-9]{1,19}$/;
const LAST_ENTRY = 2n ** 63n - 1n;

export function isSearchPosition(text: string): boolean {
  return ENTRY_PATTERN.test(text) && BigInt(text) <= LAST_ENTRY;
}

export class VaultSearch {
  private readonly query;

  constructor(db: Db) {
    const { open, close, ellipsis } = SNIPPET_MARKS;
    // The index's rowids are time-ordered keys (newest highest): in this order FTS5 stops after
    // `limit` matches, and makes excerpts only for them, however many rows match. A next page
    // starts below the last key served, which FTS5 seeks to.
    this.query = db.prepare<[string, bigint, number], HitRow>(`
      SELECT source % 4 AS code, ref, time, snippet(fts, 0, '${open}', '${close}', '${ellipsis}', ${SNIPPET_TOKENS}) AS snippet, CAST(rowid AS TEXT) AS entry
      FROM fts WHERE fts MATCH ? AND rowid <= ? ORDER BY rowid DESC LIMIT ?`);
  }

  /** The newest `limit` matches, newest first; matches of one millisecond, the last stored first. */
  newest(text: string, limit: number, accountKey: string): Result<SearchHit[], StoreError> {
    const page = this.page(text, limit, accountKey, null);
    return page.ok ? ok(page.value.hits) : page;
  }

  /** Like `newest`, below the index key `after` (an entry of an earlier page; null for the first page). */
  page(text: string, limit: number, accountKey: string, after: string | null): Result<SearchPage, StoreError> {
    const badLimit = checkLimit(limit);
    if (badLimit) return err(badLimit);
    if (after !== null && !isSearchPosition(after)) return err(storeError('BAD_CURSOR', 'not a search position'));
    const match = toFtsQuery(text);
    if (match === null) return ok({ hits: [], entries: [], more: false });
    let rows: HitRow[];
    try {
      rows = this.query.all(match, after === null ? LAST_ENTRY : BigInt(after) - 1n, limit + 1);
    } catch (e) {
      // toFtsQuery quotes every word, so this is not expected; the query text is still not logged.
      if (e instanceof Database.SqliteError) return err(storeError('BAD_QUERY', `the search text could not be used (${e.code})`));
      throw e;
    }
    const kept = rows.slice(0, limit);
    return ok({
      hits: kept.map((r) => ({ accountKey, kind: kindOf(r.code), ref: r.ref, time: r.time, snippet: r.snippet })),
      entries: kept.map((r) => r.entry),
      more: rows.length > limit,
    });
  }
}

export interface SearchableVault {
  /** A page of the newest matches below `after`, newest first, labelled with `accountKey`. */
  searchPage(text: string, limit: number, accountKey: string, after: string | null): Result<SearchPage, StoreError>;
}

/** Where a search across vaults stands in one vault: the key to resume below (null: from the newest), or done. */
export type SearchPosition = string | null | 'done';

export interface SearchAcross {
  hits: SearchHit[];
  /** Each vault's position after the hits served. */
  positions: Map<string, SearchPosition>;
}

/**
 * One page of a search over several vaults, newest first: a merge of each vault's own page from
 * its position. Each vault offers its next `limit` matches, so the first `limit` of the merge are
 * exactly the next of all the vaults; hits of one millisecond go by account key, each vault's in
 * its own order, so the hits served of each vault are the first of its page and its position is
 * the key of the last one.
 */
export function searchAcross(vaults: Array<{ accountKey: string; vault: SearchableVault; after: string | null }>, text: string, limit: number): Result<SearchAcross, StoreError> {
  const badLimit = checkLimit(limit);
  if (badLimit) return err(badLimit);
  const pages: Array<{ accountKey: string; page: SearchPage; taken: number; after: string | null }> = [];
  for (const { accountKey, vault, after } of vaults) {
    const page = vault.searchPage(text, limit, accountKey, after);
    if (!page.ok) return page;
    pages.push({ accountKey, page: page.value, taken: 0, after });
  }
  pages.sort((a, b) => (a.accountKey < b.accountKey ? -1 : a.accountKey > b.accountKey ? 1 : 0));
  const hits: SearchHit[] = [];
  while (hits.length < limit) {
    let next: (typeof pages)[number] | null = null;
    for (const candidate of pages) {
      const head = candidate.page.hits[candidate.taken];
      // Strictly newer wins; at the same time the first in account order keeps its place.
      if (head && (!next || head.time > (next.page.hits[next.taken]?.time ?? -Infinity))) next = candidate;
    }
    if (!next) break;
    const hit = next.page.hits[next.taken];
    if (!hit) break;
    hits.push(hit);
    next.taken++;
  }
  const positions = new Map<string, SearchPosition>();
  for (const { accountKey, page, taken, after } of pages) {
    const servedAll = taken === page.hits.length && !page.more;
    positions.set(accountKey, servedAll ? 'done' : taken === 0 ? after : (page.entries[taken - 1] ?? after));
  }
  return ok({ hits, positions });
}
