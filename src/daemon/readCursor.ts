import { createHash } from 'node:crypto';
import { ACCOUNT_KEY_PATTERN } from '../core/ids.js';

// The cursors the IPC reads give out. A cursor names the accounts it covers, with each account's
// position, so a read through an old cursor knows which accounts it meant even when the request
// names none: one since wiped is answered WIPED (a one-account cursor) or listed as left out
// (a cursor over every account).
//
//   meetings.one~a_…=<store cursor>              one account
//   meetings.all~a_…=<position>~a_…=-            every account, merged newest first
//   search.all.<query tag>~a_…=<index key>       a search: bound to its words
//
// A position is '' before the first row, '-' when that account has no more rows, or the store's
// own cursor (base64url) or search index key (digits): none holds '~' or '='.

export type ReadKind = 'meetings' | 'calls' | 'recordings' | 'search';
export type Scope = 'one' | 'all';
/** null: from the newest row; 'done': nothing more in that account. */
export type Position = string | null | 'done';

export interface ReadCursor {
  kind: ReadKind;
  scope: Scope;
  positions: Map<string, Position>;
}

const POSITION_PATTERN = /^[A-Za-z0-9_-]*$/;
const DONE = '-';

/** A short tag of a search's words, so that a cursor of one search is refused by another. */
export function queryTag(q: string): string {
  return createHash('sha256').update(q).digest('base64url').slice(0, 10);
}

function head(kind: ReadKind, scope: Scope, q: string | undefined): string {
  return q === undefined ? `${kind}.${scope}` : `${kind}.${scope}.${queryTag(q)}`;
}

export function encodeCursor(kind: ReadKind, scope: Scope, positions: Iterable<[string, Position]>, q?: string): string {
  let text = head(kind, scope, q);
  for (const [accountKey, position] of positions) text += `~${accountKey}=${position === 'done' ? DONE : (position ?? '')}`;
  return text;
}

/** The cursor, or null when it is not one this read gave out (another list, another search, or garbled). */
export function decodeCursor(text: string, kind: ReadKind, q?: string): ReadCursor | null {
  const [first, ...parts] = text.split('~');
  const scope = first === head(kind, 'one', q) ? 'one' : first === head(kind, 'all', q) ? 'all' : null;
  if (scope === null || parts.length === 0 || (scope === 'one' && parts.length !== 1)) return null;
  const positions = new Map<string, Position>();
  for (const part of parts) {
    const at = part.indexOf('=');
    const accountKey = part.slice(0, at);
    const position = part.slice(at + 1);
    if (at === -1 || !ACCOUNT_KEY_PATTERN.test(accountKey) || !POSITION_PATTERN.test(position) || positions.has(accountKey)) return null;
    positions.set(accountKey, position === DONE ? 'done' : position === '' ? null : position);
  }
  return { kind, scope, positions };
}
