import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { newAccountKey } from '../../src/core/ids.js';
import { silentLogger } from '../../src/platform/logger.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import type { Vault } from '../../src/store/index.js';
import { syncAccount, type SyncReport } from '../../src/sync/engine.js';
import { windowContaining } from '../../src/sync/windows.js';
import { zoomAccount } from '../../src/sync/zoomSource.js';
import { Scratch } from '../store/fixtures.js';
import { callsAvailability } from '../../src/sync/accountMeta.js';
import { apiRequests, connectVault, expectedIds, storedIds } from './simAccount.js';

/** Everything Zoom serves: meetings and calls reach back 6 calendar months, which can be 184 days. */
const HISTORY_DAYS = 366;
const RETENTION_DAYS = 365;
const log = silentLogger();

interface Fixture {
  sim: Simulator;
  vault: Vault;
  userId: string;
  sync(): Promise<SyncReport>;
}

async function connect(sim: Simulator, scratch: Scratch, simUser?: string): Promise<Fixture> {
  const user = simUser ? sim.admin.users().find((u) => u.userId === simUser)! : sim.admin.users()[0]!;
  const vault = await connectVault(sim, user, scratch.path(`vaults/${newAccountKey()}.db`));
  scratch.onCleanup(() => vault.close());
  const account = zoomAccount({ vault, zoomAccountId: user.accountId, plan: user.plan, oauthUrl: sim.url, apiUrl: sim.url, clientId: sim.clientId, clock: systemClock, log, api: { retry: { baseMs: 5, capMs: 50, attempts: 6 }, timeoutMs: 2000 } });
  return {
    sim,
    vault,
    userId: user.userId,
    sync: () => syncAccount({ accountKey: 'a', vault, source: account.source, clock: systemClock, log, historyDays: HISTORY_DAYS, retentionDays: RETENTION_DAYS, meetingEventsSince: null }, new AbortController().signal),
  };
}

const expected = (f: Fixture) => expectedIds(f.sim, f.userId, HISTORY_DAYS, RETENTION_DAYS);

describe('sync against the simulator', () => {
  let scratch: Scratch;
  let sim: Simulator;
  beforeEach(async () => {
    scratch = new Scratch();
    sim = await startSimulator({ seed: 7, accounts: [{ plan: 'business', users: [{}, {}] }] });
  });
  afterEach(async () => {
    await sim.close();
    scratch.cleanup();
  });

  it('a full sync stores exactly the ground truth; an incremental one touches only open windows', async () => {
    const f = await connect(sim, scratch);
    const want = expected(f);
    expect(want.meetings.length).toBeGreaterThan(10);
    expect(want.participants).toBeGreaterThan(0);

    const first = await f.sync();
    expect(first.outcome).toBe('ok');
    expect(storedIds(f.vault)).toEqual(want);
    expect(f.vault.integrityCheck()).toBe('ok');

    sim.admin.resetCounts();
    const added = sim.admin.addMeetings(f.userId, 3);
    const second = await f.sync();
    expect(second.outcome).toBe('ok');
    // The meeting list once; windows completed less than the late-data overlap after their end
    // again (each fits in one page); each new meeting ID's instances and its one instance's
    // details. Its participants wait for Zoom's numbers to settle (the next run).
    const reopened = second.windowsFetched;
    expect(reopened).toBeLessThanOrEqual(4);
    expect(apiRequests(sim)).toBe(1 + reopened + 2 * added.length);
    expect(storedIds(f.vault).meetings).toEqual(expected(f).meetings);
    expect(storedIds(f.vault).meetings).toEqual(expect.arrayContaining(added.map((m) => m.pastMeeting.uuid)));

    // Syncing the same data again changes nothing: no duplicates.
    const before = f.vault.counts();
    await f.sync();
    expect(f.vault.counts()).toEqual(before);
  });

  it('survives 5xx, timeouts, malformed pages and header-less 429s with exactly the clean rows', async () => {
    const f = await connect(sim, scratch);
    sim.admin.setFaults({ rate: 0.2, kinds: ['5xx', 'malformed', '429-headerless'], seed: 3 });
    let report = await f.sync();
    for (let i = 0; i < 5 && report.outcome !== 'ok'; i++) report = await f.sync();
    expect(report.outcome).toBe('ok');
    sim.admin.setFaults({});
    expect(storedIds(f.vault)).toEqual(expected(f));
  });

  it('restarts a window whose stored page token has expired', async () => {
    const f = await connect(sim, scratch);
    const window = windowContaining(Date.now());
    f.vault.savePage({ resource: 'calls', window, items: [], next: { token: 'expired-token', issuedAt: Date.now() }, fetchedAt: Date.now() });
    const report = await f.sync();
    expect(report.outcome).toBe('ok');
    expect(report.failures).toEqual([]);
    expect(storedIds(f.vault).calls).toEqual(expected(f).calls);
  });

  it('reports a grant revoked mid-run as a dead grant and stops, leaving the other account alone', async () => {
    const f = await connect(sim, scratch);
    const other = await connect(sim, scratch, sim.admin.users()[1]!.userId);
    sim.admin.setFaults({ revokeAfterRequests: { userId: f.userId, requests: 5 } });
    const [dead, fine] = await Promise.all([f.sync(), other.sync()]);
    expect(dead.outcome).toBe('dead-grant');
    expect(dead.deadGrantReason).toBeTruthy();
    expect(fine.outcome).toBe('ok');
    expect(storedIds(other.vault)).toEqual(expected(other));
  });
});

describe('the history of a user-managed grant', () => {
  let scratch: Scratch;
  let sim: Simulator;
  beforeEach(async () => {
    scratch = new Scratch();
    const dataset = { meetings: 160, participantsPerMeeting: 3, calls: 60, recordings: 24, days: 365 };
    sim = await startSimulator({ seed: 17, accounts: [{ plan: 'pro', users: [{ dataset }, { dataset, phone: false }] }] });
  });
  afterEach(async () => {
    await sim.close();
    scratch.cleanup();
  });

  it('recovers every meeting a user-managed grant can reach: all PMI meetings, every instance of listed and recorded IDs, never an unrecorded instant meeting', async () => {
    const f = await connect(sim, scratch);
    const report = await f.sync();
    expect(report.outcome).toBe('ok');
    const truth = sim.admin.groundTruth(f.userId);
    const stored = new Set(storedIds(f.vault).meetings);
    const kept = (m: (typeof truth.meetings)[number]) => stored.has(m.pastMeeting.uuid);
    const inYear = truth.meetings.filter((m) => m.inPastMeetings);
    // Every meeting on the personal meeting ID, though no list names it.
    expect(inYear.filter((m) => m.kind === 'pmi').every(kept)).toBe(true);
    // Recorded instant meetings on random IDs, and only those.
    const instant = inYear.filter((m) => m.kind === 'instant');
    expect(instant.filter((m) => m.recorded).every(kept)).toBe(true);
    expect(instant.filter((m) => !m.recorded).some(kept)).toBe(false);
    expect(instant.some((m) => !m.recorded)).toBe(true);
    // A series whose ID has expired (previous_meetings no longer lists it) but one of whose
    // meetings was recorded: all its instances, through /past_meetings/{id}/instances.
    const expiredRecorded = inYear.filter((m) => m.kind === 'recurring' && !m.inPreviousMeetings && m.recorded);
    expect(expiredRecorded.length).toBeGreaterThan(0);
    for (const r of expiredRecorded) {
      const series = inYear.filter((m) => m.pastMeeting.id === r.pastMeeting.id);
      expect(series.length).toBeGreaterThan(1);
      expect(series.every(kept)).toBe(true);
    }
    // A recurring meeting with no fixed time is listed without a start time: no page failed over it.
    expect(truth.previousMeetings.some((m) => m.type === 3 && m.start_time === undefined)).toBe(true);
    expect(report.failures).toEqual([]);
    // Each stored meeting has Zoom's details: end time and participant count.
    for (const uuid of [...stored].slice(0, 20)) expect(f.vault.getMeeting(uuid)).toMatchObject({ endTime: expect.any(Number), participantsCount: expect.any(Number) });
  });

  it('a user without Zoom Phone: calls are not available for the account, and the sync is complete, not partial', async () => {
    const f = await connect(sim, scratch, sim.admin.users()[1]!.userId);
    const report = await f.sync();
    expect(report.outcome).toBe('ok');
    expect(report.failures).toEqual([]);
    expect(callsAvailability(f.vault)).toMatchObject({ available: false });
    expect(sim.admin.counts()['GET /v2/phone/users/{userId}/call_history']).toEqual({ '404': 1 });
  });

  it('a recording or calls deleted at Zoom leave the vault at the next sync that fetches their window', async () => {
    const f = await connect(sim, scratch);
    // This month's window, which every sync fetches again.
    const recorded = sim.admin.holdMeeting(f.userId, 'instant', { recorded: true }).meeting;
    const [call] = sim.admin.addCalls(f.userId, 1).calls;
    await f.sync();
    const newest = sim.admin.groundTruth(f.userId).recordings.find((r) => r.uuid === recorded.pastMeeting.uuid)!;
    expect(storedIds(f.vault).recordings).toContain(newest.uuid);
    expect(storedIds(f.vault).calls).toContain(call!.log.id);
    expect(sim.admin.deleteRecording(f.userId, newest.uuid, 'trash')?.event).toBe('recording.trashed');
    expect(sim.admin.deleteCalls(f.userId, [call!.log.id])?.event).toBe('phone.call_history_deleted');
    const report = await f.sync();
    expect(report.removed).toEqual({ recordings: 1, calls: 1 });
    expect(storedIds(f.vault).recordings).not.toContain(newest.uuid);
    expect(storedIds(f.vault).calls).not.toContain(call!.log.id);
    expect(storedIds(f.vault)).toMatchObject({ recordings: expected(f).recordings, calls: expected(f).calls });
    // The meeting itself took place: deleting its recording at Zoom leaves it here.
    expect(storedIds(f.vault).meetings).toContain(recorded.pastMeeting.uuid);
  });
});
