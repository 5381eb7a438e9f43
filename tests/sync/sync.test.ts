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
    sync: () => syncAccount({ accountKey: 'a', vault, source: account.source, clock: systemClock, log, historyDays: HISTORY_DAYS, retentionDays: RETENTION_DAYS }, new AbortController().signal),
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
    // Windows completed less than the late-data overlap after their end are fetched again; every
    // such window here fits in one page, so one request each, plus the new meetings' participants.
    const reopened = second.windowsFetched;
    expect(reopened).toBeLessThanOrEqual(6);
    expect(apiRequests(sim)).toBeLessThanOrEqual(reopened + added.length);
    expect(storedIds(f.vault).meetings).toEqual(expected(f).meetings);
    expect(storedIds(f.vault).meetings).toEqual(expect.arrayContaining(added.map((m) => m.meeting.uuid)));

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
