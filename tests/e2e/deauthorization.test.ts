import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { client, simConfig } from '../helpers/daemonHarness.js';
import { enrolledDevice, ledger, waitForLedger } from './world.js';

describe('deauthorization end to end (simulator + relay + daemon, real sockets)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('online: Zoom deauthorizes, the relay pushes, the daemon wipes, the receipt lands, the ledger says wiped', async () => {
    const w = await enrolledDevice();
    cleanups.push(w.close);
    const { client: c, user, account } = w;
    expect(w.home.holdsDataKey(account)).toBe(true);
    expect(w.home.filesContaining(user.canaries[0]!)).toEqual([]);

    const delivery = await w.sim.admin.deauthorize(user.userId);
    expect(delivery).toEqual({ delivered: true, status: 200 });
    const book = await waitForLedger(w.relay, w.sim, (l) => l.devices[0]?.status === 'wiped');
    expect(book.deauthorizedAt).not.toBeNull();
    expect(book.devices[0]).toMatchObject({ status: 'wiped', receiptVerified: true, receipt: { reason: 'deauthorized' } });
    expect(await c.call('meetings.list', { account })).toMatchObject({ ok: false, error: { code: 'WIPED' } });
    expect(w.home.filesContaining(user.canaries[0]!)).toEqual([]);
    const receipts = await c.call('receipts.list', {});
    expect(receipts.ok && receipts.value.receipts.map((r) => [r.reason, r.acked])).toEqual([['deauthorized', true]]);
  });

  it('offline at deauthorization: the ledger says pending with a deadline; started later, the daemon wipes before serving', async () => {
    const w = await enrolledDevice();
    cleanups.push(w.close);
    const { daemon: h, user, account } = w;
    let c = w.client;
    await h.stop();

    await w.sim.admin.deauthorize(user.userId);
    const pending = await ledger(w.relay, w.sim);
    expect(pending.devices[0]?.status).toBe('pending');
    expect(pending.devices[0]?.leaseDeadline).toBeGreaterThan(Date.now());

    await h.startDaemon();
    c = await client(w.home);
    // The relay re-sends the pending wipe on connect, and the daemon carries it out before its
    // socket serves anything: the very first read finds the account wiped.
    expect(await c.call('meetings.list', { account })).toMatchObject({ ok: false, error: { code: 'WIPED' } });
    const book = await waitForLedger(w.relay, w.sim, (l) => l.devices[0]?.status === 'wiped');
    expect(book.devices[0]).toMatchObject({ receiptVerified: true, receipt: { reason: 'deauthorized' } });
    expect(await c.call('meetings.list', { account })).toMatchObject({ ok: false, error: { code: 'WIPED' } });
    expect(w.home.filesContaining(user.canaries[0]!)).toEqual([]);
    await c.close();
  });

  it('offline past the lease: the daemon wipes itself at the deadline; on reconnect the receipt is delivered; the ledger says self-expired', async () => {
    const w = await enrolledDevice();
    cleanups.push(w.close);
    const { daemon: h, user, account } = w;
    let c = w.client;
    await h.stop();

    // The device is offline (no relay URL reachable) while its lease runs out: a daemon on a
    // clock 8 days ahead, pointed at a dead relay address, wipes by itself at start.
    await w.sim.admin.deauthorize(user.userId);
    w.home.writeConfig(simConfig(w.sim, { relay: { ...w.config.relay, url: 'http://127.0.0.1:9' } }));
    const later = new FakeClock(Date.now() + 8 * 86_400_000);
    await h.startDaemon({ clock: later });
    c = await client(w.home);
    const receipts = await c.call('receipts.list', {});
    expect(receipts.ok && receipts.value.receipts.map((r) => [r.reason, r.acked])).toEqual([['lease-expired', false]]);
    expect(w.home.filesContaining(user.canaries[0]!)).toEqual([]);
    await h.stop();

    // Back online: the receipt in the outbox reaches the relay.
    w.home.writeConfig(simConfig(w.sim, w.config));
    await h.startDaemon();
    const book = await waitForLedger(w.relay, w.sim, (l) => l.devices[0]?.status === 'self-expired');
    expect(book.devices[0]).toMatchObject({ receiptVerified: true, receipt: { reason: 'lease-expired' } });
  });
});
