import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/zoom/backoff.js';
import { classifyError } from '../../src/zoom/failures.js';
import { participantKey, toCall, toParticipant, toRecording } from '../../src/zoom/mapping.js';
import { dateWindow, encodeMeetingUuid } from '../../src/zoom/requestPaths.js';
import { callLogSchema, meetingItemSchema, participantSchema, recordingSchema } from '../../src/zoom/schemas.js';

describe('backoff', () => {
  it('grows exponentially, is jittered, never near zero, and is capped', () => {
    const policy = { baseMs: 500, capMs: 30_000 };
    expect(backoffDelay(0, policy, () => 0)).toBe(250);
    expect(backoffDelay(0, policy, () => 1)).toBe(500);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(3000);
    expect(backoffDelay(20, policy, () => 1)).toBe(30_000);
    expect(backoffDelay(20, policy, () => 0)).toBe(15_000);
  });
});

describe('error classification', () => {
  it.each([
    [401, { code: 124, message: 'Invalid access token.' }, false, { action: 'reauthenticate', reason: '124' }],
    [429, { code: 429, message: '' }, false, { action: 'rate-limited' }],
    [500, null, false, { action: 'retry' }],
    [503, { code: 503 }, false, { action: 'retry' }],
    [404, { code: 3001, message: 'Meeting does not exist: 1.' }, false, { action: 'fail', failure: { kind: 'not-found' } }],
    [400, { code: 12702, message: 'Can not access a meeting a year ago.' }, false, { action: 'fail', failure: { kind: 'not-found' } }],
    [400, { code: 4700, message: 'Invalid access token, does not contain scopes:[report:read:user:admin].' }, false, { action: 'fail', failure: { kind: 'forbidden', reason: '4700' } }],
    [400, { code: 200, message: 'Only available for paid account: x' }, false, { action: 'fail', failure: { kind: 'forbidden', reason: '200' } }],
    [403, null, false, { action: 'fail', failure: { kind: 'forbidden', reason: '403' } }],
    [400, { code: 300, message: 'The next page token is invalid or expired.' }, true, { action: 'fail', failure: { kind: 'page-token-expired' } }],
    // A later page differs from the first only by its token: its bad parameter is the token.
    [400, { code: 300, message: 'Invalid field.' }, true, { action: 'fail', failure: { kind: 'page-token-expired' } }],
    // Zoom Phone's documented "Invalid request param: {paramName}".
    [400, { code: 301, message: 'Invalid request param: next_page_token.' }, true, { action: 'fail', failure: { kind: 'page-token-expired' } }],
    [400, { code: 300, message: 'The date range can only be one month.' }, false, { action: 'fail', failure: { kind: 'bad-request', code: 300 } }],
    // Zoom Phone for a user without a licence: "User does not exist".
    [404, { code: 300, message: 'User does not exist: me.' }, false, { action: 'fail', failure: { kind: 'not-found' } }],
    [400, 'not json', false, { action: 'fail', failure: { kind: 'bad-request', code: null } }],
  ])('%i %j (page token sent: %s)', (status, body, hadPageToken, expected) => {
    expect(classifyError(status, body, hadPageToken)).toEqual(expected);
  });
});

describe('request paths', () => {
  it('double-encodes UUIDs that start with / or contain //, and only those', () => {
    expect(encodeMeetingUuid('/abc==')).toBe('%252Fabc%253D%253D');
    expect(encodeMeetingUuid('ab//c')).toBe('ab%252F%252Fc');
    expect(encodeMeetingUuid('a/b+c==')).toBe('a%2Fb%2Bc%3D%3D');
  });

  it('sends UTC calendar days and refuses a window over one calendar month or running backwards', () => {
    const from = Date.UTC(2026, 0, 1, 23, 30);
    expect(dateWindow(from, Date.UTC(2026, 0, 31, 0, 10))).toEqual({ from: '2026-01-01', to: '2026-01-31' });
    expect(() => dateWindow(from, Date.UTC(2026, 1, 1))).toThrow(RangeError);
    expect(() => dateWindow(from, Date.UTC(2025, 11, 31))).toThrow(RangeError);
    expect(dateWindow(Date.UTC(2026, 0, 15), Date.UTC(2026, 1, 14))).toEqual({ from: '2026-01-15', to: '2026-02-14' });
    expect(() => dateWindow(Date.UTC(2026, 0, 15), Date.UTC(2026, 1, 15))).toThrow(RangeError);
    // From the 31st, the next month's last day is as far as "a month" goes: February has 28.
    expect(() => dateWindow(Date.UTC(2026, 0, 31), Date.UTC(2026, 1, 28))).toThrow(RangeError);
    expect(dateWindow(Date.UTC(2026, 0, 31), Date.UTC(2026, 1, 27)).to).toBe('2026-02-27');
  });
});

describe('record mapping', () => {
  const row = { id: 'u1', user_id: '16778240', name: 'Ann', user_email: 'ann@example.com', join_time: '2026-01-10T10:00:00Z', leave_time: '2026-01-10T10:30:00Z', duration: 1800 };

  it('gives one attendance the same key on every sync, and a rejoin another key', () => {
    const once = participantKey(participantSchema.parse(row));
    expect(participantKey(participantSchema.parse({ ...row }))).toBe(once);
    expect(once).toMatch(/^[0-9a-f]{16}$/);
    expect(participantKey(participantSchema.parse({ ...row, join_time: '2026-01-10T10:40:00Z' }))).not.toBe(once);
    // A guest without a Zoom id falls back to the per-meeting id, then to the name.
    const guest = participantSchema.parse({ ...row, id: '' });
    expect(participantKey(guest)).not.toBe(once);
    expect(participantKey(participantSchema.parse({ ...row, id: '', user_id: '' }))).toBe(participantKey(participantSchema.parse({ ...row, id: '', user_id: '', user_email: 'x' })));
  });

  it('maps participants with times in ms, duration in seconds, and missing fields as null', () => {
    expect(toParticipant('m1', participantSchema.parse(row))).toEqual({
      meetingUuid: 'm1',
      key: participantKey(participantSchema.parse(row)),
      participantId: '16778240',
      userId: 'u1',
      name: 'Ann',
      email: 'ann@example.com',
      joinTime: Date.UTC(2026, 0, 10, 10),
      leaveTime: Date.UTC(2026, 0, 10, 10, 30),
      durationSeconds: 1800,
    });
    const sparse = toParticipant('m1', participantSchema.parse({ name: 'Guest', user_email: '' }));
    expect(sparse).toMatchObject({ participantId: null, userId: null, email: null, joinTime: null, leaveTime: null, durationSeconds: 0 });
  });

  it('maps a call log, leaving out what the call did not have', () => {
    const log = callLogSchema.parse({ id: 'h1', call_id: 'c1', direction: 'inbound', caller_name: 'Bo', caller_did_number: '+15550173000', callee_name: 'Cy', callee_ext_number: '101', start_time: '2026-01-10T10:00:00Z', end_time: '2026-01-10T10:01:00Z', result: 'no_answer', talk_time: 0 });
    expect(toCall(log)).toEqual({ id: 'h1', callId: 'c1', direction: 'inbound', callerName: 'Bo', callerNumber: '+15550173000', calleeName: 'Cy', calleeNumber: '101', startTime: Date.UTC(2026, 0, 10, 10), answerTime: null, endTime: Date.UTC(2026, 0, 10, 10, 1), result: 'no_answer', talkTimeSeconds: 0, recordingId: null });
  });

  it('maps recordings and their files, numeric ids as strings', () => {
    const rec = recordingSchema.parse({ uuid: 'r==', id: 123456789, topic: 'T', start_time: '2026-01-10T10:00:00Z', duration: 30, total_size: 10, recording_files: [{ id: 'f1', file_type: 'MP4', recording_type: 'shared_screen', recording_start: '2026-01-10T10:00:00Z', recording_end: '2026-01-10T10:30:00Z', file_size: 10 }, { file_type: 'TIMELINE' }] });
    const mapped = toRecording(rec);
    expect(mapped).toMatchObject({ meetingUuid: 'r==', meetingId: '123456789', durationMinutes: 30, totalSize: 10 });
    expect(mapped?.files.map((f) => f.id)).toEqual(['f1', 'TIMELINE#1']);
  });

  it('an item without a start time fails no page: a recording takes its files\' start, a call without one is left out', () => {
    const files = [{ id: 'f1', recording_start: '2026-01-10T10:05:00Z' }, { id: 'f2', recording_start: '2026-01-10T10:00:30Z' }];
    expect(toRecording(recordingSchema.parse({ uuid: 'r==', id: 1, recording_files: files }))?.startTime).toBe(Date.UTC(2026, 0, 10, 10, 0, 30));
    expect(toRecording(recordingSchema.parse({ uuid: 'r==', id: 1 }))).toBeNull();
    expect(toCall(callLogSchema.parse({ id: 'h1', result: 'answered' }))).toBeNull();
    // A recurring meeting with no fixed time is listed without one.
    expect(meetingItemSchema.parse({ id: 81234567890, uuid: 'u==', type: 3, topic: 'Office hours' })).toMatchObject({ id: '81234567890', start_time: null });
  });

  it('refuses times it cannot read instead of storing garbage', () => {
    expect(callLogSchema.safeParse({ id: 'h1', start_time: 'yesterday' }).success).toBe(false);
  });
});
