import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { startSimulator, type CallLogJson, type GroundTruth, type MeetingListItemJson, type ReportMeetingJson, type Simulator } from '../../src/sim/index.js';
import { DAY_MS, allPages, api, isoDay, login } from './helpers.js';

const START = Date.UTC(2026, 2, 10, 15, 0, 0);
const LONG_HISTORY = { meetings: 1300, participantsPerMeeting: 4, calls: 400, recordings: 40, days: 500 };
const PAGE_TOKEN_INVALID = { code: 300, message: 'The next page token is invalid or expired.' };
const PHONE_PAGE_TOKEN_INVALID = { code: 301, message: 'Invalid request param: next_page_token.' };
const doubleEncoded = (uuid: string): string => encodeURIComponent(encodeURIComponent(uuid));

describe('history endpoints', () => {
  const clock = new FakeClock(START);
  let sim: Simulator;
  let token: string;
  let otherToken: string;
  let truth: GroundTruth;
  /** The same user's history behind an admin-managed app: only such a grant may use the report API. */
  let reportSim: Simulator;
  let reportToken: string;
  /** A report path goes to the admin-managed simulator, anything else to the user-managed one. */
  const ask = <T = Record<string, unknown>>(path: string) => (path.includes('/report/') ? api<T>(reportSim, reportToken, path) : api<T>(sim, token, path));

  beforeAll(async () => {
    // 500 days of history reach past every horizon (6, 12 and 15 months).
    sim = await startSimulator({ clock, accounts: [{ plan: 'business', users: [{ dataset: LONG_HISTORY }, {}] }] });
    const [user, other] = sim.admin.users();
    truth = sim.admin.groundTruth(user?.userId ?? '');
    token = (await login(sim, user?.userId)).access_token;
    otherToken = (await login(sim, other?.userId)).access_token;
    reportSim = await startSimulator({ clock, appType: 'admin-managed', accounts: [{ plan: 'business', users: [{ dataset: LONG_HISTORY, admin: true }] }] });
    reportToken = (await login(reportSim)).access_token;
    expect(reportSim.admin.groundTruth(truth.user.userId).meetings).toEqual(truth.meetings);
  });
  afterAll(async () => {
    await sim.close();
    await reportSim.close();
  });
  // A second of sim time refills the per-second buckets, so no test here meets a 429.
  beforeEach(() => clock.advance(1_000));

  describe('previous_meetings', () => {
    it('lists one row per unexpired scheduled or recurring meeting ID, never an instant or PMI meeting', async () => {
      const served = await allPages<MeetingListItemJson>(sim, token, '/v2/users/me/meetings?type=previous_meetings&page_size=10', 'meetings');
      expect(served).toEqual(truth.previousMeetings);
      expect(new Set(served.map((m) => m.id)).size).toBe(served.length);
      const listedIds = new Set(served.map((m) => m.id));
      for (const m of truth.meetings) expect(listedIds.has(m.pastMeeting.id)).toBe(m.inPreviousMeetings);
      expect(truth.meetings.some((m) => m.kind === 'instant' || m.kind === 'pmi')).toBe(true);
      expect(truth.meetings.filter((m) => m.kind === 'instant' || m.kind === 'pmi').every((m) => !m.inPreviousMeetings)).toBe(true);
      // Each row describes the ID's latest instance; a recurring meeting with no fixed time has no start time.
      for (const row of served) {
        const latest = truth.meetings.filter((m) => m.pastMeeting.id === row.id).at(-1);
        expect(row.uuid).toBe(latest?.pastMeeting.uuid);
        if (row.type === 3) expect(row.start_time).toBeUndefined();
        else expect(row.start_time).toBe(latest?.pastMeeting.start_time);
      }
      expect(served.some((m) => m.type === 3)).toBe(true);
    });

    it('an ID vanishes 30 days after its last use; its instances stay listed for 15 months', async () => {
      const own = new FakeClock(START);
      const aging = await startSimulator({ clock: own, accounts: [{ plan: 'pro', users: [{}] }] });
      try {
        // A fresh login each time: an access token lasts an hour.
        const listed = async () => (await allPages<MeetingListItemJson>(aging, (await login(aging)).access_token, '/v2/users/me/meetings?type=previous_meetings&page_size=300', 'meetings')).map((m) => m.id);
        const [user] = aging.admin.users();
        const { meeting } = aging.admin.holdMeeting(user?.userId ?? '', 'scheduled');
        expect(await listed()).toContain(meeting.pastMeeting.id);
        await own.advance(29 * DAY_MS);
        expect(await listed()).toContain(meeting.pastMeeting.id);
        await own.advance(DAY_MS);
        expect(await listed()).not.toContain(meeting.pastMeeting.id);
        expect(aging.admin.groundTruth(user?.userId ?? '').meetings.find((m) => m.pastMeeting.uuid === meeting.pastMeeting.uuid)?.inPreviousMeetings).toBe(false);
        const instances = await api<{ meetings: { uuid: string }[] }>(aging, (await login(aging)).access_token, `/v2/past_meetings/${meeting.pastMeeting.id}/instances`);
        expect(instances.body.meetings.map((m) => m.uuid)).toEqual([meeting.pastMeeting.uuid]);
      } finally {
        await aging.close();
      }
    });
  });

  describe('paging', () => {
    it('defaults page_size to 30 and caps it at 300', async () => {
      const total = truth.previousMeetings.length;
      expect(total).toBeGreaterThan(30);
      const byDefault = await api(sim, token, '/v2/users/me/meetings?type=previous_meetings');
      expect(byDefault.body.page_size).toBe(30);
      expect(byDefault.body.meetings).toHaveLength(30);
      const capped = await api(sim, token, '/v2/users/me/meetings?type=previous_meetings&page_size=1000');
      expect(capped.body.page_size).toBe(300);
      expect(capped.body.meetings).toHaveLength(total);
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
      const path = `/v2/phone/users/me/call_history?from=${isoDay(to - 27 * DAY_MS)}&to=${isoDay(to)}&page_size=5`;
      const next = (await api(sim, token, path)).body.next_page_token as string;
      expect(next).not.toBe('');
      expect((await api(sim, token, `${path}&next_page_token=${next}`)).status).toBe(200);
      const otherQuery = `/v2/phone/users/me/call_history?from=${isoDay(to - 26 * DAY_MS)}&to=${isoDay(to)}&page_size=5&next_page_token=${next}`;
      // Zoom Phone answers with its own documented code for a bad parameter.
      expect(await api(sim, token, otherQuery)).toMatchObject({ status: 400, body: PHONE_PAGE_TOKEN_INVALID });
      expect(await api(sim, token, `/v2/users/me/recordings?page_size=5&next_page_token=${next}`)).toMatchObject({ status: 400, body: PAGE_TOKEN_INVALID });
      expect(await api(sim, otherToken, `${path}&next_page_token=${next}`)).toMatchObject({ status: 400, body: PHONE_PAGE_TOKEN_INVALID });
      expect(await api(sim, token, `${path}&next_page_token=made-up`)).toMatchObject({ status: 400, body: PHONE_PAGE_TOKEN_INVALID });
    });
  });

  describe('windows and horizons', () => {
    const windowed = ['/v2/report/users/me/meetings', '/v2/users/me/recordings', '/v2/phone/users/me/call_history'];

    it('refuses a from-to range longer than one calendar month with code 300 (the strictest reading of "a month")', async () => {
      const ranges = {
        allowed: ['from=2026-02-15&to=2026-03-09', 'from=2026-02-01&to=2026-02-28', 'from=2026-01-31&to=2026-02-27', 'from=2025-12-10&to=2026-01-09'],
        refused: ['from=2026-02-01&to=2026-03-01', 'from=2026-01-31&to=2026-02-28', 'from=2025-12-10&to=2026-01-10', 'from=2026-01-01&to=2026-03-01'],
      };
      for (const path of windowed) {
        for (const range of ranges.allowed) expect((await ask(`${path}?${range}`)).status).toBe(200);
        for (const range of ranges.refused) expect(await ask(`${path}?${range}`)).toMatchObject({ status: 400, body: { code: 300 } });
      }
    });

    it('refuses malformed or reversed dates', async () => {
      for (const query of ['from=2026-02-30&to=2026-03-01', 'from=2026-03-05&to=2026-03-01', 'from=03/01/2026&to=2026-03-02', 'from=2026-03-01']) {
        const response = await ask(`/v2/report/users/me/meetings?${query}`);
        expect(response).toMatchObject({ status: 400, body: { code: 300 } });
      }
    });

    it('report and call history refuse a window older than 6 months and clamp one that straddles it', async () => {
      const horizon = Date.UTC(2025, 8, 10);
      for (const path of ['/v2/report/users/me/meetings', '/v2/phone/users/me/call_history']) {
        const old = await ask(`${path}?from=${isoDay(horizon - 20 * DAY_MS)}&to=${isoDay(horizon - DAY_MS)}`);
        expect(old).toMatchObject({ status: 400, body: { code: 300 } });
      }
      const from = horizon - 10 * DAY_MS;
      const to = horizon + 10 * DAY_MS;
      const report = await allPages<ReportMeetingJson>(reportSim, reportToken, `/v2/report/users/me/meetings?from=${isoDay(from)}&to=${isoDay(to)}&page_size=300`, 'meetings');
      const expectedReport = truth.meetings
        .filter((m) => m.reportMeeting && m.inReport && Date.parse(m.pastMeeting.start_time) < to + DAY_MS)
        .map((m) => m.reportMeeting);
      expect(report).toEqual(expectedReport);
      const calls = await allPages<CallLogJson>(sim, token, `/v2/phone/users/me/call_history?from=${isoDay(from)}&to=${isoDay(to)}&page_size=300`, 'call_logs');
      const expectedCalls = truth.calls.filter((c) => c.inCallHistory && Date.parse(c.log.start_time) < to + DAY_MS).map((c) => c.log);
      expect(calls).toEqual(expectedCalls);
      expect(calls.length).toBeGreaterThan(0);
    });

    it('the report lists only meetings with two or more participants, from/to inclusive UTC days', async () => {
      const to = clock.now() - 2 * DAY_MS;
      const from = to - 27 * DAY_MS;
      const served = await allPages<ReportMeetingJson>(reportSim, reportToken, `/v2/report/users/me/meetings?from=${isoDay(from)}&to=${isoDay(to)}`, 'meetings');
      const start = Date.parse(`${isoDay(from)}T00:00:00Z`);
      const end = Date.parse(`${isoDay(to)}T00:00:00Z`) + DAY_MS;
      const expected = truth.meetings.filter((m) => m.inReport && Date.parse(m.pastMeeting.start_time) >= start && Date.parse(m.pastMeeting.start_time) < end);
      expect(served.map((m) => m.uuid)).toEqual(expected.map((m) => m.pastMeeting.uuid));
      expect(served.every((m) => (m.participants_count ?? 0) >= 2)).toBe(true);
      expect(truth.meetings.some((m) => m.reportMeeting === null)).toBe(true);
    });

    it('past_meetings answers up to a year back, then 12702; instances reach 15 months', async () => {
      const old = truth.meetings.find((m) => !m.inPastMeetings);
      const recent = truth.meetings.find((m) => m.inPastMeetings);
      if (!old || !recent) throw new Error('the dataset must straddle the one-year horizon');
      expect(await api(sim, token, `/v2/past_meetings/${doubleEncoded(old.pastMeeting.uuid)}`)).toMatchObject({ status: 400, body: { code: 12702 } });
      expect(await api(sim, token, `/v2/past_meetings/${doubleEncoded(old.pastMeeting.uuid)}/participants`)).toMatchObject({ status: 400, body: { code: 12702 } });
      expect((await api(sim, token, `/v2/past_meetings/${doubleEncoded(recent.pastMeeting.uuid)}`)).body).toEqual(recent.pastMeeting);

      const fifteenMonths = truth.horizons.instances;
      // The PMI has been in use all along.
      const series = truth.meetings.find((m) => m.kind === 'pmi' && Date.parse(m.pastMeeting.start_time) < fifteenMonths);
      if (!series) throw new Error('expected a PMI meeting older than 15 months');
      const instances = await api<{ meetings: { uuid: string; start_time: string }[] }>(sim, token, `/v2/past_meetings/${series.pastMeeting.id}/instances`);
      const expected = truth.meetings.filter((m) => m.pastMeeting.id === series.pastMeeting.id && Date.parse(m.pastMeeting.start_time) >= fifteenMonths);
      expect(instances.body.meetings.map((m) => m.uuid)).toEqual(expected.map((m) => m.pastMeeting.uuid));
      expect(expected.length).toBeLessThan(truth.meetings.filter((m) => m.pastMeeting.id === series.pastMeeting.id).length);
    });
  });

  describe('meeting UUIDs and ids', () => {
    it('finds UUIDs starting with / or containing // only when double-encoded', async () => {
      const slashed = truth.meetings.filter((m) => m.inPastMeetings && (m.pastMeeting.uuid.startsWith('/') || m.pastMeeting.uuid.includes('//')));
      expect(slashed.some((m) => m.pastMeeting.uuid.startsWith('/'))).toBe(true);
      expect(slashed.some((m) => m.pastMeeting.uuid.includes('//') && !m.pastMeeting.uuid.startsWith('/'))).toBe(true);
      for (const m of slashed.slice(0, 6)) {
        expect((await api(sim, token, `/v2/past_meetings/${doubleEncoded(m.pastMeeting.uuid)}`)).body).toEqual(m.pastMeeting);
        const participants = await api(sim, token, `/v2/past_meetings/${doubleEncoded(m.pastMeeting.uuid)}/participants?page_size=300`);
        expect(participants.body.participants).toEqual(m.participants);
        const single = await api(sim, token, `/v2/past_meetings/${encodeURIComponent(m.pastMeeting.uuid)}`);
        expect(single).toMatchObject({ status: 404, body: { code: 3001 } });
        expect(single.body.message).toBe(`Meeting does not exist: ${m.pastMeeting.uuid}.`);
        expect((await ask(`/v2/report/meetings/${encodeURIComponent(m.pastMeeting.uuid)}/participants`)).status).toBe(404);
      }
    });

    it('finds ordinary UUIDs single- or double-encoded, and a numeric id as its latest instance', async () => {
      const ordinary = truth.meetings.filter((m) => m.inPastMeetings && !m.pastMeeting.uuid.startsWith('/') && !m.pastMeeting.uuid.includes('//')).slice(-5);
      for (const m of ordinary) {
        for (const encoded of [encodeURIComponent(m.pastMeeting.uuid), doubleEncoded(m.pastMeeting.uuid)]) {
          expect((await api(sim, token, `/v2/past_meetings/${encoded}`)).body).toEqual(m.pastMeeting);
        }
      }
      const series = truth.meetings.filter((m) => m.pastMeeting.type === 8);
      const latest = series.filter((m) => m.pastMeeting.id === series[0]?.pastMeeting.id).at(-1);
      expect((await api(sim, token, `/v2/past_meetings/${latest?.pastMeeting.id}`)).body).toEqual(latest?.pastMeeting);
      expect(await api(sim, token, '/v2/past_meetings/12345')).toMatchObject({ status: 404, body: { code: 3001 } });
    });

    it('participants are empty when one person attended; meetings of another user are not found', async () => {
      const solo = truth.meetings.find((m) => m.inPastMeetings && m.pastMeeting.participants_count === 1);
      if (!solo) throw new Error('expected a meeting with one participant');
      expect((await api(sim, token, `/v2/past_meetings/${doubleEncoded(solo.pastMeeting.uuid)}/participants`)).body).toMatchObject({ participants: [], total_records: 0 });
      expect((await ask(`/v2/report/meetings/${doubleEncoded(solo.pastMeeting.uuid)}/participants`)).body).toMatchObject({ participants: [] });
      expect((await api(sim, otherToken, `/v2/past_meetings/${doubleEncoded(solo.pastMeeting.uuid)}`)).status).toBe(404);
    });
  });

  describe('users, plans, scopes and licences', () => {
    it('accepts me or the own user id, and not another user', async () => {
      const other = sim.admin.users()[1];
      expect((await api(sim, token, `/v2/users/${truth.user.userId}/meetings?type=previous_meetings`)).status).toBe(200);
      expect(await api(sim, token, `/v2/users/${other?.userId}/meetings?type=previous_meetings`)).toMatchObject({ status: 404, body: { code: 1001 } });
    });

    it('a user-managed grant cannot use the report (400, code 4700)', async () => {
      const to = clock.now();
      const response = await api(sim, token, `/v2/report/users/me/meetings?from=${isoDay(to - 7 * DAY_MS)}&to=${isoDay(to)}`);
      expect(response).toEqual({
        status: 400,
        headers: expect.anything(),
        body: { code: 4700, message: 'Invalid access token, does not contain scopes:[report:read:user:admin].' },
      });
    });

    it('Free accounts get no participants or recordings; call history answers as Zoom Phone does without a licence', async () => {
      const small = { meetings: 20, participantsPerMeeting: 3, calls: 10, recordings: 5, days: 60 };
      const phones = [{ dataset: small, phone: false }, { dataset: small, phone: 'not-enabled' as const }];
      const free = await startSimulator({ clock, seed: 'free', accounts: [{ plan: 'free', users: [{ dataset: small }] }, { plan: 'business', users: phones }] });
      try {
        const [user, unlicensed, notEnabled] = free.admin.users();
        const freeTruth = free.admin.groundTruth(user?.userId ?? '');
        expect(freeTruth.serves).toEqual({ previousMeetings: true, pastMeetings: true, participants: false, report: false, recordings: false, callHistory: false });
        expect(freeTruth.recordings).toEqual([]);
        const freeToken = (await login(free)).access_token;
        const to = clock.now();
        const window = `from=${isoDay(to - 7 * DAY_MS)}&to=${isoDay(to)}`;
        const uuid = doubleEncoded(freeTruth.meetings[0]?.pastMeeting.uuid ?? '');
        for (const path of [`/v2/past_meetings/${uuid}/participants`, `/v2/users/me/recordings?${window}`]) {
          expect(await api(free, freeToken, path)).toMatchObject({ status: 400, body: { code: 200 } });
          // A Free account's rate limits are 2 Medium requests a second.
          await clock.advance(1_000);
        }
        expect((await api(free, freeToken, '/v2/users/me/meetings?type=previous_meetings')).status).toBe(200);
        // Zoom Phone's own answers: no licence, the user "does not exist" for Phone (404, code 300); no Zoom Phone at all, 403.
        const calls = `/v2/phone/users/me/call_history?${window}`;
        expect(await api(free, (await login(free, unlicensed?.userId)).access_token, calls)).toMatchObject({ status: 404, body: { code: 300, message: 'User does not exist: me.' } });
        expect((await api(free, (await login(free, notEnabled?.userId)).access_token, calls)).status).toBe(403);
        expect((await api(free, freeToken, calls)).status).toBe(403);
        expect(free.admin.groundTruth(unlicensed?.userId ?? '').calls).toEqual([]);
      } finally {
        await free.close();
      }
    });
  });
});
