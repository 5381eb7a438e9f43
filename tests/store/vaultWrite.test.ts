import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/core/records.js';
import type { Vault } from '../../src/store/index.js';
import { call, DAY, meeting, participant, recording, Scratch, T0, unwrap, WINDOW, saveMeetings } from './fixtures.js';

let scratch: Scratch;
let vault: Vault;
beforeEach(() => {
  scratch = new Scratch();
  vault = scratch.vault();
});
afterEach(() => scratch.cleanup());

const page1 = { token: 'tok-1', issuedAt: T0 + 5 };

function hitCount(text: string): number {
  return unwrap(vault.search(text, 500)).length;
}

describe('idempotent upserts', () => {
  it('storing the same pages twice leaves the same rows and search hits', () => {
    const meetings = [meeting(1), meeting(2, { topic: 'Budget review' })];
    const store = (): void => {
      saveMeetings(vault, meetings, T0);
      vault.savePage({ resource: 'recordings', window: WINDOW, items: [recording(1)], next: null, fetchedAt: T0 });
      vault.savePage({ resource: 'calls', window: WINDOW, items: [call(1)], next: null, fetchedAt: T0 });
      vault.saveParticipants(meetings[0]!.uuid, [participant(meetings[0]!.uuid, 1), participant(meetings[0]!.uuid, 2)], T0);
    };
    store();
    const counts = vault.counts();
    const hits = [hitCount('budget'), hitCount('person'), hitCount('recorded'), hitCount('caller')];
    store();
    expect(counts).toEqual({ meetings: 2, participants: 2, recordings: 1, calls: 1 });
    expect(vault.counts()).toEqual(counts);
    expect([hitCount('budget'), hitCount('person'), hitCount('recorded'), hitCount('caller')]).toEqual(hits);
    expect(hits).toEqual([1, 2, 1, 1]);
    expect(unwrap(vault.listRecordings({ limit: 10 })).items[0]?.files).toHaveLength(2);
    expect(vault.integrityCheck()).toBe('ok');
  });

  it('an updated topic replaces the old text in search', () => {
    saveMeetings(vault, [meeting(1, { topic: 'Quarterly planning' })], T0);
    saveMeetings(vault, [meeting(1, { topic: 'Roadmap offsite' })], T0);
    expect(hitCount('quarterly')).toBe(0);
    expect(unwrap(vault.search('roadmap', 10)).map((h) => h.ref)).toEqual([meeting(1).uuid]);
    expect(vault.getMeeting(meeting(1).uuid)?.topic).toBe('Roadmap offsite');
  });

  it('a later record without an end time or a count keeps what an earlier one said', () => {
    saveMeetings(vault, [meeting(1, { endTime: T0 + DAY, participantsCount: 7 })], T0);
    saveMeetings(vault, [meeting(1)], T0);
    expect(vault.getMeeting(meeting(1).uuid)).toMatchObject({ endTime: T0 + DAY, participantsCount: 7 });
  });

  it('replaces a meeting’s participants as a set and a recording’s files as a set', () => {
    const m = meeting(1);
    saveMeetings(vault, [m], T0);
    vault.saveParticipants(m.uuid, [participant(m.uuid, 1), participant(m.uuid, 2, { name: 'Ottoline Vance' })], T0);
    vault.saveParticipants(m.uuid, [participant(m.uuid, 1), participant(m.uuid, 3)], T0 + 1);
    expect(vault.getMeeting(m.uuid)?.participants.map((p) => p.key)).toEqual(['p1@1', 'p3@3']);
    expect(hitCount('ottoline')).toBe(0);

    const r = recording(1);
    vault.savePage({ resource: 'recordings', window: WINDOW, items: [r], next: null, fetchedAt: T0 });
    vault.savePage({ resource: 'recordings', window: WINDOW, items: [{ ...r, files: [r.files[1]!] }], next: null, fetchedAt: T0 });
    expect(unwrap(vault.listRecordings({ limit: 10 })).items[0]?.files.map((f) => f.id)).toEqual(['f1b']);
  });

  it('does not store participants of a meeting it does not have', () => {
    expect(vault.saveParticipants('unknown==', [participant('unknown==', 1)], T0)).toBe(false);
    expect(vault.counts().participants).toBe(0);
  });
});

describe('savePage and the window checkpoint', () => {
  it('stores rows and the next page token together, counting pages and items of the pass', () => {
    vault.savePage({ resource: 'calls', window: WINDOW, items: [call(1), call(2)], next: page1, fetchedAt: T0 + 5 });
    expect(vault.getWindow('calls', WINDOW.start)).toMatchObject({
      start: WINDOW.start,
      end: WINDOW.end,
      status: 'open',
      pageToken: 'tok-1',
      pageTokenIssuedAt: T0 + 5,
      pages: 1,
      items: 2,
      passStartedAt: T0 + 5,
    });
    vault.savePage({ resource: 'calls', window: WINDOW, items: [call(3)], next: null, fetchedAt: T0 + 6 });
    expect(vault.getWindow('calls', WINDOW.start)).toMatchObject({ status: 'open', pageToken: null, pages: 2, items: 3, passStartedAt: T0 + 5 });
    expect(vault.completeWindow('calls', WINDOW.start, T0 + 7)).toBe(true);
    expect(vault.getWindow('calls', WINDOW.start)).toMatchObject({ status: 'complete', completedAt: T0 + 7 });
    expect(vault.getWindow('recordings', WINDOW.start)).toBeNull();

    // A new pass over a complete window starts its counters again.
    vault.savePage({ resource: 'calls', window: WINDOW, items: [call(1)], next: page1, fetchedAt: T0 + 8 });
    expect(vault.getWindow('calls', WINDOW.start)).toMatchObject({ status: 'open', pages: 1, items: 1, completedAt: T0 + 7, passStartedAt: T0 + 8 });
    expect(vault.listWindows('calls')).toHaveLength(1);
    expect(vault.listWindows('recordings')).toHaveLength(0);
  });

  it('restartWindow forgets the expired token so the pass starts over', () => {
    vault.savePage({ resource: 'calls', window: WINDOW, items: [call(1)], next: page1, fetchedAt: T0 });
    expect(vault.restartWindow('calls', WINDOW.start)).toBe(true);
    expect(vault.getWindow('calls', WINDOW.start)).toMatchObject({ status: 'open', pageToken: null, pageTokenIssuedAt: null });
    vault.savePage({ resource: 'calls', window: WINDOW, items: [call(1), call(2)], next: null, fetchedAt: T0 + 1 });
    expect(vault.getWindow('calls', WINDOW.start)).toMatchObject({ pages: 1, items: 2, passStartedAt: T0 + 1 });
  });

  it('a page that fails half way leaves neither its rows nor its token (a crash resumes from the previous token)', () => {
    vault.savePage({ resource: 'calls', window: WINDOW, items: [call(1)], next: page1, fetchedAt: T0 });
    const broken = { ...call(3), direction: null } as unknown as CallRecord;
    expect(() => vault.savePage({ resource: 'calls', window: WINDOW, items: [call(2, { callerName: 'Sync Two' }), broken], next: { token: 'tok-2', issuedAt: T0 + 1 }, fetchedAt: T0 + 1 })).toThrow();
    expect(vault.counts().calls).toBe(1);
    expect(hitCount('sync two')).toBe(0);
    expect(vault.getWindow('calls', WINDOW.start)).toMatchObject({ pageToken: 'tok-1', pages: 1, items: 1 });
  });
});

describe('participants bookkeeping', () => {
  it('lists meetings without participants newest first until they are stored or refused', () => {
    saveMeetings(vault, [meeting(1), meeting(2, { endTime: T0 + DAY, source: 'report' }), meeting(3)]);
    const due = vault.meetingsNeedingParticipants(10);
    expect(due.map((m) => m.uuid)).toEqual([meeting(3).uuid, meeting(2).uuid, meeting(1).uuid]);
    expect(due[1]).toMatchObject({ endTime: T0 + DAY, endsAt: T0 + DAY, source: 'report' });
    expect(due[0]?.endsAt).toBe(meeting(3).startTime + 30 * 60_000);
    expect(vault.meetingsNeedingParticipants(1)).toHaveLength(1);

    vault.saveParticipants(meeting(3).uuid, [], T0);
    expect(vault.markParticipantsUnavailable(meeting(1).uuid, T0)).toBe(true);
    expect(vault.meetingsNeedingParticipants(10).map((m) => m.uuid)).toEqual([meeting(2).uuid]);
    // Listing the meeting again does not ask for its participants again.
    saveMeetings(vault, [meeting(3)], T0 + 1);
    expect(vault.meetingsNeedingParticipants(10).map((m) => m.uuid)).toEqual([meeting(2).uuid]);
  });
});

describe('tokens and identity', () => {
  it('saves, replaces and clears the token pair', () => {
    expect(vault.getTokens()).toBeNull();
    const tokens = { accessToken: 'at1', refreshToken: 'rt1', expiresAt: T0 + 3600_000, scope: 'meeting:read', apiUrl: 'https://api.zoom.us', updatedAt: T0 };
    vault.saveTokens(tokens);
    vault.saveTokens({ ...tokens, accessToken: 'at2', refreshToken: 'rt2', updatedAt: T0 + 1 });
    expect(vault.getTokens()).toEqual({ ...tokens, accessToken: 'at2', refreshToken: 'rt2', updatedAt: T0 + 1 });
    vault.clearTokens();
    expect(vault.getTokens()).toBeNull();
  });
});
