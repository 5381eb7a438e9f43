// What the daemon tells viewers about the history it can hold (issue 12): per account, how complete
// it is, calls "not available" for a user without Zoom Phone, and a grant Zoom refuses with 4737 or
// 4738 put in needs-auth (sign in again), not wiped.

import { afterEach, describe, expect, it } from 'vitest';
import { InProcessDaemon, client, connectAccount, syncAndWait, waitFor } from '../helpers/daemonHarness.js';

describe('status: how complete each account\'s history is', () => {
  let h: InProcessDaemon | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('standalone: scheduled, recurring, PMI and recorded meetings only; a user without Zoom Phone has calls not available', async () => {
    h = await InProcessDaemon.start({ sim: { seed: 8, accounts: [{ plan: 'business', users: [{}, { phone: false }] }] } });
    const c = await client(h.home);
    const [licensed, phoneless] = h.sim.admin.users();
    const a = await connectAccount(c, h.sim, licensed!.userId);
    const b = await connectAccount(c, h.sim, phoneless!.userId);
    expect((await syncAndWait(c, a)).error).toBeNull();
    // Not partial, no error: the account simply has no Zoom Phone.
    expect((await syncAndWait(c, b)).error).toBeNull();

    const status = await c.call('status');
    if (!status.ok) throw new Error('status');
    const of = (key: string) => status.value.accounts.find((x) => x.accountKey === key)?.history;
    expect(of(a)).toEqual({
      meetingsCompleteSince: null,
      calls: 'available',
      callsCheckedAt: null,
      summary:
        'Meetings: scheduled and recurring meetings Zoom still lists, meetings on your personal meeting ID, and recorded meetings; other instant meetings only when recorded (they need the relay). Calls: synced.',
    });
    expect(of(b)).toMatchObject({ calls: 'not-available', callsCheckedAt: expect.any(Number) });
    expect(of(b)?.summary).toMatch(/Calls: not available for this account \(Zoom Phone; checked \d{4}-\d{2}-\d{2}, again weekly\)\.$/);
    await c.close();
  });

  it('a refresh answered 4737 or 4738 puts the account in needs-auth and keeps its data; the grant working again makes it active', async () => {
    h = await InProcessDaemon.start({ sim: { seed: 9, accounts: [{ plan: 'business', users: [{}] }] } });
    const c = await client(h.home);
    const [user] = h.sim.admin.users();
    const a = await connectAccount(c, h.sim, user!.userId);
    await syncAndWait(c, a);
    for (const fault of [4738, 4737] as const) {
      h.sim.admin.setGrantFault(user!.userId, fault);
      expect((await syncAndWait(c, a)).error).toBe('needs-auth');
      const status = await c.call('status');
      const account = status.ok ? status.value.accounts.find((x) => x.accountKey === a) : undefined;
      expect(account).toMatchObject({ state: 'needs-auth', lastError: 'needs-auth' });
      expect(account?.counts.meetings).toBeGreaterThan(0);
      expect((await c.call('meetings.list', { account: a, limit: 1 })).ok).toBe(true);
      h.sim.admin.setGrantFault(user!.userId, 'clear');
    }
    // Once Zoom takes the grant again (an admin turned the app back on), the next sync finds it alive.
    // The refused refresh left the stored tokens as they were: the last refresh token still works.
    expect((await syncAndWait(c, a)).error).toBeNull();
    await waitFor(async () => {
      const status = await c.call('status');
      return status.ok && status.value.accounts.find((x) => x.accountKey === a)?.state === 'active';
    });
    // Nothing was wiped.
    const receipts = await c.call('receipts.list', {});
    expect(receipts.ok && receipts.value.receipts).toEqual([]);
    await c.close();
  });
});
