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
  sim = await startSimulator({ accounts: [{ plan: 'business', users: [{ admin: true }, { phone: false }] }] });
  const [first, second] = sim.admin.users();
  admin = wire(sim, { clock, store: new MemoryTokenStore(await connect(sim, clock, first?.userId)) });
  member = wire(sim, { clock, store: new MemoryTokenStore(await connect(sim, clock, second?.userId)) });
  truth = sim.admin.groundTruth(first?.userId ?? '');
});

afterAll(async () => {
  await sim.close();
});

/** Every item of every page of every 30-day window from `start` to today. */
async function collect<T>(start: number, list: (q: WindowQuery) => Promise<ZoomPageResult<T>>, pageSize = 7): Promise<T[]> {
  const items: T[] = [];
  for (let from = Math.floor(start / DAY_MS) * DAY_MS; from <= NOW; from += 30 * DAY_MS) {
    const to = Math.min(from + 29 * DAY_MS, NOW);
    let pageToken: string | undefined;
    do {
      const page = await list({ from, to, pageSize, pageToken });
      if (!page.ok) throw new Error(`page failed: ${page.error.kind}`);
      items.push(...page.value.items);
      pageToken = page.value.nextPageToken ?? undefined;
    } while (pageToken);
  }
  return items;
}

describe('endpoints', () => {
  it('getMe names the user and the Zoom account', async () => {
    const me = await admin.client.getMe();
    expect(me).toEqual({ ok: true, value: { id: truth.me.id, accountId: truth.me.account_id, email: truth.me.email, displayName: `${truth.me.first_name} ${truth.me.last_name}` } });
  });

  it('previous meetings: every listed meeting, once, mapped to records', async () => {
    const meetings = await collect(truth.horizons.previousMeetings, (q) => admin.client.listPreviousMeetings(q));
    const expected = truth.meetings.filter((m) => m.inPreviousMeetings);
    expect(meetings.map((m) => m.uuid)).toEqual(expected.map((m) => m.meeting.uuid));
    const sample = expected[0]?.meeting;
    expect(meetings[0]).toEqual({
      uuid: sample?.uuid,
      meetingId: String(sample?.id),
      hostId: sample?.host_id,
      topic: sample?.topic,
      type: sample?.type,
      startTime: Date.parse(sample?.start_time ?? ''),
      durationMinutes: sample?.duration,
      timezone: sample?.timezone,
      endTime: null,
      participantsCount: null,
      source: 'meetings',
    } satisfies Partial<MeetingRecord>);
  });

  it('the report: meetings with end times and participant counts', async () => {
    const meetings = await collect(truth.horizons.report, (q) => admin.client.listReportMeetings(q), 300);
    const expected = truth.meetings.filter((m) => m.inReport);
    expect(meetings.map((m) => m.uuid)).toEqual(expected.map((m) => m.meeting.uuid));
    expect(meetings.every((m) => m.source === 'report' && m.endTime !== null && (m.participantsCount ?? 0) >= 2)).toBe(true);
  });

  it('participants, past and report, with stable keys; UUIDs needing double encoding work', async () => {
    const tricky = truth.meetings.filter((m) => m.inPastMeetings && m.participants.length > 0 && (m.meeting.uuid.startsWith('/') || m.meeting.uuid.includes('//')));
    const plain = truth.meetings.find((m) => m.inPastMeetings && m.participants.length > 0 && !m.meeting.uuid.includes('/'));
    expect(tricky.length).toBeGreaterThan(0);
    for (const meeting of [...tricky.slice(0, 4), ...(plain ? [plain] : [])]) {
      const past = await admin.client.listParticipants(meeting.meeting.uuid, { pageSize: 3 });
      if (!past.ok) throw new Error(`participants failed: ${past.error.kind}`);
      const rows = [...past.value.items];
      for (let token = past.value.nextPageToken; token; ) {
        const next = await admin.client.listParticipants(meeting.meeting.uuid, { pageSize: 3, pageToken: token });
        if (!next.ok) throw new Error(`participants failed: ${next.error.kind}`);
        rows.push(...next.value.items);
        token = next.value.nextPageToken;
      }
      expect(rows.map((r) => r.name)).toEqual(meeting.participants.map((p) => p.name));
      expect(rows.map((r) => r.durationSeconds)).toEqual(meeting.participants.map((p) => p.duration));
      expect(rows.every((r) => r.meetingUuid === meeting.meeting.uuid)).toBe(true);
      expect(new Set(rows.map((r) => r.key)).size).toBe(rows.length);

      const report = await admin.client.listParticipants(meeting.meeting.uuid, { report: true });
      if (!report.ok) throw new Error(`report participants failed: ${report.error.kind}`);
      expect(report.value.items.map((r) => r.key)).toEqual(rows.map((r) => r.key));
    }
    expect(countOf(sim, `GET /v2${ENDPOINTS.pastParticipants.template}`, 404)).toBe(0);
  });

  it('recordings and calls: every item of every window', async () => {
    const recordings = await collect(NOW - 365 * DAY_MS, (q) => admin.client.listRecordings(q), 300);
    expect(recordings.map((r) => r.meetingUuid).sort()).toEqual(truth.recordings.map((r) => r.uuid).sort());
    expect(recordings.every((r) => r.files.length > 0)).toBe(true);

    const calls = await collect(truth.horizons.callHistory, (q) => admin.client.listCallHistory(q), 300);
    expect(calls.map((c) => c.id)).toEqual(truth.calls.filter((c) => c.inCallHistory).map((c) => c.log.id));
    const first = truth.calls.find((c) => c.inCallHistory)?.log;
    expect(calls[0]).toMatchObject({ callId: first?.call_id, direction: first?.direction, callerName: first?.caller_name, callerNumber: first?.caller_did_number, talkTimeSeconds: first?.talk_time });
  });

  it('typed refusals: missing scope, missing licence, unknown meeting', async () => {
    const window = { from: NOW - 10 * DAY_MS, to: NOW };
    expect(await member.client.listReportMeetings(window)).toEqual({ ok: false, error: { kind: 'forbidden', reason: '4700' } });
    expect(await member.client.listCallHistory(window)).toEqual({ ok: false, error: { kind: 'forbidden', reason: '200' } });
    expect(await admin.client.listParticipants('no-such-meeting==')).toEqual({ ok: false, error: { kind: 'not-found' } });
  });

  it('a window longer than a month is a bug in the caller', () => {
    expect(() => admin.client.listCallHistory({ from: NOW - 40 * DAY_MS, to: NOW })).toThrow(RangeError);
  });
});

describe('page tokens', () => {
  it('an expired page token is page-token-expired', async () => {
    const clock = new FakeClock();
    const zoom = await startSimulator({ clock });
    try {
      const w = wire(zoom, { clock, store: new MemoryTokenStore(await connect(zoom, clock)) });
      const from = zoom.admin.groundTruth(zoom.admin.users()[0]?.userId ?? '').horizons.previousMeetings;
      const window = { from, to: from + 29 * DAY_MS, pageSize: 1 };
      const first = await w.client.listPreviousMeetings(window);
      const token = first.ok ? first.value.nextPageToken : null;
      expect(token).not.toBeNull();
      await clock.advance(14 * 60 * 1000);
      expect((await w.client.listPreviousMeetings({ ...window, pageToken: token ?? '' })).ok).toBe(true);
      await clock.advance(2 * 60 * 1000);
      expect(await w.client.listPreviousMeetings({ ...window, pageToken: token ?? '' })).toEqual({ ok: false, error: { kind: 'page-token-expired' } });
    } finally {
      await zoom.close();
    }
  });
});
