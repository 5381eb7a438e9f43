// Zoom's own SDK as the judge (issue 12 §5): every endpoint the daemon calls, called through
// @zoom/rivet's endpoint wrappers (which take a base URL and a token store, so they can talk to the
// simulator) with a token from the simulator's PKCE flow, pages followed to the end. What Rivet's
// wrappers get must be what the simulator's ground truth holds, and Rivet's error for a refusal
// must carry Zoom's status and code.

import { MeetingsOAuthClient } from '@zoom/rivet/meetings';
import { PhoneOAuthClient } from '@zoom/rivet/phone';
import { UsersOAuthClient } from '@zoom/rivet/users';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type GroundTruth, type Simulator } from '../../src/sim/index.js';
import { DAY_MS, isoDay, login, type Tokens } from './helpers.js';

/**
 * Options of Rivet's OAuth clients, over the simulator and a token of its PKCE flow. `baseUrl` is
 * honoured by Rivet's endpoints (WebEndpointOptions) though its client options type leaves it out.
 */
function rivetOptions(sim: Simulator, tokens: Tokens) {
  return {
    clientId: sim.clientId,
    // A public PKCE client has no secret; Rivet sends this one only when it refreshes, which it does not here.
    clientSecret: 'unused',
    disableReceiver: true as const,
    installerOptions: { redirectUri: 'http://127.0.0.1/callback', stateStore: 'unused-state-secret' },
    tokenStore: {
      getLatestToken: () => ({ accessToken: tokens.access_token, refreshToken: tokens.refresh_token, expirationTimeIso: new Date(Date.now() + tokens.expires_in * 1000).toISOString(), scopes: tokens.scope.split(' ') }),
      storeToken: () => undefined,
    },
    baseUrl: `${sim.url}/v2`,
  };
}

const doubleEncoded = (uuid: string): string => encodeURIComponent(encodeURIComponent(uuid));

describe('Rivet, Zoom\'s Node SDK, against the simulator', () => {
  let sim: Simulator;
  let truth: GroundTruth;
  let meetings: MeetingsOAuthClient;
  let phone: PhoneOAuthClient;
  let users: UsersOAuthClient;

  beforeAll(async () => {
    const dataset = { meetings: 300, participantsPerMeeting: 5, calls: 400, recordings: 30, days: 365 };
    sim = await startSimulator({ seed: 12, accounts: [{ plan: 'business', users: [{ dataset }, { phone: false }] }] });
    const [user] = sim.admin.users();
    truth = sim.admin.groundTruth(user?.userId ?? '');
    const options = rivetOptions(sim, await login(sim));
    meetings = new MeetingsOAuthClient(options);
    phone = new PhoneOAuthClient(options);
    users = new UsersOAuthClient(options);
  });
  afterAll(() => sim.close());

  /** Every page of a Rivet list call, by next_page_token. */
  async function allPages<T>(get: (pageToken: string | undefined) => Promise<{ statusCode: number; data?: { next_page_token?: string } & T }>, pick: (data: T) => unknown[] | undefined): Promise<unknown[]> {
    const items: unknown[] = [];
    let token: string | undefined;
    do {
      const page = await get(token);
      expect(page.statusCode).toBe(200);
      items.push(...(pick(page.data as T) ?? []));
      token = page.data?.next_page_token || undefined;
    } while (token);
    return items;
  }

  it('users.getUser("me"): the user and the PMI', async () => {
    const me = await users.endpoints.users.getUser({ path: { userId: 'me' } });
    expect(me.data).toMatchObject({ id: truth.user.userId, account_id: truth.user.accountId, pmi: truth.user.pmi });
  });

  it('meetings.listMeetings (previous_meetings), paged by 3', async () => {
    const listed = await allPages(
      (token) => meetings.endpoints.meetings.listMeetings({ path: { userId: 'me' }, query: { type: 'previous_meetings', page_size: 3, next_page_token: token } }),
      (d) => d.meetings,
    );
    expect(listed).toEqual(truth.previousMeetings);
    expect(listed.length).toBeGreaterThan(3);
  });

  it('meetings.listPastMeetingInstances, getPastMeetingDetails and getPastMeetingParticipants (paged by 2)', async () => {
    const pmiMeetings = truth.meetings.filter((m) => m.kind === 'pmi' && m.inPastMeetings);
    const instances = await meetings.endpoints.meetings.listPastMeetingInstances({ path: { meetingId: truth.user.pmi } });
    expect(instances.data?.meetings?.map((m) => m.uuid)).toEqual(truth.meetings.filter((m) => m.kind === 'pmi' && m.inInstances).map((m) => m.pastMeeting.uuid));
    for (const m of [...pmiMeetings.slice(-2), ...truth.meetings.filter((t) => t.pastMeeting.uuid.includes('//') && t.inPastMeetings).slice(-1)]) {
      const details = await meetings.endpoints.meetings.getPastMeetingDetails({ path: { meetingId: doubleEncoded(m.pastMeeting.uuid) } });
      expect(details.data).toEqual(m.pastMeeting);
      const participants = await allPages(
        (token) => meetings.endpoints.meetings.getPastMeetingParticipants({ path: { meetingId: doubleEncoded(m.pastMeeting.uuid) }, query: { page_size: 2, next_page_token: token } }),
        (d) => d.participants,
      );
      expect(participants).toEqual(m.participants);
    }
  });

  it('cloudRecording.listAllRecordings over a month, paged by 1', async () => {
    const newest = Date.parse(truth.recordings.at(-1)?.start_time ?? '');
    const from = newest - 25 * DAY_MS;
    const listed = await allPages(
      (token) => meetings.endpoints.cloudRecording.listAllRecordings({ path: { userId: 'me' }, query: { from: isoDay(from), to: isoDay(newest), page_size: 1, next_page_token: token } }),
      (d) => d.meetings,
    );
    const expected = truth.recordings.filter((r) => Date.parse(r.start_time) >= Date.parse(isoDay(from)));
    expect(listed).toEqual(expected);
    expect(listed.length).toBeGreaterThan(0);
  });

  it('callLogs.getUsersCallHistory over a month, paged by 5', async () => {
    const to = Date.now();
    const listed = await allPages(
      (token) => phone.endpoints.callLogs.getUsersCallHistory({ path: { userId: 'me' }, query: { from: isoDay(to - 25 * DAY_MS), to: isoDay(to), page_size: 5, next_page_token: token } }),
      (d) => d.call_logs,
    );
    expect(listed).toEqual(truth.calls.filter((c) => Date.parse(c.log.start_time) >= Date.parse(isoDay(to - 25 * DAY_MS))).map((c) => c.log));
    expect(listed.length).toBeGreaterThan(5);
  });

  it("Rivet's error carries Zoom's status and code: a range over a month, and a user without Zoom Phone", async () => {
    await expect(meetings.endpoints.cloudRecording.listAllRecordings({ path: { userId: 'me' }, query: { from: '2026-01-01', to: '2026-02-01' } })).rejects.toThrow('[400/300]');
    const other = sim.admin.users()[1];
    const unlicensed = new PhoneOAuthClient(rivetOptions(sim, await login(sim, other?.userId)));
    await expect(unlicensed.endpoints.callLogs.getUsersCallHistory({ path: { userId: 'me' } })).rejects.toThrow('[404/300]');
  });
});
