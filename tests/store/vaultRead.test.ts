import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Page, Vault } from '../../src/store/index.js';
import type { ListQuery } from '../../src/store/paging.js';
import type { Result } from '../../src/core/result.js';
import type { StoreError } from '../../src/store/errors.js';
import { call, HOUR, meeting, recording, Scratch, T0, unwrap, WINDOW, saveMeetings } from './fixtures.js';

let scratch: Scratch;
let vault: Vault;
beforeEach(() => {
  scratch = new Scratch();
  vault = scratch.vault();
});
afterEach(() => scratch.cleanup());


/** Follows nextCursor to the end and returns every item in the order served. */
function walk<T>(list: (q: ListQuery) => Result<Page<T>, StoreError>, q: Omit<ListQuery, 'cursor'>): T[] {
  const all: T[] = [];
  let cursor: string | null = null;
  for (let guard = 0; guard < 1000; guard++) {
    const page: Page<T> = unwrap(list({ ...q, cursor }));
    expect(page.items.length).toBeLessThanOrEqual(q.limit);
    all.push(...page.items);
    if (page.nextCursor === null) return all;
    cursor = page.nextCursor;
  }
  throw new Error('paging did not end');
}

describe('keyset paging', () => {
  beforeEach(() => {
    // 25 meetings, three of them sharing a start time, so the uuid tie-break matters.
    const items = Array.from({ length: 25 }, (_, i) => meeting(i, i >= 10 && i < 13 ? { startTime: T0 + 10 * HOUR } : {}));
    saveMeetings(vault, items, T0);
  });

  it('walks every meeting exactly once, newest first, for any page size', () => {
    for (const limit of [1, 4, 7, 25, 500]) {
      const seen = walk((q) => vault.listMeetings(q), { limit }).map((m) => m.uuid);
      expect(new Set(seen).size).toBe(25);
      expect(seen).toHaveLength(25);
      const starts = seen.map((uuid) => vault.getMeeting(uuid)!.startTime);
      expect(starts).toEqual([...starts].sort((a, b) => b - a));
    }
  });

  it('keeps to from (inclusive) and to (exclusive)', () => {
    const from = T0 + 5 * HOUR;
    const to = T0 + 15 * HOUR;
    const seen = walk((q) => vault.listMeetings(q), { limit: 3, from, to });
    expect(seen.map((m) => m.uuid).sort()).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14].map((n) => meeting(n).uuid).sort());
    expect(seen.every((m) => m.startTime >= from && m.startTime < to)).toBe(true);
  });

  it('returns a bad cursor or limit as an error value', () => {
    const bad = ['', 'not base64 !!', Buffer.from('["meetings",1]').toString('base64url'), Buffer.from('{"a":1}').toString('base64url')];
    for (const cursor of bad) {
      const page = vault.listMeetings({ limit: 10, cursor });
      expect(!page.ok && page.error.code, cursor).toBe('BAD_CURSOR');
    }
    for (const limit of [0, -1, 501, 2.5, Number.NaN]) {
      const page = vault.listMeetings({ limit });
      expect(!page.ok && page.error.code, String(limit)).toBe('BAD_LIMIT');
    }
    const range = vault.listMeetings({ limit: 10, from: Number.POSITIVE_INFINITY });
    expect(!range.ok && range.error.code).toBe('BAD_RANGE');
  });

  it('refuses a cursor of another list', () => {
    const first = unwrap(vault.listMeetings({ limit: 2 }));
    const calls = vault.listCalls({ limit: 2, cursor: first.nextCursor });
    expect(!calls.ok && calls.error.code).toBe('BAD_CURSOR');
  });
});

describe('calls, recordings and meeting details', () => {
  it('pages calls and recordings (with their files) the same way', () => {
    vault.savePage({ resource: 'calls', window: WINDOW, items: Array.from({ length: 9 }, (_, i) => call(i)), next: null, fetchedAt: T0 });
    vault.savePage({ resource: 'recordings', window: WINDOW, items: Array.from({ length: 7 }, (_, i) => recording(i)), next: null, fetchedAt: T0 });
    const calls = walk((q) => vault.listCalls(q), { limit: 2 });
    expect(calls.map((c) => c.id)).toEqual(Array.from({ length: 9 }, (_, i) => call(8 - i).id));
    expect(calls[0]).toEqual(call(8));
    const recordings = walk((q) => vault.listRecordings(q), { limit: 3 });
    expect(recordings).toEqual(Array.from({ length: 7 }, (_, i) => recording(6 - i)));
  });

  it('serves a meeting with its participants, and null for an unknown uuid', () => {
    const m = meeting(1);
    saveMeetings(vault, [m], T0);
    vault.saveParticipants(m.uuid, [], T0);
    expect(vault.getMeeting(m.uuid)).toEqual({ ...m, participants: [] });
    expect(vault.getMeeting('nope')).toBeNull();
  });
});
