// What the simulator serves and posts has Zoom's shapes: every endpoint's responses (several pages
// each) and every event validate against spec/zoom-rivet (JSON Schema converted from Zoom's own
// typed SDK, @zoom/rivet), with every object closed, so a field Zoom does not declare fails; call
// history also against Zoom Phone's endpoints.json (spec/zoom-openapi).
//
// What had to be relaxed, and why:
// - Rivet marks nearly every field optional, so a schema alone would accept an empty object. This
//   test adds the opposite check: the fields callvault reads must be present (KEY_FIELDS below).
// - Ajv runs with strict: false for the Phone document, which carries keywords JSON Schema does not
//   know ('example', 'xml'); formats are checked there (ajv-formats).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { startSimulator, type GroundTruth, type Simulator } from '../../src/sim/index.js';
import { SPEC_FILE, specText } from '../../scripts/rivet-spec.mjs';
import { DAY_MS, api, isoDay, login } from './helpers.js';

type OpenApi = { paths: Record<string, { get: { responses: Record<string, { content?: Record<string, { schema: object }> }> } }>; components: object };
type RivetSpec = { rivetVersion: string; definitions: Record<string, object> };

const specDir = join(import.meta.dirname, '../../spec');
const rivet = JSON.parse(readFileSync(SPEC_FILE, 'utf8')) as RivetSpec;
const phoneSpec = JSON.parse(readFileSync(join(specDir, 'zoom-openapi/phone-subset.json'), 'utf8')) as OpenApi;

// ajv-formats is CommonJS: its default import is the plugin function, or a namespace holding it.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);

function rivetValidator(name: string): ValidateFunction {
  const schema = rivet.definitions[name];
  if (!schema) throw new Error(`no Rivet schema ${name}`);
  return ajv.compile(schema);
}

function phoneValidator(path: string): ValidateFunction {
  const schema = phoneSpec.paths[path]?.get.responses['200']?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`no 200 JSON schema for ${path}`);
  // Local $refs ('#/components/schemas/...') resolve against the root: give the root the components.
  return ajv.compile({ ...schema, components: phoneSpec.components });
}

function expectValid(validate: ValidateFunction, body: unknown, what: string): void {
  const valid = validate(body);
  expect(valid ? [] : (validate.errors ?? []).map((e) => `${what}: ${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`)).toEqual([]);
}

const KEY_FIELDS = {
  listed: ['id', 'uuid', 'type'],
  pastMeeting: ['id', 'uuid', 'host_id', 'topic', 'type', 'start_time', 'end_time', 'duration', 'participants_count'],
  instance: ['uuid', 'start_time'],
  participant: ['id', 'user_id', 'name', 'user_email', 'join_time', 'leave_time', 'duration'],
  recording: ['uuid', 'id', 'topic', 'start_time', 'duration', 'total_size', 'recording_files'],
  recordingFile: ['id', 'file_type', 'recording_type', 'recording_start', 'recording_end', 'file_size'],
  call: ['id', 'call_id', 'direction', 'caller_name', 'caller_did_number', 'callee_name', 'callee_did_number', 'start_time', 'end_time', 'result', 'talk_time'],
  me: ['id', 'account_id', 'email', 'first_name', 'last_name', 'pmi'],
};

function expectKeys(item: unknown, keys: string[]): void {
  expect(Object.keys(item as object)).toEqual(expect.arrayContaining(keys));
}

const doubleEncoded = (uuid: string): string => encodeURIComponent(encodeURIComponent(uuid));

it('spec/zoom-rivet is what the pinned @zoom/rivet declares (regenerate with node scripts/rivet-spec.mjs)', () => {
  expect(readFileSync(SPEC_FILE, 'utf8')).toBe(specText());
  const pinned = (JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies['@zoom/rivet'];
  expect(rivet.rivetVersion).toBe(pinned);
});

describe('responses and events match Zoom\'s shapes', () => {
  const clock = new FakeClock(Date.UTC(2026, 2, 10, 15, 0, 0));
  let sim: Simulator;
  let token: string;
  let truth: GroundTruth;
  let userId: string;

  beforeAll(async () => {
    sim = await startSimulator({ clock, accounts: [{ plan: 'business', users: [{}] }] });
    userId = sim.admin.users()[0]?.userId ?? '';
    truth = sim.admin.groundTruth(userId);
    token = (await login(sim)).access_token;
  });
  afterAll(() => sim.close());

  /** Up to `pages` pages of `path` with page_size 5, each validated; returns the items seen. */
  async function validatePages(validate: ValidateFunction, path: string, key: string, pages = 3): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let next = '';
    for (let i = 0; i < pages; i++) {
      const page = await api(sim, token, `${path}${path.includes('?') ? '&' : '?'}page_size=5${next ? `&next_page_token=${next}` : ''}`);
      expect(page.status).toBe(200);
      expectValid(validate, page.body, `${path} page ${i + 1}`);
      items.push(...(page.body[key] as Record<string, unknown>[]));
      next = page.body.next_page_token as string;
      if (!next) break;
    }
    return items;
  }

  it('GET /users/me', async () => {
    const me = await api(sim, token, '/v2/users/me');
    expectValid(rivetValidator('UsersGetUserResponse'), me.body, '/users/me');
    expectKeys(me.body, KEY_FIELDS.me);
    expect(me.body).toMatchObject({ id: truth.user.userId, account_id: truth.user.accountId, pmi: truth.user.pmi });
  });

  it('GET /users/{userId}/meetings?type=previous_meetings', async () => {
    const items = await validatePages(rivetValidator('MeetingsListMeetingsResponse'), '/v2/users/me/meetings?type=previous_meetings', 'meetings');
    expect(items.length).toBeGreaterThan(0);
    for (const item of items) expectKeys(item, KEY_FIELDS.listed);
  });

  it('GET /past_meetings/{meetingId} by UUID (double-encoded where needed) and by numeric id, and /instances', async () => {
    const details = rivetValidator('MeetingsGetPastMeetingDetailsResponse');
    const instances = rivetValidator('MeetingsListPastMeetingInstancesResponse');
    for (const m of truth.meetings.filter((t) => t.inPastMeetings).slice(-12)) {
      const byUuid = await api(sim, token, `/v2/past_meetings/${doubleEncoded(m.pastMeeting.uuid)}`);
      expect(byUuid.status).toBe(200);
      expectValid(details, byUuid.body, m.pastMeeting.uuid);
      expectKeys(byUuid.body, KEY_FIELDS.pastMeeting);
      expectValid(details, (await api(sim, token, `/v2/past_meetings/${m.pastMeeting.id}`)).body, String(m.pastMeeting.id));
      const list = await api<{ meetings: unknown[] }>(sim, token, `/v2/past_meetings/${m.pastMeeting.id}/instances`);
      expectValid(instances, list.body, `${m.pastMeeting.id} instances`);
      for (const item of list.body.meetings) expectKeys(item, KEY_FIELDS.instance);
      await clock.advance(1_000);
    }
  });

  it('GET /past_meetings/{meetingId}/participants', async () => {
    const validate = rivetValidator('MeetingsGetPastMeetingParticipantsResponse');
    const attended = truth.meetings.filter((m) => m.participants.length > 5 && m.inPastMeetings).slice(0, 3);
    expect(attended.length).toBeGreaterThan(0);
    for (const m of attended) {
      const rows = await validatePages(validate, `/v2/past_meetings/${doubleEncoded(m.pastMeeting.uuid)}/participants`, 'participants');
      for (const row of rows) expectKeys(row, KEY_FIELDS.participant);
    }
  });

  it('GET /users/{userId}/recordings: recording_files included', async () => {
    const newest = truth.recordings.at(-1);
    if (!newest) throw new Error('the dataset has no recordings');
    const day = Date.parse(newest.start_time);
    const items = await validatePages(rivetValidator('CloudRecordingListAllRecordingsResponse'), `/v2/users/me/recordings?from=${isoDay(day - 25 * DAY_MS)}&to=${isoDay(day)}`, 'meetings');
    expect(items.length).toBeGreaterThan(0);
    for (const item of items) {
      expectKeys(item, KEY_FIELDS.recording);
      for (const file of item.recording_files as unknown[]) expectKeys(file, KEY_FIELDS.recordingFile);
    }
  });

  it('GET /phone/users/{userId}/call_history, against Rivet and Zoom Phone\'s endpoints.json', async () => {
    const to = clock.now();
    const path = `/v2/phone/users/me/call_history?from=${isoDay(to - 25 * DAY_MS)}&to=${isoDay(to)}`;
    const items = await validatePages(rivetValidator('CallLogsGetUsersCallHistoryResponse'), path, 'call_logs');
    await validatePages(phoneValidator('/phone/users/{userId}/call_history'), path, 'call_logs');
    expect(items.length).toBeGreaterThan(0);
    for (const item of items) expectKeys(item, KEY_FIELDS.call);
  });

  it('the events: meeting.ended, recording.completed / trashed / deleted, call history completed / deleted', () => {
    const byName: Record<string, string> = {
      'meeting.ended': 'MeetingEndedEvent',
      'recording.completed': 'RecordingCompletedEvent',
      'recording.trashed': 'RecordingTrashedEvent',
      'recording.deleted': 'RecordingDeletedEvent',
      'phone.caller_call_history_completed': 'PhoneCallerCallHistoryCompletedEvent',
      'phone.callee_call_history_completed': 'PhoneCalleeCallHistoryCompletedEvent',
      'phone.call_history_deleted': 'PhoneCallHistoryDeletedEvent',
    };
    const events = [...sim.admin.holdMeeting(userId, 'instant', { recorded: true }).events, ...sim.admin.addCalls(userId, 6).events];
    const [first, second] = sim.admin.groundTruth(userId).recordings;
    events.push(sim.admin.deleteRecording(userId, first?.uuid ?? '', 'trash')!, sim.admin.deleteRecording(userId, second?.uuid ?? '', 'delete')!);
    events.push(sim.admin.deleteCalls(userId, [truth.calls[0]?.log.id ?? ''])!);
    expect(new Set(events.map((e) => e.event))).toEqual(new Set(Object.keys(byName)));
    for (const event of events) expectValid(rivetValidator(byName[event.event] ?? ''), event, event.event);
  });

  it('the validators do reject a wrong shape (the check can fail)', () => {
    expect(rivetValidator('MeetingsListMeetingsResponse')({ meetings: [{ id: 'not-a-number' }] })).toBe(false);
    expect(rivetValidator('MeetingsGetPastMeetingDetailsResponse')({ uuid: 'x', a_field_zoom_lacks: 1 })).toBe(false);
    expect(rivetValidator('MeetingEndedEvent')({ event: 'meeting.ended', event_ts: 1, payload: { account_id: 'a', object: { uuid: 'x' } } })).toBe(false);
    expect(phoneValidator('/phone/users/{userId}/call_history')({ call_logs: [{ direction: 'sideways' }] })).toBe(false);
  });
});
