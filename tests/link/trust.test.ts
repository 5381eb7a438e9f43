import { generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startLink, type RelayLink } from '../../src/link/index.js';
import { newDeviceIdentity, receiptFrom, waitFor } from '../relay/fixture.js';
import { DaemonDouble, FakeRelay } from './doubles.js';

const ACCOUNT = 'acct-1';
const USER = 'user-1';

describe('the link trusts only what the pinned relay key signed for this device', () => {
  let relay: FakeRelay;
  let daemon: DaemonDouble;
  let link: RelayLink | undefined;

  beforeEach(async () => {
    relay = await FakeRelay.start();
    daemon = new DaemonDouble(newDeviceIdentity());
    daemon.credential = 'device-credential';
    daemon.hold(ACCOUNT, USER);
  });
  afterEach(async () => {
    await link?.stop();
    link = undefined;
    await relay.close();
  });

  async function startOnline(overrides = {}): Promise<RelayLink> {
    link = startLink(daemon.options(relay.url, relay.key.publicKey, overrides));
    const l = link;
    await waitFor(() => l.state === 'online', 'the link online');
    return l;
  }

  /** Sends a valid lease and waits for it: everything sent before it has been handled. */
  async function barrier(): Promise<void> {
    const count = daemon.leases.length;
    relay.send({ type: 'lease', lease: relay.lease({ deviceId: daemon.device.deviceId, zoomAccountId: ACCOUNT, zoomUserId: USER, issuedAt: Date.now() + count }) });
    await waitFor(() => daemon.leases.length === count + 1, 'the barrier lease');
  }

  it('rejects forged or altered leases and wipes: nothing extended, nothing wiped', async () => {
    await startOnline();
    const mine = { deviceId: daemon.device.deviceId, zoomAccountId: ACCOUNT, zoomUserId: USER };
    const stranger = generateKeyPairSync('ed25519').privateKey;
    const lease = relay.lease(mine);
    const wipe = relay.wipe(mine);
    const forged = [
      { type: 'lease', lease: relay.lease(mine, stranger) },
      { type: 'lease', lease: relay.lease({ ...mine, deviceId: 'another-device' }) },
      { type: 'lease', lease: { ...lease, body: { ...lease.body, validUntil: lease.body.validUntil + 86_400_000 } } },
      { type: 'lease', lease: relay.lease({ ...mine, zoomUserId: 'someone-else' }) },
      // Signed, but longer than the 9 days a lease may reach.
      { type: 'lease', lease: relay.lease({ ...mine, validUntil: Date.now() + 30 * 86_400_000 }) },
      { type: 'wipe', command: relay.wipe(mine, stranger) },
      { type: 'wipe', command: relay.wipe({ ...mine, deviceId: 'another-device' }) },
      { type: 'wipe', command: { ...wipe, body: { ...wipe.body, zoomUserId: 'someone-else' } } },
      { type: 'wipe', command: relay.wipe({ ...mine, zoomAccountId: 'unknown-account' }) },
      // A signed lease passed off as a wipe: the type is part of what is signed.
      { type: 'wipe', command: { body: { ...lease.body, type: 'wipe', commandId: 'c', reason: 'admin' }, signature: lease.signature } },
    ];
    for (const message of forged) relay.send(message);
    await barrier();
    expect(daemon.leases).toHaveLength(1);
    expect(daemon.wipes).toHaveLength(0);

    relay.send({ type: 'wipe', command: wipe });
    await waitFor(() => daemon.wipes.length === 1, 'the genuine wipe');
  });

  it('ignores unknown message types and bad JSON and stays online', async () => {
    const l = await startOnline();
    relay.send({ type: 'firmware-update', url: 'http://example.invalid' });
    relay.current.send('{not json');
    relay.send({ type: 'lease', lease: 'not an object' });
    await barrier();
    expect(l.state).toBe('online');
    expect(daemon.leases).toHaveLength(1);
  });

  it('re-sends receipts after every welcome and on flushReceipts() until the relay acknowledges them', async () => {
    const receipt = receiptFrom(daemon.device, { zoomAccountId: ACCOUNT, zoomUserId: USER, reason: 'user-purge' });
    daemon.outbox.set(receipt.id, receipt);
    const l = await startOnline();
    await waitFor(() => relay.receipts().length === 1, 'the receipt after welcome');
    l.flushReceipts();
    await waitFor(() => relay.receipts().length === 2, 'the receipt on flush');

    relay.current.terminate();
    await waitFor(() => l.state === 'offline', 'the link offline');
    await daemon.clock.advance(1_000);
    await waitFor(() => relay.receipts().length === 3, 'the receipt after reconnecting');
    expect(relay.receipts().every((r) => r.id === receipt.id)).toBe(true);

    relay.send({ type: 'receipt-ack', receiptId: receipt.id });
    await waitFor(() => daemon.acked.length === 1, 'the ack');
    l.flushReceipts();
    await barrier();
    expect(relay.receipts()).toHaveLength(3);
    expect(daemon.outbox.size).toBe(0);
  });

  it('runs one wipe per command even when the relay sends it again while it runs, then flushes its receipt', async () => {
    let finish: () => void = () => {};
    const base = daemon.options(relay.url, relay.key.publicKey);
    await startOnline({
      onWipe: async (command: Parameters<typeof base.onWipe>[0]) => {
        await new Promise<void>((resolve) => {
          finish = resolve;
        });
        await base.onWipe(command);
      },
    });
    const command = relay.wipe({ deviceId: daemon.device.deviceId, zoomAccountId: ACCOUNT, zoomUserId: USER });
    relay.send({ type: 'wipe', command });
    relay.send({ type: 'wipe', command });
    await barrier();
    finish();
    await waitFor(() => relay.receipts().length === 1, 'the receipt');
    expect(daemon.wipes).toHaveLength(1);
    expect(relay.receipts()[0]?.commandId).toBe(command.body.commandId);
  });

  it('drops a relay that stops answering pings and reconnects', async () => {
    await relay.close();
    relay = await FakeRelay.start({ autoPong: false });
    const l = await startOnline({ heartbeatMs: 200 });
    await waitFor(() => l.state === 'offline', 'the silent relay dropped');
    await daemon.clock.advance(1_000);
    await waitFor(() => l.state === 'online', 'reconnected');
    expect(relay.sockets).toHaveLength(2);
  });

  it('grows the retry delay while the relay keeps failing', async () => {
    await relay.close();
    relay = await FakeRelay.start({ onHello: (_relay, ws) => ws.terminate() });
    link = startLink(daemon.options(relay.url, relay.key.publicKey, { backoff: { baseMs: 1_000, maxMs: 8_000 } }));
    await relay.waitForHellos(1);
    // Retry n waits between half and all of min(8 s, 1 s * 2^n).
    for (const [n, cap] of [1_000, 2_000, 4_000, 8_000, 8_000].entries()) {
      await waitFor(() => daemon.clock.pendingTimers === 1 && link?.state === 'offline', 'a scheduled retry');
      await daemon.clock.advance(cap / 2 - 1);
      expect(relay.received.filter((m) => m.type === 'hello')).toHaveLength(n + 1);
      await daemon.clock.advance(cap / 2 + 1);
      await relay.waitForHellos(n + 2);
    }
  });
});
