import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openVault } from '../../src/store/index.js';
import { loadMigrations, migrate } from '../../src/store/migrations.js';
import { TEST_KEY, rawVault } from '../helpers/vaultKey.js';
import { call, meeting, participant, recording, Scratch, T0, unwrap, WINDOW, saveMeetings } from './fixtures.js';

let scratch: Scratch;
beforeEach(() => {
  scratch = new Scratch();
});
afterEach(() => scratch.cleanup());

const VAULT_MIGRATIONS = new URL('../../src/store/migrations/vault/', import.meta.url);

describe('a vault made before search was ordered by time', () => {
  it('is migrated: its rows are found, newest first, and new rows join them', () => {
    const file = scratch.path('a_000000000000000000000001.db');
    const old = rawVault(file, { create: true });
    scratch.onCleanup(() => old.close());
    const [first] = loadMigrations(VAULT_MIGRATIONS);
    unwrap(migrate(old, [first!], 'old.db'));
    // Stored out of time order, as a sync that fetches the newest window first does; with SQL of
    // that schema (today's writer knows columns it lacks).
    const insertMeeting = old.prepare(`INSERT INTO meetings (uuid, meeting_id, host_id, topic, type, start_time, duration_minutes, timezone, source)
      VALUES (@uuid, @meetingId, @hostId, @topic, @type, @startTime, @durationMinutes, @timezone, @source)`);
    for (const m of [meeting(3, { topic: 'Heron planning' }), meeting(1, { topic: 'Heron kickoff' }), meeting(2, { topic: 'Other' })]) insertMeeting.run(m);
    const insertParticipant = old.prepare(`INSERT INTO participants (meeting_uuid, key, participant_id, user_id, name, email, join_time, leave_time, duration_seconds)
      VALUES (@meetingUuid, @key, @participantId, @userId, @name, @email, @joinTime, @leaveTime, @durationSeconds)`);
    insertParticipant.run(participant(meeting(2).uuid, 1, { name: 'Heron Late', joinTime: null }));
    insertParticipant.run(participant(meeting(2).uuid, 2, { name: 'Heron Early' }));
    old.prepare(`INSERT INTO calls (history_id, call_id, direction, caller_name, caller_number, callee_name, callee_number, start_time)
      VALUES (@id, @callId, @direction, @callerName, @callerNumber, @calleeName, @calleeNumber, @startTime)`).run(call(4, { calleeName: 'Heron Desk' }));
    const heronTalk = recording(1, { topic: 'Heron talk', startTime: meeting(1).startTime + 1 });
    old.prepare(`INSERT INTO recordings (meeting_uuid, meeting_id, topic, start_time, duration_minutes, total_size)
      VALUES (@meetingUuid, @meetingId, @topic, @startTime, @durationMinutes, @totalSize)`).run(heronTalk);
    old.close();

    const vault = unwrap(openVault(file, { key: TEST_KEY }));
    scratch.onCleanup(() => vault.close());
    expect(vault.integrityCheck()).toBe('ok');
    const found = (): Array<[string, number]> => unwrap(vault.search('heron', 10)).map((h) => [h.kind, h.time]);
    expect(found()).toEqual([
      ['call', call(4).startTime],
      ['meeting', meeting(3).startTime],
      ['participant', meeting(2).startTime],
      ['recording', meeting(1).startTime + 1],
      ['meeting', meeting(1).startTime],
      ['participant', participant(meeting(2).uuid, 2).joinTime],
    ]);
    saveMeetings(vault, [meeting(9, { topic: 'Heron retro', startTime: meeting(3).startTime - 1 })], T0);
    expect(found()[2]).toEqual(['meeting', meeting(3).startTime - 1]);
    expect(vault.integrityCheck()).toBe('ok');
  });
});

describe('entries of one millisecond', () => {
  it('more than a millisecond holds (65,536) all go in and are all found, and the order stays newest first', () => {
    const vault = scratch.vault();
    const start = T0 + 10_000;
    const webinar = meeting(1, { topic: 'All hands', startTime: start });
    saveMeetings(vault, [webinar], T0);
    // Stored before the attendees: entries of the neighbouring milliseconds, whose keys the overflow must not pass.
    vault.savePage({ resource: 'calls', window: WINDOW, items: [call(1, { callerName: 'Ibis Earlier', startTime: start - 1 })], next: null, fetchedAt: T0 });
    vault.savePage({ resource: 'recordings', window: WINDOW, items: [recording(1, { topic: 'Ibis later', startTime: start + 1 })], next: null, fetchedAt: T0 });
    // No join times: every attendee's time is the meeting's start.
    const count = 70_000;
    const attendees = Array.from({ length: count }, (_, n) => participant(webinar.uuid, n, { name: `Attendee ${n}`, email: null, joinTime: null }));
    for (const n of [0, 65_535, 65_536, count - 1]) attendees[n] = { ...attendees[n]!, name: `Ibis Attendee ${n}` };
    expect(vault.saveParticipants(webinar.uuid, attendees, T0)).toBe(true);

    const hits = unwrap(vault.search('ibis', 10));
    expect(hits.map((h) => h.snippet).sort()).toEqual(['Ibis Earlier +15550101 Me +15550199', 'Ibis later', ...[0, 65_535, 65_536, count - 1].map((n) => `Ibis Attendee ${n}`)].map(marked).sort());
    expect(hits.map((h) => h.time)).toEqual([start + 1, start, start, start, start, start - 1]);
    expect(unwrap(vault.search(`attendee ${count - 1}`, 10)).map((h) => h.snippet)).toEqual([`Ibis [Attendee] [${count - 1}]`]);
    expect(vault.counts().participants).toBe(count);
    expect(unwrap(vault.search('attendee', 500))).toHaveLength(500);
    expect(vault.integrityCheck()).toBe('ok');
  }, 30_000);
});

/** The snippet of a hit for 'ibis': the word in brackets. */
function marked(text: string): string {
  return text.replace(/^Ibis/, '[Ibis]');
}
