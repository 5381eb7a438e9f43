// Deleted at Zoom => deleted here (issue 12 §2): recordings and calls removed by an event or by a
// window pass that no longer lists them leave the vault's files as retention's deletions do.

import { existsSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openVault, vaultFiles, type Vault } from '../../src/store/index.js';
import { call, DAY, recording, Scratch, T0, unwrap, WINDOW } from './fixtures.js';

let scratch: Scratch;
beforeEach(() => {
  scratch = new Scratch();
});
afterEach(() => scratch.cleanup());

const GONE = 'Wombatquasar';
const KEPT = 'Narwhalsonnet';

/** Plaintext (key null) so that the files' bytes can be searched, as tests/store/retention.test.ts explains. */
const PLAIN = { key: null };

function filesContaining(file: string, needle: string): string[] {
  return vaultFiles(file).filter((f) => existsSync(f) && readFileSync(f).toString('latin1').toLowerCase().includes(needle.toLowerCase()));
}

/** A vault whose rows sit in the main file and, touched once more, in the WAL too. */
function vaultWith(store: (vault: Vault) => void): { vault: Vault; file: string } {
  const file = scratch.path('vaults/a_000000000000000000000007.db');
  const first = unwrap(openVault(file, { ...PLAIN, create: true }));
  store(first);
  first.close();
  const vault = unwrap(openVault(file, PLAIN));
  scratch.onCleanup(() => vault.close());
  store(vault);
  expect(filesContaining(file, GONE)).toContain(file);
  return { vault, file };
}

describe('deletions made at Zoom', () => {
  it('a recording removed (whole, or file by file) leaves the files and the search', () => {
    const { vault, file } = vaultWith((v) =>
      v.savePage({ resource: 'recordings', window: WINDOW, items: [recording(1, { topic: `${GONE} talk` }), recording(2, { topic: `${GONE} demo` }), recording(3, { topic: `${KEPT} talk` })], next: null, fetchedAt: T0 }),
    );
    expect(vault.removeRecordings([{ meetingUuid: recording(1).meetingUuid, fileIds: null }])).toBe(1);
    // One file of two: the recording stays with the other; then the last file takes it with it.
    expect(vault.removeRecordings([{ meetingUuid: recording(2).meetingUuid, fileIds: ['f2a'] }])).toBe(1);
    expect(unwrap(vault.listRecordings({ limit: 10 })).items.find((r) => r.meetingUuid === recording(2).meetingUuid)?.files.map((f) => f.id)).toEqual(['f2b']);
    expect(vault.removeRecordings([{ meetingUuid: recording(2).meetingUuid, fileIds: ['f2b'] }])).toBe(1);
    expect(vault.removeRecordings([{ meetingUuid: 'never-stored==', fileIds: null }])).toBe(0);
    expect(vault.counts().recordings).toBe(1);
    expect(unwrap(vault.search(GONE, 10))).toEqual([]);
    expect(filesContaining(file, GONE)).toEqual([]);
    expect(filesContaining(file, KEPT)).toEqual([file]);
    expect(vault.integrityCheck()).toBe('ok');
  });

  it('calls removed by id, or all of them, leave the files and the search', () => {
    const { vault, file } = vaultWith((v) =>
      v.savePage({ resource: 'calls', window: WINDOW, items: [call(1, { callerName: `${GONE} Caller` }), call(2, { callerName: `${KEPT} Caller` })], next: null, fetchedAt: T0 }),
    );
    expect(vault.removeCalls([call(1).id, 'unknown'])).toBe(1);
    expect(filesContaining(file, GONE)).toEqual([]);
    expect(unwrap(vault.search(KEPT, 10))).toHaveLength(1);
    expect(vault.removeCalls('all')).toBe(1);
    expect(vault.counts().calls).toBe(0);
    expect(filesContaining(file, KEPT)).toEqual([]);
  });

  it('a window pass that no longer lists a row removes it; rows outside the range, or listed since the pass began, stay', () => {
    const { vault, file } = vaultWith((v) =>
      v.savePage({
        resource: 'calls',
        window: WINDOW,
        items: [call(1, { callerName: `${GONE} Caller` }), call(2, { callerName: `${KEPT} Caller` }), call(3, { startTime: WINDOW.end + DAY })],
        next: null,
        fetchedAt: T0,
      }),
    );
    vault.completeWindow('calls', WINDOW.start, T0 + 1);
    // The next pass lists call 2 only, over two pages; an event stores call 4 while it runs.
    vault.savePage({ resource: 'calls', window: WINDOW, items: [], next: { token: 't', issuedAt: T0 + 10 }, fetchedAt: T0 + 10 });
    vault.saveEventCalls([call(4)], T0 + 11);
    vault.savePage({ resource: 'calls', window: WINDOW, items: [call(2, { callerName: `${KEPT} Caller` })], next: null, fetchedAt: T0 + 12 });
    expect(vault.removeUnlisted('calls', WINDOW.start, { from: WINDOW.start, to: WINDOW.end })).toBe(1);
    expect(unwrap(vault.listCalls({ limit: 10 })).items.map((c) => c.id).sort()).toEqual([call(2).id, call(3).id, call(4).id]);
    expect(filesContaining(file, GONE)).toEqual([]);
    // A window never fetched removes nothing.
    expect(vault.removeUnlisted('recordings', WINDOW.start, { from: WINDOW.start, to: WINDOW.end })).toBe(0);
  });
});

describe('meeting IDs and instances', () => {
  it('learns IDs once, lists them until listed, and keeps an instance pending until its meeting is stored', () => {
    const vault = scratch.vault();
    vault.rememberMeetingId('111', 'pmi', T0);
    vault.rememberMeetingId('222', 'listed', T0);
    vault.rememberMeetingId('111', 'listed', T0 + 1);
    expect(vault.meetingIdsToList()).toEqual(['111', '222']);
    expect(vault.meetingIdListedAt('999')).toBeUndefined();

    const instances = [1, 2].map((n) => ({ uuid: `u${n}==`, meetingId: '111', startTime: T0 + n * DAY }));
    expect(vault.saveInstances('111', instances, T0 + 5)).toBe(2);
    expect(vault.meetingIdsToList()).toEqual(['222']);
    expect(vault.meetingIdListedAt('111')).toBe(T0 + 5);
    expect(vault.pendingInstances(10).map((p) => p.uuid)).toEqual(['u2==', 'u1==']);
    // Listed again: nothing new.
    expect(vault.saveInstances('111', instances, T0 + 6)).toBe(0);

    vault.saveMeetingDetails({ uuid: 'u2==', meetingId: '111', hostId: 'h', topic: 'Room', type: 4, startTime: T0 + 2 * DAY, durationMinutes: 20, timezone: null, endTime: T0 + 2 * DAY + 20 * 60_000, participantsCount: 3, source: 'meetings' }, T0 + 7);
    vault.markDetailsUnavailable('u1==', T0 + 7);
    expect(vault.pendingInstances(10)).toEqual([]);
    expect(vault.knowsMeeting('u1==') && vault.knowsMeeting('u2==')).toBe(true);
    expect(vault.saveInstances('111', instances, T0 + 8)).toBe(0);

    vault.relistMeetingId('111');
    expect(vault.meetingIdsToList()).toEqual(['111', '222']);
  });

  it('a recording teaches its meeting ID and instance; an event-stored meeting needs no listing for it', () => {
    const vault = scratch.vault();
    vault.savePage({ resource: 'recordings', window: WINDOW, items: [recording(1)], next: null, fetchedAt: T0 });
    expect(vault.meetingIdsToList()).toEqual([recording(1).meetingId]);
    expect(vault.pendingInstances(10)).toEqual([{ uuid: recording(1).meetingUuid, meetingId: recording(1).meetingId, startTime: recording(1).startTime }]);

    vault.saveEventMeeting({ uuid: 'ev==', meetingId: '333', hostId: 'h', topic: 'Huddle', type: 1, startTime: T0, durationMinutes: 5, timezone: null, endTime: T0 + 300_000, participantsCount: null, source: 'meetings' }, T0 + 1);
    expect(vault.meetingIdListedAt('333')).toBe(T0 + 1);
    expect(vault.getMeeting('ev==')).toMatchObject({ topic: 'Huddle', endTime: T0 + 300_000 });
  });
});
