// The lease enforced by a running daemon, on a FakeClock: a 7-day lease runs out in milliseconds.
// No proof of a live grant comes in (syncing is paused: an offline device), so only the lease
// decides. The first test holds accounts synced from the simulator by an earlier daemon on the
// real clock; the clock tests hold vaults seeded through the store API, with leases hours long.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { DAY_MS } from '../../src/guard/leases.js';
import type { IpcClient } from '../../src/ipc/client.js';
import type { EventDataOf, Topic } from '../../src/ipc/protocol.js';
import type { ReceiptView } from '../../src/ipc/schemas.js';
import { Home, InProcessDaemon, client, waitFor } from '../helpers/daemonHarness.js';
import { expectHeldEncrypted, expectNoTraceOf, expectReceiptsVerify, pauseSync, seedAccount, syncedAccounts, tracesOf, until, withControl } from './support.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** A round trip: every event the daemon published before answering it has arrived. */
async function settle(c: IpcClient): Promise<void> {
  expect((await c.call('receipts.list', {})).ok).toBe(true);
}

/** The events of `topic` from now on, in order of arrival. */
async function collect<T extends Topic>(c: IpcClient, topic: T): Promise<Array<EventDataOf<T>>> {
  const seen: Array<EventDataOf<T>> = [];
  const subscribed = await c.on(topic, (e) => seen.push(e));
  if (!subscribed.ok) throw new Error(`subscribe to ${topic} failed`);
  return seen;
}

describe('the lease, while the daemon runs', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('warns 24 h before the deadline, wipes at the first check after it, and never serves the account after it', async () => {
    const { h, keys, users } = await syncedAccounts();
    cleanups.push(() => h.close());
    const [a, b] = keys;
    const [userA, userB] = users;
    // B's lease runs two days longer: one account expires while the other keeps serving.
    const deadlineA = withControl(h.home, (control) => {
      const lease = control.leases.get(a)!;
      control.leases.set(b, { ...lease, deadline: lease.deadline + 2 * DAY_MS });
      return lease.deadline;
    });
    const deadlineB = deadlineA + 2 * DAY_MS;
    const clock = new FakeClock(Date.now());
    await h.startDaemon({ clock });
    const c = await client(h.home);
    cleanups.push(() => c.close());
    const warnings = await collect(c, 'lease.warning');
    const wiped = await collect(c, 'data.wiped');

    // The machine sleeps until shortly before the warning is due, then runs minute by minute.
    clock.jumpTo(deadlineA - DAY_MS - 150_000);
    await clock.advance(2 * MINUTE);
    await settle(c);
    expect(warnings).toEqual([]);
    await clock.advance(MINUTE);
    await settle(c);
    expect(warnings).toEqual([{ accountKey: a, leaseDeadline: deadlineA, timeLeftMs: DAY_MS }]);
    // A viewer that connects after the moment is told too, and status says so by the daemon's clock.
    const late = await client(h.home);
    cleanups.push(() => late.close());
    const lateWarnings = await collect(late, 'lease.warning');
    await waitFor(() => lateWarnings.length > 0);
    expect(lateWarnings).toEqual([{ accountKey: a, leaseDeadline: deadlineA, timeLeftMs: expect.any(Number) }]);
    const warned = await c.call('status');
    if (!warned.ok) throw new Error('status');
    const statusOf = (key: string) => warned.value.accounts.find((x) => x.accountKey === key);
    expect(statusOf(a)).toMatchObject({ leaseDeadline: deadlineA, leaseTimeLeftMs: deadlineA - warned.value.serverTime, leaseWarning: true });
    expect(statusOf(b)).toMatchObject({ leaseDeadline: deadlineB, leaseTimeLeftMs: deadlineB - warned.value.serverTime, leaseWarning: false });

    // The minutes around the deadline: served until it, wiped by the first check after it.
    clock.jumpTo(deadlineA - 150_000);
    await clock.advance(2 * MINUTE);
    const before = await c.call('meetings.list', { account: a, limit: 5 });
    expect(before.ok && before.value.items.length).toBe(5);
    const uuidOfA = before.ok ? before.value.items[0]!.uuid : '';
    // Cursors given out before the wipe: one of A's list, one of the list of every account.
    const cursorOfA = before.ok ? before.value.nextCursor : null;
    const all = await c.call('meetings.list', { limit: 5 });
    const cursorOfAll = all.ok ? all.value.nextCursor : null;
    expect(cursorOfA && cursorOfAll).toBeTruthy();
    const found = await c.call('search', { q: userA.canaries[0]! });
    expect(found.ok && found.value.hits.length).toBeGreaterThan(0);
    await settle(c);
    expect(wiped).toEqual([]);
    expectHeldEncrypted(h.home, h.sim, userA, a);
    await clock.advance(MINUTE);
    await waitFor(() => wiped.length > 0);
    expect(wiped).toEqual([{ accountKey: a, receiptId: expect.any(String), reason: 'lease-expired' }]);

    const receipts = await expectReceiptsVerify(c);
    expect(receipts).toEqual([expect.objectContaining({ id: wiped[0]!.receiptId, reason: 'lease-expired', zoomUserId: userA.userId, verified: true })]);
    expect(receipts[0]!.completedAt).toBeGreaterThanOrEqual(deadlineA);
    expect(receipts[0]!.completedAt - deadlineA).toBeLessThanOrEqual(MINUTE);

    for (const method of ['meetings.list', 'calls.list', 'recordings.list'] as const) {
      expect(await c.call(method, { account: a })).toMatchObject({ ok: false, error: { code: 'WIPED' } });
    }
    expect(await c.call('search', { q: userA.canaries[0]!, account: a })).toMatchObject({ ok: false, error: { code: 'WIPED' } });
    expect(await c.call('meetings.get', { uuid: uuidOfA })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await c.call('search', { q: userA.canaries[0]! })).toEqual({ ok: true, value: { hits: [], nextCursor: null, omitted: [] } });
    const merged = await c.call('meetings.list', { limit: 500 });
    expect(merged.ok && new Set(merged.value.items.map((m) => m.accountKey))).toEqual(new Set([b]));
    // Through the old cursors: A's own is answered WIPED, naming no account in the request; the
    // one over every account goes on with B and says A was left out.
    expect(await c.call('meetings.list', { cursor: cursorOfA! })).toMatchObject({ ok: false, error: { code: 'WIPED' } });
    const resumed = await c.call('meetings.list', { cursor: cursorOfAll! });
    expect(resumed.ok && resumed.value.omitted).toEqual([{ accountKey: a, code: 'WIPED' }]);
    expect(resumed.ok && new Set(resumed.value.items.map((m) => m.accountKey))).toEqual(new Set([b]));
    // Purging A again answers the receipt of the wipe that happened, not a second deletion.
    expect(await c.call('purge', { account: a, confirm: true })).toEqual({ ok: true, value: { receiptIds: [wiped[0]!.receiptId] } });
    expectNoTraceOf(h.home, h.sim, userA, a);
    expect(warnings).toHaveLength(1);

    // B: the machine wakes exactly at B's deadline and a read comes before the minute's check.
    expectHeldEncrypted(h.home, h.sim, userB, b);
    const foundB = await c.call('search', { q: userB.canaries[0]! });
    expect(foundB.ok && foundB.value.hits.length).toBeGreaterThan(0);
    const pageOne = await c.call('meetings.list', { limit: 1 });
    const cursorOverB = pageOne.ok ? pageOne.value.nextCursor : null;
    clock.jumpTo(deadlineB);
    expect(await c.call('meetings.list', { account: b, limit: 5 })).toMatchObject({ ok: false, error: { code: 'EXPIRED' } });
    const none = await c.call('meetings.list', { limit: 500 });
    expect(none.ok && none.value.items).toEqual([]);
    // A read of every account that was under way when B's lease ran out says B was left out.
    const goingOn = await c.call('meetings.list', { cursor: cursorOverB! });
    expect(goingOn.ok && goingOn.value).toEqual({ items: [], nextCursor: null, omitted: [{ accountKey: b, code: expect.stringMatching(/^(EXPIRED|WIPED)$/) }] });
    expect(await c.call('search', { q: userB.canaries[0]! })).toMatchObject({ ok: true, value: { hits: [], nextCursor: null } });
    await waitFor(() => wiped.length > 1);
    expect(wiped[1]).toMatchObject({ accountKey: b, reason: 'lease-expired' });
    // Newest first.
    expect((await expectReceiptsVerify(c)).map((r) => [r.zoomUserId, r.reason])).toEqual([
      [userB.userId, 'lease-expired'],
      [userA.userId, 'lease-expired'],
    ]);
    expectNoTraceOf(h.home, h.sim, userB, b);
  });

  it('a wall clock set back 30 days moves no deadline: each wipe comes after the same elapsed time, across a restart too', async () => {
    const home = new Home();
    cleanups.push(async () => home.remove());
    const start = Date.now();
    const canaries = ['SetBackCanaryAlpha', 'SetBackCanaryBravo'] as const;
    const deadlines = [start + 2 * HOUR, start + 3 * HOUR] as const;
    const { a, b } = await withControl(home, async (control) => {
      pauseSync(control);
      const seed = (i: 0 | 1): Promise<string> => seedAccount(home, control, { canary: canaries[i], deadline: deadlines[i], meetings: 20, participantsPerMeeting: 3, now: start });
      return { a: await seed(0), b: await seed(1) };
    });
    const clock = new FakeClock(start);
    const h = await InProcessDaemon.start({ home, clock });
    cleanups.push(() => h.close());
    let c = await client(home);
    cleanups.push(() => c.close());

    clock.jumpTo(start - 30 * DAY_MS);
    const elapsedA = await elapsedUntilNotServed(clock, c, a, deadlines[0] - start);
    expect(elapsedA).toBeGreaterThanOrEqual(deadlines[0] - start);
    expect(elapsedA).toBeLessThanOrEqual(deadlines[0] - start + MINUTE);
    await until(async () => (await receiptsOf(c, a)).length === 1);
    const status = await c.call('status');
    expect(status.ok && status.value.accounts.find((x) => x.accountKey === b)?.leaseDeadline).toBe(deadlines[1]);
    expect(tracesOf(home, [canaries[0]])).toEqual([]);
    await c.close();
    await h.stop();

    // control.db: B's deadline is where it was, and the high-water mark did not go back.
    const stored = withControl(home, (control) => ({ deadline: control.leases.get(b)?.deadline, highWater: control.highWater() }));
    expect(stored.deadline).toBe(deadlines[1]);
    expect(stored.highWater).toBeGreaterThanOrEqual(start + elapsedA);

    // Restarted with the wall clock still 30 days behind: the persisted high-water mark decides.
    const restartClock = new FakeClock(clock.now());
    await h.startDaemon({ clock: restartClock });
    c = await client(home);
    const toGo = deadlines[1] - stored.highWater;
    const elapsedB = await elapsedUntilNotServed(restartClock, c, b, toGo);
    expect(elapsedB).toBeGreaterThanOrEqual(toGo);
    expect(elapsedB).toBeLessThanOrEqual(toGo + MINUTE);
    await until(async () => (await receiptsOf(c, b)).length === 1);
    expect(tracesOf(home, canaries)).toEqual([]);
  });

  it('receipts carry trusted time: a wall clock set back 30 days does not date a lease-expired wipe before its deadline', async () => {
    const home = new Home();
    cleanups.push(async () => home.remove());
    const start = Date.now();
    const deadline = start + 10 * MINUTE;
    const account = await withControl(home, (control) => {
      pauseSync(control);
      return seedAccount(home, control, { canary: 'TrustedStampCanary', deadline, meetings: 5, participantsPerMeeting: 2, now: start });
    });
    const clock = new FakeClock(start);
    const h = await InProcessDaemon.start({ home, clock });
    cleanups.push(() => h.close());
    const c = await client(home);
    cleanups.push(() => c.close());
    clock.jumpTo(start - 30 * DAY_MS);
    await elapsedUntilNotServed(clock, c, account, deadline - start);
    await until(async () => (await receiptsOf(c, account)).length === 1);
    const [receipt] = await receiptsOf(c, account);
    // The relay's ledger reads "wiped at completedAt": a date 30 days before the wipe would be false.
    expect(receipt!.requestedAt).toBeGreaterThanOrEqual(deadline);
    expect(receipt!.completedAt).toBeGreaterThanOrEqual(receipt!.requestedAt);
    expect(tracesOf(home, ['TrustedStampCanary'])).toEqual([]);
  });
});

async function receiptsOf(c: IpcClient, account: string): Promise<ReceiptView[]> {
  const listed = await c.call('receipts.list', { account });
  if (!listed.ok) throw new Error(`receipts.list: ${listed.error.message}`);
  return listed.value.receipts;
}

/**
 * Runs the clock (elapsed time, which also carries the wall clock) to two minutes before
 * `expectedMs`, then minute by minute until the account is no longer served, and returns the
 * elapsed time at which that happened. A read of an expired account wipes it as the minute's check
 * does, so either one may come first: both decide by trusted time.
 */
async function elapsedUntilNotServed(clock: FakeClock, c: IpcClient, account: string, expectedMs: number): Promise<number> {
  const from = clock.monotonic();
  const served = async (): Promise<boolean> => {
    const listed = await c.call('accounts.list');
    if (!listed.ok) throw new Error(`accounts.list: ${listed.error.message}`);
    return listed.value.accounts.find((x) => x.accountKey === account)?.state === 'active';
  };
  await clock.advance(expectedMs - 2 * MINUTE);
  expect(await served()).toBe(true);
  for (let minute = 0; minute < 5; minute++) {
    await clock.advance(MINUTE);
    if (!(await served())) return clock.monotonic() - from;
  }
  throw new Error('the account was still served 3 minutes after its deadline');
}
