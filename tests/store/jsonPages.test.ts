import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JsonPage, Page, Vault } from '../../src/store/index.js';
import type { ListQuery } from '../../src/store/paging.js';
import type { Result } from '../../src/core/result.js';
import type { StoreError } from '../../src/store/errors.js';
import { call, HOUR, meeting, Scratch, T0, unwrap, WINDOW, saveMeetings } from './fixtures.js';

// The IPC reply for one account's meetings or calls is the JSON SQLite writes. It must say exactly
// what the object form says: same records, same order, same cursors, awkward text included.

let scratch: Scratch;
let vault: Vault;
beforeEach(() => {
  scratch = new Scratch();
  vault = scratch.vault();
});
afterEach(() => scratch.cleanup());

const ACCOUNT = 'a_0123456789abcdef01234567';
/** Quotes, backslashes, control characters, non-BMP characters, line separators, a JSON lookalike. */
const AWKWARD = ['say "hi"\\ there', 'tab\there\nnewline\u0001', 'Zoë 🙂 数据', 'sep\u2028arator', '{"topic":1}', ''];

function walkBoth<T>(
  objects: (q: ListQuery) => Result<Page<T>, StoreError>,
  json: (q: ListQuery) => Result<JsonPage, StoreError>,
  q: Omit<ListQuery, 'cursor'>,
): number {
  let cursor: string | null = null;
  let seen = 0;
  for (let guard = 0; guard < 1000; guard++) {
    const page: Page<T> = unwrap(objects({ ...q, cursor }));
    const text: JsonPage = unwrap(json({ ...q, cursor }));
    expect(JSON.parse(text.itemsJson)).toEqual(page.items.map((item) => ({ ...item, accountKey: ACCOUNT })));
    expect(text.nextCursor).toBe(page.nextCursor);
    seen += page.items.length;
    if (page.nextCursor === null) return seen;
    cursor = page.nextCursor;
  }
  throw new Error('paging did not end');
}

describe('pages as JSON text', () => {
  beforeEach(() => {
    const meetings = Array.from({ length: 23 }, (_, i) =>
      meeting(i, {
        topic: AWKWARD[i % AWKWARD.length],
        endTime: i % 3 === 0 ? null : T0 + i * HOUR + 1,
        participantsCount: i % 2 === 0 ? null : i,
        // Three share a start time: the tie-break decides their order in both forms.
        ...(i >= 10 && i < 13 ? { startTime: T0 + 10 * HOUR } : {}),
      }),
    );
    const calls = Array.from({ length: 17 }, (_, i) => call(i, { callerName: AWKWARD[i % AWKWARD.length] ?? null, answerTime: i % 2 ? T0 : null, recordingId: i % 4 ? null : `rec-${i}` }));
    saveMeetings(vault, meetings, T0);
    vault.savePage({ resource: 'calls', window: WINDOW, items: calls, next: null, fetchedAt: T0 });
  });

  it('hold the same meetings, order and cursors as the object pages, for any page size and range', () => {
    for (const limit of [1, 4, 23, 500]) {
      expect(walkBoth((q) => vault.listMeetings(q), (q) => vault.listMeetingsJson(q, ACCOUNT), { limit })).toBe(23);
    }
    expect(walkBoth((q) => vault.listMeetings(q), (q) => vault.listMeetingsJson(q, ACCOUNT), { limit: 3, from: T0 + 5 * HOUR, to: T0 + 15 * HOUR })).toBe(10);
  });

  it('hold the same calls too', () => {
    for (const limit of [2, 17]) expect(walkBoth((q) => vault.listCalls(q), (q) => vault.listCallsJson(q, ACCOUNT), { limit })).toBe(17);
  });

  it('refuse what the object pages refuse, and an empty range is an empty array', () => {
    expect(vault.listMeetingsJson({ limit: 0 }, ACCOUNT)).toMatchObject({ ok: false, error: { code: 'BAD_LIMIT' } });
    expect(vault.listMeetingsJson({ limit: 5, cursor: 'not-a-cursor' }, ACCOUNT)).toMatchObject({ ok: false, error: { code: 'BAD_CURSOR' } });
    const callCursor = unwrap(vault.listCalls({ limit: 1 })).nextCursor;
    expect(vault.listMeetingsJson({ limit: 5, cursor: callCursor }, ACCOUNT)).toMatchObject({ ok: false, error: { code: 'BAD_CURSOR' } });
    expect(unwrap(vault.listMeetingsJson({ limit: 5, to: T0 }, ACCOUNT))).toEqual({ itemsJson: '[]', nextCursor: null });
  });
});
