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
    expect(other[0]?.meetings[0]?.pastMeeting.topic).not.toBe(first[0]?.meetings[0]?.pastMeeting.topic);
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
        expect(m.pastMeeting.topic).toContain(token);
        expect(m.pastMeeting.user_name).toContain(token);
        for (const p of m.participants) {
          expect(p.name).toContain(token);
          if (p.user_email) expect(p.user_email).toContain(token);
        }
      }
      for (const item of truth.previousMeetings) expect(item.topic).toContain(token);
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

  it('has the mix a real user has: one-off, weekly recurring, PMI and instant meetings, recorded or not', async () => {
    const [truth] = await truths({ seed: 3, accounts: [{ plan: 'pro', users: [{}] }] });
    if (!truth) throw new Error('no truth');
    expect(truth.meetings).toHaveLength(60);
    expect(truth.calls).toHaveLength(80);
    expect(truth.recordings).toHaveLength(10);
    const ofKind = (kind: string) => truth.meetings.filter((m) => m.kind === kind);
    expect(ofKind('recurring')).toHaveLength(21);
    expect(ofKind('pmi')).toHaveLength(12);
    expect(ofKind('instant')).toHaveLength(9);
    expect(ofKind('scheduled')).toHaveLength(18);
    // Zoom's types: 1 instant, 2 scheduled, 4 on the PMI, 8 recurring (3: recurring with no fixed time).
    expect(new Set(ofKind('instant').map((m) => m.pastMeeting.type))).toEqual(new Set([1]));
    expect(new Set(ofKind('pmi').map((m) => m.pastMeeting.id))).toEqual(new Set([truth.me.pmi]));
    expect(new Set(ofKind('pmi').map((m) => m.pastMeeting.type))).toEqual(new Set([4]));
    expect(new Set(ofKind('instant').map((m) => m.pastMeeting.id)).size).toBe(9);
    // Every kind has recorded and unrecorded meetings, and the recordings are those of the recorded ones.
    for (const kind of ['scheduled', 'recurring', 'pmi', 'instant']) {
      expect(new Set(ofKind(kind).map((m) => m.recorded))).toEqual(new Set([true, false]));
    }
    expect(truth.recordings.map((r) => r.uuid).sort()).toEqual(truth.meetings.filter((m) => m.recorded).map((m) => m.pastMeeting.uuid).sort());
    // Recurring series meet weekly at a fixed time; some still run (listed), some ended long ago (expired, not listed).
    const byId = new Map<number, typeof truth.meetings>();
    for (const m of ofKind('recurring')) byId.set(m.pastMeeting.id, [...(byId.get(m.pastMeeting.id) ?? []), m]);
    const weekly = [...byId.values()].filter((s) => s[0]?.pastMeeting.type === 8 && s.length >= 2);
    expect(weekly.length).toBeGreaterThan(0);
    for (const series of weekly) {
      const starts = series.map((m) => Date.parse(m.pastMeeting.start_time));
      for (let i = 1; i < starts.length; i++) expect(((starts[i] as number) - (starts[i - 1] as number)) % (7 * 86_400_000)).toBe(0);
    }
    expect([...byId.values()].some((s) => s.every((m) => m.inPreviousMeetings))).toBe(true);
    expect([...byId.values()].some((s) => s.every((m) => !m.inPreviousMeetings))).toBe(true);
    expect(truth.meetings.filter((m) => m.pastMeeting.uuid.startsWith('/')).length).toBeGreaterThanOrEqual(3);
    expect(truth.meetings.filter((m) => m.pastMeeting.uuid.includes('//')).length).toBeGreaterThanOrEqual(3);
    expect(truth.meetings.some((m) => m.pastMeeting.participants_count === 1 && m.participants.length === 0 && m.reportMeeting === null)).toBe(true);
    const rows = truth.meetings.flatMap((m) => m.participants);
    expect(rows.some((p) => p.id === '' && p.user_email === '')).toBe(true);
    const rejoined = truth.meetings.some((m) => new Set(m.participants.map((p) => p.id)).size < m.participants.length);
    expect(rejoined).toBe(true);
    const starts = truth.meetings.map((m) => Date.parse(m.pastMeeting.start_time));
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

  it('holdMeeting adds a meeting of any kind that ended just now, with the events Zoom sends for it', async () => {
    const sim = await open({ seed: 5, accounts: [{ plan: 'pro', users: [{}] }] });
    const [user] = sim.admin.users();
    const userId = user?.userId ?? '';
    const tokens: Tokens = await login(sim);
    const instant = sim.admin.holdMeeting(userId, 'instant', { recorded: true });
    expect(Date.parse(instant.meeting.pastMeeting.end_time)).toBe(START);
    expect(instant.meeting).toMatchObject({ kind: 'instant', recorded: true, inPreviousMeetings: false, inPastMeetings: true });
    expect(instant.events.map((e) => e.event)).toEqual(['meeting.ended', 'recording.completed']);
    expect(instant.events[0]?.payload.object).toMatchObject({ id: String(instant.meeting.pastMeeting.id), uuid: instant.meeting.pastMeeting.uuid, end_time: instant.meeting.pastMeeting.end_time });
    const pmi = sim.admin.holdMeeting(userId, 'pmi');
    expect(pmi.meeting.pastMeeting.id).toBe(user?.pmi);
    expect(pmi.events.map((e) => e.event)).toEqual(['meeting.ended']);
    const recurring = sim.admin.holdMeeting(userId, 'recurring');
    expect(recurring.meeting.inPreviousMeetings).toBe(true);
    const listed = await allPages<{ id: number; uuid: string }>(sim, tokens.access_token, '/v2/users/me/meetings?type=previous_meetings&page_size=300', 'meetings');
    expect(listed.find((m) => m.id === recurring.meeting.pastMeeting.id)?.uuid).toBe(recurring.meeting.pastMeeting.uuid);
    expect(listed.some((m) => m.id === instant.meeting.pastMeeting.id || m.id === pmi.meeting.pastMeeting.id)).toBe(false);
    const instances = await api<{ meetings: { uuid: string }[] }>(sim, tokens.access_token, `/v2/past_meetings/${instant.meeting.pastMeeting.id}/instances`);
    expect(instances.body.meetings.map((m) => m.uuid)).toEqual([instant.meeting.pastMeeting.uuid]);
    // Deterministic too: another simulator with the same seed holds the same meetings.
    const twin = await open({ seed: 5, accounts: [{ plan: 'pro', users: [{}] }] });
    expect(twin.admin.holdMeeting(userId, 'instant', { recorded: true })).toEqual(instant);
    expect(sim.admin.addMeetings(userId, 2).map((m) => m.kind)).toEqual(['scheduled', 'scheduled']);
  });
});
