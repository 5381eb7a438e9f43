// The endpoints against the simulator's ground truth: the right requests, paging, mapping to
// records, UUID encoding, and the typed refusals.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock, systemClock } from '../../src/core/clock.js';
import type { MeetingRecord } from '../../src/core/records.js';
import { startSimulator, type GroundTruth, type Simulator } from '../../src/sim/index.js';
import { ENDPOINTS, type WindowQuery, type ZoomPageResult } from '../../src/zoom/index.js';
import { connect, countOf, DAY_MS, MemoryTokenStore, wire, type Wired } from './helpers.js';

// Real time: listing everything takes more requests than a rate-limit bucket holds.
const NOW = systemClock.now();

let sim: Simulator;
let admin: Wired;
let member: Wired;
let truth: GroundTruth;

beforeAll(async () => {
  const clock = systemClock;
  sim = await startSimulator({ accounts: [{ plan: 'business', users: [{}, { phone: false }] }] });
  const [first, second] = sim.admin.users();
  admin = wire(sim, { clock, store: new MemoryTokenStore(await connect(sim, clock, first?.userId)) });
  member = wire(sim, { clock, store: new MemoryTokenStore(await connect(sim, clock, second?.userId)) });
  truth = sim.admin.groundTruth(first?.userId ?? '');
});

afterAll(async () => {
  await sim.close();
});

/** Every item of every page of every calendar month from `start` to today. */
async function collect<T>(start: number, list: (q: WindowQuery) => Promise<ZoomPageResult<T>>, pageSize = 7): Promise<T[]> {
  const items: T[] = [];
  for (let from = Math.floor(start / DAY_MS) * DAY_MS; from <= NOW; ) {
    const d = new Date(from);
    const nextMonth = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    const to = Math.min(nextMonth - DAY_MS, NOW);
    let pageToken: string | undefined;
    do {
      const page = await list({ from, to, pageSize, pageToken });
      if (!page.ok) throw new Error(`page failed: ${page.error.kind}`);
      items.push(...page.value.items);
      pageToken = page.value.nextPageToken ?? undefined;
    } while (pageToken);
    from = nextMonth;
  }
  return items;
}

describe('endpoints', () => {
  it('getMe names the user, the Zoom account and the personal meeting ID', async () => {
    const me = await admin.client.getMe();
    expect(me).toEqual({
      ok: true,
      value: { id: truth.me.id, accountId: truth.me.account_id, email: truth.me.email, displayName: `${truth.me.first_name} ${truth.me.last_name}`, pmi: String(truth.me.pmi) },
    });
  });

  it('previous meetings: one row per listed meeting ID, paged; a row with no start time reads as null', async () => {
    const rows = [];
    let pageToken: string | undefined;
    do {
      const page = await admin.client.listPreviousMeetings({ pageSize: 2, pageToken });
      if (!page.ok) throw new Error(`page failed: ${page.error.kind}`);
      rows.push(...page.value.items);
      pageToken = page.value.nextPageToken ?? undefined;
    } while (pageToken);
    expect(rows).toEqual(truth.previousMeetings.map((m) => ({ meetingId: String(m.id), uuid: m.uuid, startTime: m.start_time ? Date.parse(m.start_time) : null })));
  });

  it('instances of a meeting ID, and each instance\'s details as a meeting record', async () => {
    const pmi = String(truth.me.pmi);
    const instances = await admin.client.listInstances(pmi);
    if (!instances.ok) throw new Error(`instances failed: ${instances.error.kind}`);
    const expected = truth.meetings.filter((m) => m.kind === 'pmi' && m.inInstances);
    expect(instances.value).toEqual(expected.map((m) => ({ uuid: m.pastMeeting.uuid, startTime: Date.parse(m.pastMeeting.start_time) })));
    const sample = expected.at(-1)?.pastMeeting;
    if (!sample) throw new Error('no PMI meeting');
    expect(await admin.client.getPastMeeting(sample.uuid)).toEqual({
      ok: true,
      value: {
        uuid: sample.uuid,
        meetingId: pmi,
        hostId: sample.host_id,
        topic: sample.topic,
        type: 4,
        startTime: Date.parse(sample.start_time),
        durationMinutes: sample.duration,
        timezone: null,
        endTime: Date.parse(sample.end_time),
        participantsCount: sample.participants_count,
        source: 'meetings',
      } satisfies MeetingRecord,
    });
  });

  it('participants with stable keys; UUIDs needing double encoding work', async () => {
    const tricky = truth.meetings.filter((m) => m.inPastMeetings && m.participants.length > 0 && (m.pastMeeting.uuid.startsWith('/') || m.pastMeeting.uuid.includes('//')));
    const plain = truth.meetings.find((m) => m.inPastMeetings && m.participants.length > 0 && !m.pastMeeting.uuid.includes('/'));
    expect(tricky.length).toBeGreaterThan(0);
    for (const meeting of [...tricky.slice(0, 4), ...(plain ? [plain] : [])]) {
      const uuid = meeting.pastMeeting.uuid;
      const past = await admin.client.listParticipants(uuid, { pageSize: 3 });
      if (!past.ok) throw new Error(`participants failed: ${past.error.kind}`);
      const rows = [...past.value.items];
      for (let token = past.value.nextPageToken; token; ) {
        const next = await admin.client.listParticipants(uuid, { pageSize: 3, pageToken: token });
        if (!next.ok) throw new Error(`participants failed: ${next.error.kind}`);
        rows.push(...next.value.items);
        token = next.value.nextPageToken;
      }
      expect(rows.map((r) => r.name)).toEqual(meeting.participants.map((p) => p.name));
      expect(rows.map((r) => r.durationSeconds)).toEqual(meeting.participants.map((p) => p.duration));
      expect(rows.every((r) => r.meetingUuid === uuid)).toBe(true);
      expect(new Set(rows.map((r) => r.key)).size).toBe(rows.length);
      expect((await admin.client.getPastMeeting(uuid)).ok).toBe(true);
    }
    expect(countOf(sim, `GET /v2${ENDPOINTS.pastParticipants.template}`, 404)).toBe(0);
  });

  it('recordings and calls: every item of every calendar month', async () => {
    const recordings = await collect(NOW - 365 * DAY_MS, (q) => admin.client.listRecordings(q), 300);
    expect(recordings.map((r) => r.meetingUuid).sort()).toEqual(truth.recordings.map((r) => r.uuid).sort());
    expect(recordings.every((r) => r.files.length > 0)).toBe(true);

    const calls = await collect(truth.horizons.callHistory, (q) => admin.client.listCallHistory(q), 300);
    expect(calls.map((c) => c.id)).toEqual(truth.calls.filter((c) => c.inCallHistory).map((c) => c.log.id));
    const first = truth.calls.find((c) => c.inCallHistory)?.log;
    expect(calls[0]).toMatchObject({ callId: first?.call_id, direction: first?.direction, callerName: first?.caller_name, callerNumber: first?.caller_did_number, talkTimeSeconds: first?.talk_time });
  });

  it('typed refusals: no Zoom Phone, unknown meeting or meeting ID', async () => {
    const window = { from: NOW - 10 * DAY_MS, to: NOW };
    expect(await member.client.listCallHistory(window)).toEqual({ ok: false, error: { kind: 'not-found' } });
    expect(await admin.client.listParticipants('no-such-meeting==')).toEqual({ ok: false, error: { kind: 'not-found' } });
    expect(await admin.client.getPastMeeting('no-such-meeting==')).toEqual({ ok: false, error: { kind: 'not-found' } });
    expect(await admin.client.listInstances('12345')).toEqual({ ok: false, error: { kind: 'not-found' } });
  });

  it('a window longer than one calendar month is a bug in the caller', () => {
    expect(() => admin.client.listCallHistory({ from: Date.UTC(2026, 0, 31), to: Date.UTC(2026, 1, 28) })).toThrow(RangeError);
    expect(() => admin.client.listCallHistory({ from: Date.UTC(2026, 0, 1), to: Date.UTC(2026, 1, 1) })).toThrow(RangeError);
  });
});

describe('page tokens', () => {
  it('an expired page token is page-token-expired, from the meetings API (400 code 300) and from Zoom Phone (400 code 301)', async () => {
    const clock = new FakeClock();
    const zoom = await startSimulator({ clock, accounts: [{ plan: 'pro', users: [{ dataset: { meetings: 200, participantsPerMeeting: 2, calls: 300, recordings: 0, days: 200 } }] }] });
    try {
      const w = wire(zoom, { clock, store: new MemoryTokenStore(await connect(zoom, clock)) });
      const window = { from: clock.now() - 20 * DAY_MS, to: clock.now(), pageSize: 1 };
      const firstMeetings = await w.client.listPreviousMeetings({ pageSize: 1 });
      const firstCalls = await w.client.listCallHistory(window);
      const meetingsToken = firstMeetings.ok ? firstMeetings.value.nextPageToken : null;
      const callsToken = firstCalls.ok ? firstCalls.value.nextPageToken : null;
      expect(meetingsToken).not.toBeNull();
      expect(callsToken).not.toBeNull();
      await clock.advance(14 * 60 * 1000);
      expect((await w.client.listPreviousMeetings({ pageSize: 1, pageToken: meetingsToken ?? '' })).ok).toBe(true);
      await clock.advance(2 * 60 * 1000);
      expect(await w.client.listPreviousMeetings({ pageSize: 1, pageToken: meetingsToken ?? '' })).toEqual({ ok: false, error: { kind: 'page-token-expired' } });
      expect(await w.client.listCallHistory({ ...window, pageToken: callsToken ?? '' })).toEqual({ ok: false, error: { kind: 'page-token-expired' } });
    } finally {
      await zoom.close();
    }
  });
});
