// Zoom as the witness: a grant that dies while its account syncs (the user deleted at Zoom: the
// refresh answers 4735) gets that account wiped and its sync stopped; the other account is untouched.
import { afterEach, describe, expect, it } from 'vitest';
import type { EventDataOf } from '../../src/ipc/protocol.js';
import { InProcessDaemon, client, connectAccount, syncAndWait, waitFor } from '../helpers/daemonHarness.js';
import { expectHeldEncrypted, expectNoTraceOf, expectReceiptsVerify } from './support.js';

describe('a dead grant', () => {
  let h: InProcessDaemon | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('mid-sync (user deleted at Zoom, 4735): that account is wiped and stops syncing; the other keeps serving and syncing', async () => {
    h = await InProcessDaemon.start();
    const sim = h.sim;
    const c = await client(h.home);
    const [first, second] = sim.admin.users();
    const a = await connectAccount(c, sim, first!.userId);
    const b = await connectAccount(c, sim, second!.userId);
    expect((await syncAndWait(c, b)).error).toBeNull();
    const bMeetings = await c.call('meetings.list', { account: b, limit: 500 });
    const wiped: Array<EventDataOf<'data.wiped'>> = [];
    await c.on('data.wiped', (e) => wiped.push(e));
    const done: Array<EventDataOf<'sync.done'>> = [];
    await c.on('sync.done', (e) => done.push(e));
    let deletedAfter: number | null = null;
    await c.on('sync.progress', (e) => {
      if (e.accountKey !== a || deletedAfter !== null) return;
      // The sync of A has stored its first page: now Zoom forgets the user.
      deletedAfter = e.progress;
      sim.admin.deleteUser(first!.userId);
    });

    expect((await c.call('sync.now', { account: a })).ok).toBe(true);
    await waitFor(() => done.some((e) => e.accountKey === a));
    expect(deletedAfter).toBeLessThan(1);
    expect(done.find((e) => e.accountKey === a)?.error).toBe('dead-grant');
    await waitFor(() => wiped.length > 0);
    expect(wiped).toEqual([{ accountKey: a, receiptId: expect.any(String), reason: 'dead-grant' }]);

    expect(await c.call('meetings.list', { account: a })).toMatchObject({ ok: false, error: { code: 'WIPED' } });
    expect(await c.call('sync.now', { account: a })).toMatchObject({ ok: false, error: { code: 'WIPED' } });
    expect(await c.call('sync.now', {})).toEqual({ ok: true, value: { started: [b] } });
    const accounts = await c.call('accounts.list');
    expect(accounts.ok && accounts.value.accounts.map((x) => [x.accountKey, x.state])).toEqual([
      [a, 'wiped'],
      [b, 'active'],
    ]);
    expect(accounts.ok && accounts.value.accounts[0]!.syncing).toBeNull();
    expectNoTraceOf(h.home, sim, first!, a);
    expectHeldEncrypted(h.home, sim, second!, b);

    expect((await syncAndWait(c, b)).error).toBeNull();
    expect(await c.call('meetings.list', { account: b, limit: 500 })).toEqual(bMeetings);
    const receipts = await expectReceiptsVerify(c);
    expect(receipts.map((r) => [r.zoomUserId, r.reason])).toEqual([[first!.userId, 'dead-grant']]);
    await c.close();
  });
});
