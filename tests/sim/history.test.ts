import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { startSimulator, type CallLogJson, type GroundTruth, type MeetingListItemJson, type ReportMeetingJson, type Simulator } from '../../src/sim/index.js';
import { DAY_MS, allPages, api, isoDay, login } from './helpers.js';

const START = Date.UTC(2026, 2, 10, 15, 0, 0);
const PAGE_TOKEN_INVALID = { code: 300, message: 'The next page token is invalid or expired.' };
const doubleEncoded = (uuid: string): string => encodeURIComponent(encodeURIComponent(uuid));

describe('history endpoints', () => {
  const clock = new FakeClock(START);
  let sim: Simulator;
  let token: string;
  let otherToken: string;
  let truth: GroundTruth;

  beforeAll(async () => {
    // 500 days of history reach past every horizon (6, 12 and 15 months).
    const dataset = { meetings: 1300, participantsPerMeeting: 4, calls: 400, recordings: 40, days: 500 };
    sim = await startSimulator({ clock, accounts: [{ plan: 'business', users: [{ dataset, admin: true }, {}] }] });
    const [user, other] = sim.admin.users();
    truth = sim.admin.groundTruth(user?.userId ?? '');
    token = (await login(sim, user?.userId)).access_token;
    otherToken = (await login(sim, other?.userId)).access_token;
  });
  afterAll(() => sim.close());
  // A second of sim time refills the per-second buckets, so no test here meets a 429.
  beforeEach(() => clock.advance(1_000));

  describe('paging', () => {
    it('serves every previous meeting exactly once across pages, oldest first, no instant ones, 6 months back', async () => {
      const served = await allPages<MeetingListItemJson>(sim, token, '/v2/users/me/meetings?type=previous_meetings&page_size=100', 'meetings');
      const expected = truth.meetings.filter((m) => m.inPreviousMeetings).map((m) => m.meeting);
      expect(served).toEqual(expected);
      expect(served.some((m) => m.type === 1)).toBe(false);
      expect(truth.meetings.some((m) => m.meeting.type === 1)).toBe(true);
      const horizon = Date.UTC(2025, 8, 10);
      expect(Math.min(...served.map((m) => Date.parse(m.start_time)))).toBeGreaterThanOrEqual(horizon);
      expect(truth.meetings.some((m) => Date.parse(m.meeting.start_time) < horizon && m.meeting.type !== 1)).toBe(true);
    });

    it('defaults page_size to 30 and caps it at 300', async () => {
      const byDefault = await api(sim, token, '/v2/users/me/meetings?type=previous_meetings');
      expect(byDefault.body.page_size).toBe(30);
      expect(byDefault.body.meetings).toHaveLength(30);
      const capped = await api(sim, token, '/v2/users/me/meetings?type=previous_meetings&page_size=1000');
      expect(capped.body.page_size).toBe(300);
      expect(capped.body.meetings).toHaveLength(300);
      expect(capped.body.total_records).toBeGreaterThan(300);
      expect((await api(sim, token, '/v2/users/me/meetings?type=previous_meetings&page_size=abc')).status).toBe(400);
    });

    it('a page token lasts 15 minutes of sim time', async () => {
      const first = await api(sim, token, '/v2/users/me/meetings?type=previous_meetings&page_size=10');
      const next = first.body.next_page_token as string;
      expect(next).not.toBe('');
      await clock.advance(15 * 60_000 - 1_000);
      const second = await api(sim, token, `/v2/users/me/meetings?type=previous_meetings&page_size=10&next_page_token=${next}`);
      expect(second.status).toBe(200);
      const tokenOfSecond = second.body.next_page_token as string;
      await clock.advance(1_000);
      expect(await api(sim, token, `/v2/users/me/meetings?type=previous_meetings&page_size=10&next_page_token=${next}`)).toMatchObject({ status: 400, body: PAGE_TOKEN_INVALID });
      // A token issued later is still good.
      expect((await api(sim, token, `/v2/users/me/meetings?type=previous_meetings&page_size=10&next_page_token=${tokenOfSecond}`)).status).toBe(200);
    });

    it('a page token is bound to its query and user; unknown tokens are refused', async () => {
      const to = clock.now();
      const path = `/v2/phone/users/me/call_history?from=${isoDay(to - 30 * DAY_MS)}&to=${isoDay(to)}&page_size=5`;
      const next = (await api(sim, token, path)).body.next_page_token as string;
      expect(next).not.toBe('');
      expect((await api(sim, token, `${path}&next_page_token=${next}`)).status).toBe(200);
      const otherQuery = `/v2/phone/users/me/call_history?from=${isoDay(to - 29 * DAY_MS)}&to=${isoDay(to)}&page_size=5&next_page_token=${next}`;
      expect(await api(sim, token, otherQuery)).toMatchObject({ status: 400, body: PAGE_TOKEN_INVALID });
      expect(await api(sim, token, `/v2/users/me/recordings?page_size=5&next_page_token=${next}`)).toMatchObject({ status: 400, body: PAGE_TOKEN_INVALID });
      expect(await api(sim, otherToken, `${path}&next_page_token=${next}`)).toMatchObject({ status: 400, body: PAGE_TOKEN_INVALID });
      expect(await api(sim, token, `${path}&next_page_token=made-up`)).toMatchObject({ status: 400, body: PAGE_TOKEN_INVALID });
    });
  });

  describe('windows and horizons', () => {
    const windowed = ['/v2/report/users/me/meetings', '/v2/users/me/recordings', '/v2/phone/users/me/call_history'];

    it('refuses a from-to window longer than one month (31 days) with code 300', async () => {
      const to = clock.now();
      for (const path of windowed) {
        expect((await api(sim, token, `${path}?from=${isoDay(to - 31 * DAY_MS)}&to=${isoDay(to)}`)).status).toBe(200);
        const tooLong = await api(sim, token, `${path}?from=${isoDay(to - 32 * DAY_MS)}&to=${isoDay(to)}`);
        expect(tooLong.status).toBe(400);
        expect(tooLong.body.code).toBe(300);
      }
    });

    it('refuses malformed or reversed dates', async () => {
      for (const query of ['from=2026-02-30&to=2026-03-01', 'from=2026-03-05&to=2026-03-01', 'from=03/01/2026&to=2026-03-02', 'from=2026-03-01']) {
        const response = await api(sim, token, `/v2/report/users/me/meetings?${query}`);
        expect(response).toMatchObject({ status: 400, body: { code: 300 } });
      }
    });

    it('report and call history refuse a window older than 6 months and clamp one that straddles it', async () => {
      const horizon = Date.UTC(2025, 8, 10);
      for (const path of ['/v2/report/users/me/meetings', '/v2/phone/users/me/call_history']) {
        const old = await api(sim, token, `${path}?from=${isoDay(horizon - 20 * DAY_MS)}&to=${isoDay(horizon - DAY_MS)}`);
        expect(old).toMatchObject({ status: 400, body: { code: 300 } });
      }
      const from = horizon - 10 * DAY_MS;
      const to = horizon + 10 * DAY_MS;
      const report = await allPages<ReportMeetingJson>(sim, token, `/v2/report/users/me/meetings?from=${isoDay(from)}&to=${isoDay(to)}&page_size=300`, 'meetings');
      const expectedReport = truth.meetings
        .filter((m) => m.reportMeeting && m.inReport && Date.parse(m.meeting.start_time) < to + DAY_MS)
        .map((m) => m.reportMeeting);
      expect(report).toEqual(expectedReport);
      const calls = await allPages<CallLogJson>(sim, token, `/v2/phone/users/me/call_history?from=${isoDay(from)}&to=${isoDay(to)}&page_size=300`, 'call_logs');
      const expectedCalls = truth.calls.filter((c) => c.inCallHistory && Date.parse(c.log.start_time) < to + DAY_MS).map((c) => c.log);
      expect(calls).toEqual(expectedCalls);
      expect(calls.length).toBeGreaterThan(0);
    });

    it('the report lists only meetings with two or more participants, from/to inclusive UTC days', async () => {
      const to = clock.now() - 2 * DAY_MS;
      const from = to - 30 * DAY_MS;
      const served = await allPages<ReportMeetingJson>(sim, token, `/v2/report/users/me/meetings?from=${isoDay(from)}&to=${isoDay(to)}`, 'meetings');
      const start = Date.parse(`${isoDay(from)}T00:00:00Z`);
      const end = Date.parse(`${isoDay(to)}T00:00:00Z`) + DAY_MS;
      const expected = truth.meetings.filter((m) => m.inReport && Date.parse(m.meeting.start_time) >= start && Date.parse(m.meeting.start_time) < end);
      expect(served.map((m) => m.uuid)).toEqual(expected.map((m) => m.meeting.uuid));
      expect(served.every((m) => m.participants_count >= 2)).toBe(true);
      expect(truth.meetings.some((m) => m.reportMeeting === null)).toBe(true);
    });

    it('past_meetings answers up to a year back, then 12702; instances reach 15 months', async () => {
      const old = truth.meetings.find((m) => !m.inPastMeetings);
      const recent = truth.meetings.find((m) => m.inPastMeetings);
      if (!old || !recent) throw new Error('the dataset must straddle the one-year horizon');
      expect(await api(sim, token, `/v2/past_meetings/${doubleEncoded(old.meeting.uuid)}`)).toMatchObject({ status: 400, body: { code: 12702 } });
      expect(await api(sim, token, `/v2/past_meetings/${doubleEncoded(old.meeting.uuid)}/participants`)).toMatchObject({ status: 400, body: { code: 12702 } });
      expect((await api(sim, token, `/v2/past_meetings/${doubleEncoded(recent.meeting.uuid)}`)).body).toEqual(recent.pastMeeting);

      const fifteenMonths = truth.horizons.instances;
      const series = truth.meetings.find((m) => m.meeting.type === 8 && Date.parse(m.meeting.start_time) < fifteenMonths);
      if (!series) throw new Error('expected a recurring meeting older than 15 months');
      const instances = await api<{ meetings: { uuid: string; start_time: string }[] }>(sim, token, `/v2/past_meetings/${series.meeting.id}/instances`);
      const expected = truth.meetings.filter((m) => m.meeting.id === series.meeting.id && Date.parse(m.meeting.start_time) >= fifteenMonths);
      expect(instances.body.meetings.map((m) => m.uuid)).toEqual(expected.map((m) => m.meeting.uuid));
      expect(expected.length).toBeLessThan(truth.meetings.filter((m) => m.meeting.id === series.meeting.id).length);
    });
  });

  describe('meeting UUIDs and ids', () => {
    it('finds UUIDs starting with / or containing // only when double-encoded', async () => {
      const slashed = truth.meetings.filter((m) => m.inPastMeetings && (m.meeting.uuid.startsWith('/') || m.meeting.uuid.includes('//')));
      expect(slashed.some((m) => m.meeting.uuid.startsWith('/'))).toBe(true);
      expect(slashed.some((m) => m.meeting.uuid.includes('//') && !m.meeting.uuid.startsWith('/'))).toBe(true);
      for (const m of slashed.slice(0, 6)) {
        expect((await api(sim, token, `/v2/past_meetings/${doubleEncoded(m.meeting.uuid)}`)).body).toEqual(m.pastMeeting);
        const participants = await api(sim, token, `/v2/past_meetings/${doubleEncoded(m.meeting.uuid)}/participants?page_size=300`);
        expect(participants.body.participants).toEqual(m.participants);
        const single = await api(sim, token, `/v2/past_meetings/${encodeURIComponent(m.meeting.uuid)}`);
        expect(single).toMatchObject({ status: 404, body: { code: 3001 } });
        expect(single.body.message).toBe(`Meeting does not exist: ${m.meeting.uuid}.`);
        expect((await api(sim, token, `/v2/report/meetings/${encodeURIComponent(m.meeting.uuid)}/participants`)).status).toBe(404);
      }
    });

    it('finds ordinary UUIDs single- or double-encoded, and a numeric id as its latest instance', async () => {
      const ordinary = truth.meetings.filter((m) => m.inPastMeetings && !m.meeting.uuid.startsWith('/') && !m.meeting.uuid.includes('//')).slice(-5);
      for (const m of ordinary) {
        for (const encoded of [encodeURIComponent(m.meeting.uuid), doubleEncoded(m.meeting.uuid)]) {
          expect((await api(sim, token, `/v2/past_meetings/${encoded}`)).body).toEqual(m.pastMeeting);
        }
      }
      const series = truth.meetings.filter((m) => m.meeting.type === 8);
      const latest = series.filter((m) => m.meeting.id === series[0]?.meeting.id).at(-1);
      expect((await api(sim, token, `/v2/past_meetings/${latest?.meeting.id}`)).body).toEqual(latest?.pastMeeting);
      expect(await api(sim, token, '/v2/past_meetings/12345')).toMatchObject({ status: 404, body: { code: 3001 } });
    });

    it('participants are empty when one person attended; meetings of another user are not found', async () => {
      const solo = truth.meetings.find((m) => m.inPastMeetings && m.pastMeeting.participants_count === 1);
      if (!solo) throw new Error('expected a meeting with one participant');
      expect((await api(sim, token, `/v2/past_meetings/${doubleEncoded(solo.meeting.uuid)}/participants`)).body).toMatchObject({ participants: [], total_records: 0 });
      expect((await api(sim, token, `/v2/report/meetings/${doubleEncoded(solo.meeting.uuid)}/participants`)).body).toMatchObject({ participants: [] });
      expect((await api(sim, otherToken, `/v2/past_meetings/${doubleEncoded(solo.meeting.uuid)}`)).status).toBe(404);
    });
  });

  describe('users, plans, scopes and licences', () => {
    it('accepts me or the own user id, and not another user', async () => {
      const other = sim.admin.users()[1];
      expect((await api(sim, token, `/v2/users/${truth.user.userId}/meetings?type=previous_meetings`)).status).toBe(200);
      expect(await api(sim, token, `/v2/users/${other?.userId}/meetings?type=previous_meetings`)).toMatchObject({ status: 404, body: { code: 1001 } });
    });

    it('the report needs the admin scope (400, code 4700)', async () => {
      const to = clock.now();
      const response = await api(sim, otherToken, `/v2/report/users/me/meetings?from=${isoDay(to - 7 * DAY_MS)}&to=${isoDay(to)}`);
      expect(response).toEqual({
        status: 400,
        headers: expect.anything(),
        body: { code: 4700, message: 'Invalid access token, does not contain scopes:[report:read:user:admin].' },
      });
    });

    it('Free accounts get no participants, report or recordings; no Phone licence, no call history', async () => {
      const small = { meetings: 20, participantsPerMeeting: 3, calls: 10, recordings: 5, days: 60 };
      const free = await startSimulator({ clock, seed: 'free', accounts: [{ plan: 'free', users: [{ dataset: small, admin: true, phone: false }] }] });
      try {
        const [user] = free.admin.users();
        const freeTruth = free.admin.groundTruth(user?.userId ?? '');
        expect(freeTruth.serves).toEqual({ previousMeetings: true, pastMeetings: true, participants: false, report: false, recordings: false, callHistory: false });
        expect(freeTruth.recordings).toEqual([]);
        expect(freeTruth.calls).toEqual([]);
        const freeToken = (await login(free)).access_token;
        const to = clock.now();
        const window = `from=${isoDay(to - 7 * DAY_MS)}&to=${isoDay(to)}`;
        const uuid = doubleEncoded(freeTruth.meetings[0]?.meeting.uuid ?? '');
        for (const path of [`/v2/past_meetings/${uuid}/participants`, `/v2/report/users/me/meetings?${window}`, `/v2/users/me/recordings?${window}`, `/v2/phone/users/me/call_history?${window}`]) {
          const response = await api(free, freeToken, path);
          expect(response).toMatchObject({ status: 400, body: { code: 200 } });
          await clock.advance(1_000);
        }
        expect((await api(free, freeToken, '/v2/users/me/meetings?type=previous_meetings')).status).toBe(200);
      } finally {
        await free.close();
      }
    });
  });
});
