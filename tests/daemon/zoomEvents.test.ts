// The daemon's side of the Zoom events the relay keeps for a device (issue 12, the contract's
// ZoomEventNotice): built from the simulator's own signed-webhook events, fed to handleZoomEvent
// as the relay delivers them, against a real vault.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import type { ZoomEventNotice } from '../../src/core/wire.js';
import { Changes } from '../../src/daemon/changes.js';
import { EventBus } from '../../src/daemon/events.js';
import { handleZoomEvent, type ZoomEventDeps } from '../../src/daemon/zoomEvents.js';
import { silentLogger } from '../../src/platform/logger.js';
import { startSimulator, type Simulator, type SimUser } from '../../src/sim/index.js';
import type { ZoomEventJson } from '../../src/sim/zoomJson.js';
import type { Vault } from '../../src/store/index.js';
import { syncAccount } from '../../src/sync/engine.js';
import { zoomAccount } from '../../src/sync/zoomSource.js';
import { Scratch, unwrap } from '../store/fixtures.js';
import { connectVault, storedIds } from '../sync/simAccount.js';

const KEY = 'a_00000000000000000000000e';
const log = silentLogger();

let n = 0;
/** The notice the relay delivers for a Zoom event: Zoom's payload.object, unchanged. */
function noticeOf(event: ZoomEventJson, user: SimUser): ZoomEventNotice {
  return { noticeId: `n${++n}`, zoomAccountId: user.accountId, zoomUserId: user.userId, event: event.event, eventTs: event.event_ts, object: event.payload.object as Record<string, unknown> };
}

describe('handleZoomEvent', () => {
  let scratch: Scratch;
  let sim: Simulator;
  let user: SimUser;
  let vault: Vault;
  let changed: Array<{ resource: string; count: number }>;
  let syncsAsked: string[][];
  let deps: ZoomEventDeps;
  let servable: boolean;

  beforeEach(async () => {
    scratch = new Scratch();
    sim = await startSimulator({ seed: 33, accounts: [{ plan: 'pro', users: [{}] }] });
    user = sim.admin.users()[0]!;
    vault = await connectVault(sim, user, scratch.path(`vaults/${KEY}.db`));
    scratch.onCleanup(() => vault.close());
    changed = [];
    syncsAsked = [];
    servable = true;
    const events = new EventBus(new Changes());
    events.attach((topic, data) => {
      if (topic === 'data.changed') changed.push(data as { resource: string; count: number });
    });
    deps = {
      account: (key) => (key === KEY ? { vault } : null),
      mayStore: () => servable,
      requestSync: (keys) => syncsAsked.push(keys),
      events,
      clock: systemClock,
      log,
    };
  });
  afterEach(async () => {
    await sim.close();
    scratch.cleanup();
  });

  const sync = () =>
    syncAccount(
      { accountKey: KEY, vault, source: zoomAccount({ vault, zoomAccountId: user.accountId, plan: user.plan, oauthUrl: sim.url, apiUrl: sim.url, clientId: sim.clientId, clock: systemClock, log }).source, clock: systemClock, log, historyDays: 366, retentionDays: 365, meetingEventsSince: 0 },
      new AbortController().signal,
    );

  it('meeting.ended stores an instant meeting on a random ID at once, which no list would ever show', async () => {
    const { meeting, events } = sim.admin.holdMeeting(user.userId, 'instant');
    expect(await handleZoomEvent(deps, [KEY], noticeOf(events[0]!, user))).toBe(true);
    expect(vault.getMeeting(meeting.pastMeeting.uuid)).toMatchObject({
      meetingId: String(meeting.pastMeeting.id),
      topic: meeting.pastMeeting.topic,
      type: 1,
      startTime: Date.parse(meeting.pastMeeting.start_time),
      endTime: Date.parse(meeting.pastMeeting.end_time),
    });
    expect(changed).toEqual([{ accountKey: KEY, resource: 'meetings', count: 1 }]);
    // Its ID is remembered with the instance already known: a sync lists no instances for it.
    expect(vault.meetingIdListedAt(String(meeting.pastMeeting.id))).toEqual(expect.any(Number));
    expect(meeting.discoverable).toBe(false);
  });

  it('a meeting held while the device was offline is stored when the notice comes, and the next sync adds its participants', async () => {
    await sync();
    const { meeting, events } = sim.admin.holdMeeting(user.userId, 'instant');
    // The relay kept the notice; the device comes back later and handles it.
    expect(await handleZoomEvent(deps, [KEY], noticeOf(events[0]!, user))).toBe(true);
    sim.admin.resetCounts();
    const clock = { ...systemClock, now: () => systemClock.now() + 20 * 60_000 };
    const report = await syncAccount(
      { accountKey: KEY, vault, source: zoomAccount({ vault, zoomAccountId: user.accountId, plan: user.plan, oauthUrl: sim.url, apiUrl: sim.url, clientId: sim.clientId, clock: systemClock, log }).source, clock, log, historyDays: 366, retentionDays: 365, meetingEventsSince: 0 },
      new AbortController().signal,
    );
    expect(report.outcome).toBe('ok');
    expect(vault.getMeeting(meeting.pastMeeting.uuid)?.participants).toHaveLength(meeting.participants.length);
    expect(sim.admin.counts()['GET /v2/past_meetings/{meetingId}/instances']).toBeUndefined();
    expect(storedIds(vault).meetings).toContain(meeting.pastMeeting.uuid);
  });

  it('recording.completed stores the recording; recording.trashed and recording.deleted remove it so that its text leaves the files', async () => {
    const trashed = sim.admin.holdMeeting(user.userId, 'scheduled', { recorded: true });
    const deleted = sim.admin.holdMeeting(user.userId, 'pmi', { recorded: true });
    for (const e of [...trashed.events, ...deleted.events]) expect(await handleZoomEvent(deps, [KEY], noticeOf(e, user))).toBe(true);
    expect(storedIds(vault).recordings).toEqual([trashed.meeting.pastMeeting.uuid, deleted.meeting.pastMeeting.uuid].sort());

    const trash = sim.admin.deleteRecording(user.userId, trashed.meeting.pastMeeting.uuid, 'trash')!;
    const remove = sim.admin.deleteRecording(user.userId, deleted.meeting.pastMeeting.uuid, 'delete')!;
    expect(await handleZoomEvent(deps, [KEY], noticeOf(trash, user))).toBe(true);
    expect(await handleZoomEvent(deps, [KEY], noticeOf(remove, user))).toBe(true);
    expect(storedIds(vault).recordings).toEqual([]);
    expect(vault.counts().recordings).toBe(0);
    // The meetings themselves stay: they took place.
    expect(vault.getMeeting(trashed.meeting.pastMeeting.uuid)).not.toBeNull();
    expect(changed.filter((c) => c.resource === 'recordings').map((c) => c.count)).toEqual([1, 1, 1, 1]);
    // The same secure deletion as retention (tests/store/deletions.test.ts shows the text leaving the files).
    expect(unwrap(vault.search(trashed.meeting.pastMeeting.topic, 10)).map((h) => h.kind)).toEqual(['meeting']);
    expect(vault.integrityCheck()).toBe('ok');
  });

  it('the call-history events: completed calls are stored, deleted ones leave the files', async () => {
    const { calls, events } = sim.admin.addCalls(user.userId, 3);
    for (const e of events) expect(await handleZoomEvent(deps, [KEY], noticeOf(e, user))).toBe(true);
    expect(storedIds(vault).calls).toEqual(calls.map((c) => c.log.id).sort());
    const gone = calls[0]!.log;
    expect(await handleZoomEvent(deps, [KEY], noticeOf(sim.admin.deleteCalls(user.userId, [gone.id])!, user))).toBe(true);
    expect(storedIds(vault).calls).toEqual(calls.slice(1).map((c) => c.log.id).sort());
    expect(changed.at(-1)).toEqual({ accountKey: KEY, resource: 'calls', count: 1 });
    // delete_all: every call.
    const all = { ...noticeOf(sim.admin.deleteCalls(user.userId, [calls[1]!.log.id])!, user), object: { user_id: user.userId, delete_all: true } };
    expect(await handleZoomEvent(deps, [KEY], all)).toBe(true);
    expect(vault.counts().calls).toBe(0);
  });

  it('an object it cannot read asks for a sync and is acked; an event it does not act on is acked', async () => {
    const notice = { ...noticeOf(sim.admin.holdMeeting(user.userId, 'instant').events[0]!, user), object: { uuid: 'x' } };
    expect(await handleZoomEvent(deps, [KEY], notice)).toBe(true);
    expect(syncsAsked).toEqual([[KEY]]);
    expect(await handleZoomEvent(deps, [KEY], { ...notice, event: 'meeting.started' })).toBe(true);
    expect(syncsAsked).toHaveLength(1);
  });

  it('an account not held here, or out of its lease, has nothing to add to: handled; a vault that cannot be written: not handled', async () => {
    const { meeting, events } = sim.admin.holdMeeting(user.userId, 'instant');
    const notice = noticeOf(events[0]!, user);
    expect(await handleZoomEvent(deps, ['a_0000000000000000000000ff'], notice)).toBe(true);
    servable = false;
    expect(await handleZoomEvent(deps, [KEY], notice)).toBe(true);
    expect(vault.getMeeting(meeting.pastMeeting.uuid)).toBeNull();
    servable = true;
    const broken = { ...deps, account: () => ({ vault: { isOpen: true, saveEventMeeting: () => { throw new Error('disk full'); } } as unknown as Vault }) };
    expect(await handleZoomEvent(broken, [KEY], notice)).toBe(false);
  });
});
