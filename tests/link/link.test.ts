import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enrollDevice, startLink, type RelayLink } from '../../src/link/index.js';
import type { SimUser } from '../../src/sim/index.js';
import { login } from '../sim/helpers.js';
import { DAY_MS, compliance, newDeviceIdentity, receiptFrom, startWorld, statusOf, waitFor, type World } from '../relay/fixture.js';
import { DaemonDouble } from './doubles.js';

describe('the link against a real relay', () => {
  let world: World;
  let alice: SimUser;
  let daemon: DaemonDouble;
  let link: RelayLink | undefined;

  /** Enrolls the daemon's device for `user` through the link's own enrollment call. */
  async function enroll(user: SimUser): Promise<void> {
    const tokens = await login(world.sim, user.userId);
    const enrolled = await enrollDevice({
      relayUrl: world.relay.url,
      relayPublicKey: world.relay.publicKey,
      zoomAccessToken: tokens.access_token,
      deviceId: daemon.device.deviceId,
      devicePublicKey: daemon.device.publicKey,
      credential: daemon.credential,
    });
    if (!enrolled.ok) throw new Error(`enrollment failed: ${enrolled.error.kind}`);
    daemon.credential ??= enrolled.value.credential;
    daemon.hold(enrolled.value.zoomAccountId, enrolled.value.zoomUserId);
  }

  function start(): RelayLink {
    link = startLink(daemon.options(world.relay.url, world.relay.publicKey));
    return link;
  }

  const online = (l: RelayLink) => waitFor(() => l.state === 'online', 'the link online');

  beforeEach(async () => {
    world = await startWorld();
    alice = world.users[0] as SimUser;
    daemon = new DaemonDouble(newDeviceIdentity());
  });
  afterEach(async () => {
    await link?.stop();
    link = undefined;
    await world.close();
  });

  it('online: Zoom deauthorizes, the relay pushes the wipe, the daemon wipes, the ledger says wiped with a verified receipt', async () => {
    await enroll(alice);
    const l = start();
    await online(l);
    await waitFor(() => daemon.leases.length === 1, 'a lease');
    expect(daemon.leases[0]).toMatchObject({ deviceId: daemon.device.deviceId, zoomUserId: alice.userId });

    expect(await world.sim.admin.deauthorize(alice.userId)).toEqual({ delivered: true, status: 200 });
    await waitFor(() => daemon.wipes.length === 1, 'the wipe');
    expect(daemon.wipes[0]).toMatchObject({ deviceId: daemon.device.deviceId, zoomAccountId: alice.accountId, zoomUserId: alice.userId, reason: 'deauthorized' });
    await waitFor(() => daemon.acked.length === 1, 'the receipt acknowledged');
    expect(daemon.outbox.size).toBe(0);
    const record = await compliance(world, alice);
    expect(record.devices).toEqual([
      expect.objectContaining({ deviceId: daemon.device.deviceId, status: 'wiped', receiptVerified: true, receipt: expect.objectContaining({ commandId: daemon.wipes[0]?.commandId }) }),
    ]);
  });

  it('offline: a device that was off during the deauthorization gets the pending wipe when it connects', async () => {
    await enroll(alice);
    await world.sim.admin.deauthorize(alice.userId);
    expect(await statusOf(world, alice, daemon.device.deviceId)).toBe('pending');
    start();
    await waitFor(() => daemon.acked.length === 1, 'the receipt acknowledged');
    expect(daemon.wipes).toHaveLength(1);
    expect(daemon.leases).toHaveLength(0);
    expect(await statusOf(world, alice, daemon.device.deviceId)).toBe('wiped');
  });

  it("records a lease-expired receipt from the outbox as 'self-expired'", async () => {
    await enroll(alice);
    // The device was off past its deadline: the daemon wiped on its own and kept the receipt.
    daemon.accounts = [];
    const receipt = receiptFrom(daemon.device, { zoomAccountId: alice.accountId, zoomUserId: alice.userId, reason: 'lease-expired' });
    daemon.outbox.set(receipt.id, receipt);
    start();
    await waitFor(() => daemon.acked.includes(receipt.id), 'the receipt acknowledged');
    expect(await compliance(world, alice)).toMatchObject({ devices: [{ status: 'self-expired', receiptVerified: true, receipt }] });
  });

  it('reconnects with backoff after the relay restarts, and a stable connection resets the backoff', async () => {
    await enroll(alice);
    const l = start();
    await online(l);
    // Online for a minute of the link's clock: the next drop retries within the base delay.
    await daemon.clock.advance(60_000);
    await world.restartRelay();
    await waitFor(() => l.state === 'offline', 'the link offline');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(l.state).toBe('offline');
    await daemon.clock.advance(1_000);
    await online(l);
    expect(daemon.states).toEqual(['connecting', 'unverified', 'online', 'offline', 'connecting', 'unverified', 'online']);
    await waitFor(() => daemon.leases.length === 2, 'a lease from the restarted relay');
  });

  it("stays 'disabled' until a credential exists, then connects on refresh()", async () => {
    const l = start();
    expect(l.state).toBe('disabled');
    await enroll(alice);
    l.refresh();
    await online(l);
    expect(daemon.leases.at(-1)?.validUntil).toBeGreaterThan(Date.now() + 6 * DAY_MS);
  });

  it('asks for fresh leases on refresh() while online (a new account was enrolled)', async () => {
    await enroll(alice);
    const l = start();
    await waitFor(() => daemon.leases.length === 1, 'the first lease');
    await enroll(world.users[1] as SimUser);
    l.refresh();
    await waitFor(() => daemon.leases.length === 3, 'leases for both accounts');
    expect(new Set(daemon.leases.map((x) => x.zoomUserId))).toEqual(new Set([alice.userId, world.users[1]?.userId]));
  });

  it('stop() closes the socket, is idempotent, and no retry follows', async () => {
    await enroll(alice);
    const l = start();
    await online(l);
    await Promise.all([l.stop(), l.stop()]);
    expect(l.state).toBe('offline');
    await daemon.clock.advance(10 * 60_000);
    expect(daemon.clock.pendingTimers).toBe(0);
    expect(l.state).toBe('offline');
  });
});
