import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { newAccountKey } from '../../src/core/ids.js';
import { silentLogger } from '../../src/platform/logger.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { openVault, type Vault } from '../../src/store/index.js';
import { syncAccount, type SyncReport } from '../../src/sync/engine.js';
import { historyStart, windowContaining } from '../../src/sync/windows.js';
import { vaultTokenStore, zoomAccount } from '../../src/sync/zoomSource.js';
import { exchangeCode, createPkce } from '../../src/zoom/index.js';
import { Scratch, unwrap } from '../store/fixtures.js';
import { authorizeCode } from '../sim/helpers.js';

const HISTORY_DAYS = 183;
const log = silentLogger();

interface Fixture {
  sim: Simulator;
  vault: Vault;
  userId: string;
  sync(): Promise<SyncReport>;
}

async function connect(sim: Simulator, scratch: Scratch, simUser?: string): Promise<Fixture> {
  const user = simUser ? sim.admin.users().find((u) => u.userId === simUser)! : sim.admin.users()[0]!;
  const { verifier, challenge } = createPkce();
  const code = await authorizeCode(sim, challenge, user.userId);
  const tokens = unwrap(await exchangeCode({ oauthUrl: sim.url, clientId: sim.clientId }, { code, redirectUri: 'http://127.0.0.1:1/callback', verifier }, { clock: systemClock }));
  const vault = scratch.vault(`${newAccountKey()}.db`);
  vaultTokenStore(vault, systemClock).save(tokens);
  const account = zoomAccount({ vault, zoomAccountId: user.accountId, plan: user.plan, oauthUrl: sim.url, apiUrl: sim.url, clientId: sim.clientId, clock: systemClock, log, api: { retry: { baseMs: 5, capMs: 50, attempts: 6 }, timeoutMs: 2000 } });
  return {
    sim,
    vault,
    userId: user.userId,
    sync: () => syncAccount({ accountKey: 'a', vault, source: account.source, clock: systemClock, log, historyDays: HISTORY_DAYS, retentionDays: 365 }, new AbortController().signal),
  };
}

/** What a correct sync of the default window plan must hold, from the simulator's ground truth. */
function expected(f: Fixture) {
  const truth = f.sim.admin.groundTruth(f.userId);
  const now = Date.now();
  const recordingsFrom = historyStart('recordings', now, HISTORY_DAYS);
  const meetings = truth.meetings.filter((m) => m.inPreviousMeetings);
  return {
    meetings: meetings.map((m) => m.meeting.uuid).sort(),
    participants: meetings.reduce((n, m) => n + m.participants.length, 0),
    calls: truth.calls.filter((c) => c.inCallHistory).map((c) => c.log.id).sort(),
    recordings: truth.recordings.filter((r) => Date.parse(r.start_time) >= recordingsFrom).map((r) => r.uuid).sort(),
  };
}

function stored(vault: Vault) {
  const all = <T>(list: (cursor?: string) => { items: T[]; nextCursor: string | null }) => {
    const items: T[] = [];
    let cursor: string | undefined;
    do {
      const page = list(cursor);
      items.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return items;
  };
  return {
    meetings: all((cursor) => unwrap(vault.listMeetings({ limit: 500, cursor }))).map((m) => m.uuid).sort(),
    participants: vault.counts().participants,
    calls: all((cursor) => unwrap(vault.listCalls({ limit: 500, cursor }))).map((c) => c.id).sort(),
    recordings: all((cursor) => unwrap(vault.listRecordings({ limit: 500, cursor }))).map((r) => r.meetingUuid).sort(),
  };
}

function requests(sim: Simulator): number {
  return Object.values(sim.admin.counts()).reduce((n, byStatus) => n + Object.values(byStatus).reduce((a, b) => a + b, 0), 0);
}

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
    expect(stored(f.vault)).toEqual(want);
    expect(f.vault.integrityCheck()).toBe('ok');

    sim.admin.resetCounts();
    const added = sim.admin.addMeetings(f.userId, 3);
    const second = await f.sync();
    expect(second.outcome).toBe('ok');
    // Windows completed less than the late-data overlap after their end are fetched again; every
    // such window here fits in one page, so one request each, plus the new meetings' participants.
    const reopened = second.windowsFetched;
    expect(reopened).toBeLessThanOrEqual(6);
    expect(requests(sim)).toBeLessThanOrEqual(reopened + added.length);
    expect(stored(f.vault).meetings).toEqual(expected(f).meetings);
    expect(stored(f.vault).meetings).toEqual(expect.arrayContaining(added.map((m) => m.meeting.uuid)));

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
    expect(stored(f.vault)).toEqual(expected(f));
  });

  it('restarts a window whose stored page token has expired', async () => {
    const f = await connect(sim, scratch);
    const window = windowContaining(Date.now());
    f.vault.savePage({ resource: 'calls', window, items: [], next: { token: 'expired-token', issuedAt: Date.now() }, fetchedAt: Date.now() });
    const report = await f.sync();
    expect(report.outcome).toBe('ok');
    expect(report.failures).toEqual([]);
    expect(stored(f.vault).calls).toEqual(expected(f).calls);
  });

  it('reports a grant revoked mid-run as a dead grant and stops, leaving the other account alone', async () => {
    const f = await connect(sim, scratch);
    const other = await connect(sim, scratch, sim.admin.users()[1]!.userId);
    sim.admin.setFaults({ revokeAfterRequests: { userId: f.userId, requests: 5 } });
    const [dead, fine] = await Promise.all([f.sync(), other.sync()]);
    expect(dead.outcome).toBe('dead-grant');
    expect(dead.deadGrantReason).toBeTruthy();
    expect(fine.outcome).toBe('ok');
    expect(stored(other.vault)).toEqual(expected(other));
  });
});
