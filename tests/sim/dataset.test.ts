import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { startSimulator, type GroundTruth, type SimOptions, type Simulator } from '../../src/sim/index.js';
import { allPages, api, login, type Tokens } from './helpers.js';

const START = Date.UTC(2026, 0, 15, 12, 0, 0);

describe('the dataset', () => {
  const opened: Simulator[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });

  async function open(options: SimOptions): Promise<Simulator> {
    const sim = await startSimulator({ clock: new FakeClock(START), ...options });
    opened.push(sim);
    return sim;
  }

  async function truths(options: SimOptions): Promise<GroundTruth[]> {
    const sim = await open(options);
    return sim.admin.users().map((u) => sim.admin.groundTruth(u.userId));
  }

  const accounts: SimOptions['accounts'] = [{ plan: 'business', users: [{ admin: true }, { phone: false }] }, { plan: 'pro', users: [{}] }];

  it('the same seed gives the same ground truth; another seed other ids and content', async () => {
    const first = await truths({ seed: 'alpha', accounts });
    expect(await truths({ seed: 'alpha', accounts })).toEqual(first);
    const other = await truths({ seed: 'beta', accounts });
    expect(other.map((t) => t.user.userId)).not.toEqual(first.map((t) => t.user.userId));
    expect(other[0]?.meetings[0]?.meeting.topic).not.toBe(first[0]?.meetings[0]?.meeting.topic);
    // 1 and '1' are one seed, and the default.
    expect(await truths({ seed: '1' })).toEqual(await truths({}));
  });

  it('adding a user leaves the existing users as they were', async () => {
    const [before] = await truths({ seed: 9, accounts: [{ plan: 'pro', users: [{}] }] });
    const after = await truths({ seed: 9, accounts: [{ plan: 'pro', users: [{}, {}] }, { plan: 'free', users: [{}] }] });
    expect(after[0]).toEqual(before);
    expect(new Set(after.map((t) => t.user.userId)).size).toBe(3);
  });

  it("every content string carries the user's canary, every phone number its digit run", async () => {
    const all = await truths({ seed: 'canary', accounts });
    const canaries = all.map((t) => t.user.canaries[0]);
    expect(new Set(canaries).size).toBe(all.length);
    for (const truth of all) {
      const [token, digits] = truth.user.canaries as [string, string];
      expect(token).toMatch(/^[A-Z][a-z][0-9][A-Z][a-z][0-9][A-Z][a-z]$/);
      expect(digits).toMatch(/^555\d{4}$/);
      expect(truth.user.email).toContain(token);
      expect(truth.me.last_name).toContain(token);
      for (const m of truth.meetings) {
        expect(m.meeting.topic).toMatch(new RegExp(`^[A-Z1][\\w:' -]+ ${token} #\\d+$`));
        expect(m.pastMeeting.user_name).toContain(token);
        for (const p of m.participants) {
          expect(p.name).toContain(token);
          if (p.user_email) expect(p.user_email).toContain(token);
        }
      }
      for (const r of truth.recordings) expect(r.topic).toContain(token);
      for (const { log } of truth.calls) {
        expect(log.caller_name).toContain(token);
        expect(log.callee_name).toContain(token);
        expect(log.caller_did_number.startsWith(`+1${digits}`)).toBe(true);
        expect(log.callee_did_number.startsWith(`+1${digits}`)).toBe(true);
        if (log.caller_email) expect(log.caller_email).toContain(token);
      }
      // Nothing of another user's content is in this user's data.
      const text = JSON.stringify(truth);
      for (const other of all) if (other !== truth) expect(text).not.toContain(other.user.canaries[0]);
    }
  });

  it('has realistic variety: instant, recurring and solo meetings, guests, rejoins, awkward UUIDs', async () => {
    const [truth] = await truths({ seed: 3, accounts: [{ plan: 'pro', users: [{}] }] });
    if (!truth) throw new Error('no truth');
    expect(truth.meetings).toHaveLength(60);
    expect(truth.calls).toHaveLength(80);
    expect(truth.recordings).toHaveLength(10);
    const types = new Set(truth.meetings.map((m) => m.meeting.type));
    expect([...types].sort()).toEqual(expect.arrayContaining([1, 2, 8]));
    expect(truth.meetings.filter((m) => m.meeting.uuid.startsWith('/')).length).toBeGreaterThanOrEqual(3);
    expect(truth.meetings.filter((m) => m.meeting.uuid.includes('//')).length).toBeGreaterThanOrEqual(3);
    expect(truth.meetings.some((m) => m.pastMeeting.participants_count === 1 && m.participants.length === 0 && m.reportMeeting === null)).toBe(true);
    const rows = truth.meetings.flatMap((m) => m.participants);
    expect(rows.some((p) => p.id === '' && p.user_email === '')).toBe(true);
    const rejoined = truth.meetings.some((m) => new Set(m.participants.map((p) => p.id)).size < m.participants.length);
    expect(rejoined).toBe(true);
    const starts = truth.meetings.map((m) => Date.parse(m.meeting.start_time));
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    expect(Math.max(...truth.meetings.map((m) => Date.parse(m.pastMeeting.end_time)))).toBeLessThan(START);
    expect(Math.min(...starts)).toBeGreaterThanOrEqual(START - 365 * 86_400_000);
    expect(new Set(truth.calls.map((c) => c.log.result))).toEqual(new Set(['answered', 'no_answer', 'voicemail', 'hang_up']));
  });

  it("the 'year' dataset has its full size", async () => {
    const [truth] = await truths({ accounts: [{ plan: 'business', users: [{ dataset: 'year' }] }] });
    expect(truth?.meetings).toHaveLength(2000);
    expect(truth?.calls).toHaveLength(3000);
    expect(truth?.recordings).toHaveLength(300);
    const attended = truth?.meetings.filter((m) => m.reportMeeting !== null) ?? [];
    expect(attended.every((m) => m.pastMeeting.participants_count === 10)).toBe(true);
  });

  it('addMeetings adds meetings that ended just now, which the lists then serve', async () => {
    const sim = await open({ seed: 5, accounts: [{ plan: 'pro', users: [{ admin: true }] }] });
    const [user] = sim.admin.users();
    const userId = user?.userId ?? '';
    const tokens: Tokens = await login(sim);
    const before = await allPages(sim, tokens.access_token, '/v2/users/me/meetings?type=previous_meetings&page_size=300', 'meetings');
    const added = sim.admin.addMeetings(userId, 3);
    expect(added).toHaveLength(3);
    for (const m of added) {
      expect(Date.parse(m.pastMeeting.end_time)).toBe(START);
      expect(m).toMatchObject({ inPreviousMeetings: true, inReport: true, inPastMeetings: true });
      expect(m.meeting.topic).toContain(user?.canaries[0]);
    }
    const after = await allPages(sim, tokens.access_token, '/v2/users/me/meetings?type=previous_meetings&page_size=300', 'meetings');
    expect(after).toHaveLength(before.length + 3);
    expect(after).toEqual(expect.arrayContaining([...before, ...added.map((m) => m.meeting)]));
    const today = new Date(START).toISOString().slice(0, 10);
    const report = await api(sim, tokens.access_token, `/v2/report/users/me/meetings?from=${today}&to=${today}`);
    expect((report.body.meetings as { uuid: string }[]).map((m) => m.uuid)).toEqual(added.map((m) => m.meeting.uuid));
    expect(sim.admin.groundTruth(userId).meetings).toEqual(expect.arrayContaining(added));
    // Deterministic too: another simulator with the same seed adds the same meetings.
    const twin = await open({ seed: 5, accounts: [{ plan: 'pro', users: [{ admin: true }] }] });
    expect(twin.admin.addMeetings(userId, 3)).toEqual(added);
  });
});
