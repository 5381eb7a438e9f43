// What the simulator serves has the shape Zoom publishes: every endpoint's responses (several pages
// each) validate against the response schema in spec/zoom-openapi (responses -> 200 -> content ->
// application/json -> schema, $refs resolved within the same document).
//
// What had to be relaxed, and why:
// - Nothing in the schemas themselves: the subsets mark no response field as required, so a schema
//   alone would accept an empty object. This test adds the opposite check: the fields ZOOM.md's
//   endpoint table lists as the ones callvault reads must be present (KEY_FIELDS below).
// - Ajv runs with strict: false, because the OpenAPI documents carry keywords JSON Schema does not
//   know ('example', 'x-ballerina-name', 'xml'); formats are checked (ajv-formats), including
//   date-time, date, email and int64.
// - /users/me is not in the subsets; its fields are checked against the brief's list.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { startSimulator, type GroundTruth, type Simulator } from '../../src/sim/index.js';
import { DAY_MS, api, isoDay, login } from './helpers.js';

type OpenApi = { paths: Record<string, { get: { responses: Record<string, { content?: Record<string, { schema: object }> }> } }>; components: object };

const specDir = join(import.meta.dirname, '../../spec/zoom-openapi');
const meetingsSpec = JSON.parse(readFileSync(join(specDir, 'meetings-subset.json'), 'utf8')) as OpenApi;
const phoneSpec = JSON.parse(readFileSync(join(specDir, 'phone-subset.json'), 'utf8')) as OpenApi;

// ajv-formats is CommonJS: its default import is the plugin function, or a namespace holding it.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);

function responseValidator(spec: OpenApi, path: string): ValidateFunction {
  const schema = spec.paths[path]?.get.responses['200']?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`no 200 JSON schema for ${path}`);
  // Local $refs ('#/components/schemas/...') resolve against the root: give the root the components.
  return ajv.compile({ ...schema, components: spec.components });
}

function expectValid(validate: ValidateFunction, body: unknown, what: string): void {
  const valid = validate(body);
  expect(valid ? [] : (validate.errors ?? []).map((e) => `${what}: ${e.instancePath} ${e.message}`)).toEqual([]);
}

const KEY_FIELDS = {
  meeting: ['id', 'uuid', 'topic', 'type', 'start_time', 'duration', 'timezone', 'host_id'],
  pastMeeting: ['id', 'uuid', 'host_id', 'topic', 'start_time', 'end_time', 'duration', 'total_minutes', 'participants_count'],
  participant: ['id', 'user_id', 'name', 'user_email', 'join_time', 'leave_time', 'duration'],
  reportMeeting: ['uuid', 'id', 'topic', 'start_time', 'end_time', 'duration', 'participants_count', 'total_minutes', 'has_recording'],
  recording: ['uuid', 'id', 'topic', 'start_time', 'duration', 'recording_files'],
  recordingFile: ['id', 'file_type', 'recording_type', 'recording_start', 'recording_end', 'download_url'],
  call: ['id', 'call_id', 'direction', 'caller_name', 'caller_did_number', 'callee_name', 'callee_did_number', 'start_time', 'end_time', 'result', 'talk_time'],
  me: ['id', 'account_id', 'email', 'first_name', 'last_name', 'type', 'role_name', 'timezone', 'status'],
};

function expectKeys(item: unknown, keys: string[]): void {
  expect(Object.keys(item as object)).toEqual(expect.arrayContaining(keys));
}

const doubleEncoded = (uuid: string): string => encodeURIComponent(encodeURIComponent(uuid));

describe('responses match Zoom OpenAPI schemas', () => {
  const clock = new FakeClock(Date.UTC(2026, 2, 10, 15, 0, 0));
  let sim: Simulator;
  let token: string;
  let truth: GroundTruth;

  beforeAll(async () => {
    sim = await startSimulator({ clock, accounts: [{ plan: 'business', users: [{ admin: true }] }] });
    const [user] = sim.admin.users();
    truth = sim.admin.groundTruth(user?.userId ?? '');
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

  it('GET /users/{userId}/meetings?type=previous_meetings', async () => {
    const items = await validatePages(responseValidator(meetingsSpec, '/users/{userId}/meetings'), '/v2/users/me/meetings?type=previous_meetings', 'meetings');
    expect(items).toHaveLength(15);
    for (const item of items) expectKeys(item, KEY_FIELDS.meeting);
  });

  it('GET /past_meetings/{meetingId}, by UUID (double-encoded where needed) and by numeric id', async () => {
    const validate = responseValidator(meetingsSpec, '/past_meetings/{meetingId}');
    const sample = truth.meetings.filter((m) => m.inPastMeetings).slice(-12);
    for (const m of sample) {
      const byUuid = await api(sim, token, `/v2/past_meetings/${doubleEncoded(m.meeting.uuid)}`);
      expect(byUuid.status).toBe(200);
      expectValid(validate, byUuid.body, m.meeting.uuid);
      expectKeys(byUuid.body, KEY_FIELDS.pastMeeting);
      const byId = await api(sim, token, `/v2/past_meetings/${m.meeting.id}`);
      expectValid(validate, byId.body, String(m.meeting.id));
    }
  });

  it('GET /past_meetings/{meetingId}/instances', async () => {
    const validate = responseValidator(meetingsSpec, '/past_meetings/{meetingId}/instances');
    const recurring = truth.meetings.filter((m) => m.meeting.type === 8);
    expect(recurring.length).toBeGreaterThan(0);
    for (const m of recurring.slice(0, 5)) {
      const response = await api(sim, token, `/v2/past_meetings/${m.meeting.id}/instances`);
      expect(response.status).toBe(200);
      expectValid(validate, response.body, String(m.meeting.id));
    }
  });

  it('GET /past_meetings/{meetingId}/participants and /report/meetings/{meetingId}/participants', async () => {
    const past = responseValidator(meetingsSpec, '/past_meetings/{meetingId}/participants');
    const report = responseValidator(meetingsSpec, '/report/meetings/{meetingId}/participants');
    const attended = truth.meetings.filter((m) => m.participants.length > 5 && m.inPastMeetings).slice(0, 3);
    expect(attended.length).toBeGreaterThan(0);
    for (const m of attended) {
      const uuid = doubleEncoded(m.meeting.uuid);
      const rows = await validatePages(past, `/v2/past_meetings/${uuid}/participants`, 'participants');
      for (const row of rows) expectKeys(row, KEY_FIELDS.participant);
      await validatePages(report, `/v2/report/meetings/${uuid}/participants`, 'participants');
    }
  });

  it('GET /report/users/{userId}/meetings', async () => {
    const to = clock.now();
    const items = await validatePages(
      responseValidator(meetingsSpec, '/report/users/{userId}/meetings'),
      `/v2/report/users/me/meetings?from=${isoDay(to - 30 * DAY_MS)}&to=${isoDay(to)}`,
      'meetings',
    );
    expect(items.length).toBeGreaterThan(0);
    for (const item of items) expectKeys(item, KEY_FIELDS.reportMeeting);
  });

  it('GET /users/{userId}/recordings', async () => {
    const validate = responseValidator(meetingsSpec, '/users/{userId}/recordings');
    const newest = truth.recordings.at(-1);
    if (!newest) throw new Error('the dataset has no recordings');
    const day = Date.parse(newest.start_time);
    const items = await validatePages(validate, `/v2/users/me/recordings?from=${isoDay(day - 30 * DAY_MS)}&to=${isoDay(day)}`, 'meetings');
    expect(items.length).toBeGreaterThan(0);
    for (const item of items) {
      expectKeys(item, KEY_FIELDS.recording);
      for (const file of item.recording_files as unknown[]) expectKeys(file, KEY_FIELDS.recordingFile);
    }
  });

  it('GET /phone/users/{userId}/call_history', async () => {
    const to = clock.now();
    const items = await validatePages(
      responseValidator(phoneSpec, '/phone/users/{userId}/call_history'),
      `/v2/phone/users/me/call_history?from=${isoDay(to - 30 * DAY_MS)}&to=${isoDay(to)}`,
      'call_logs',
    );
    expect(items.length).toBeGreaterThan(0);
    for (const item of items) expectKeys(item, KEY_FIELDS.call);
  });

  it('GET /users/me (not in the subsets) has the fields the brief lists', async () => {
    const me = await api(sim, token, '/v2/users/me');
    expect(me.status).toBe(200);
    expectKeys(me.body, KEY_FIELDS.me);
    expect(me.body).toMatchObject({ id: truth.user.userId, account_id: truth.user.accountId, status: 'active' });
  });

  it('the validators do reject a wrong shape (the check can fail)', () => {
    const validate = responseValidator(meetingsSpec, '/users/{userId}/meetings');
    expect(validate({ meetings: [{ id: 'not-a-number', start_time: 'yesterday' }] })).toBe(false);
    const calls = responseValidator(phoneSpec, '/phone/users/{userId}/call_history');
    expect(calls({ call_logs: [{ direction: 'sideways' }] })).toBe(false);
  });
});
