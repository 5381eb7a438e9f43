import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { publicKeyFromBase64, type SignedReceipt } from '../../src/core/receipt.js';
import { linkProofBody, verifySigned, type Signed, type WipeCommandBody } from '../../src/core/wire.js';
import type { SimUser } from '../../src/sim/index.js';
import {
  DAY_MS,
  RawDevice,
  adminGet,
  adminPost,
  compliance,
  enrollAs,
  newDeviceIdentity,
  receiptFrom,
  startWorld,
  statusOf,
  type TestDeviceIdentity,
  type World,
} from './fixture.js';

const HOUR_MS = 3_600_000;

describe('the device websocket', () => {
  const clock = new FakeClock(Date.UTC(2026, 2, 3, 10, 0, 0));
  let world: World;
  let alice: SimUser;
  let bob: SimUser;
  let device: TestDeviceIdentity;
  let credential: string;
  let raw: RawDevice | undefined;

  beforeEach(async () => {
    world = await startWorld({ clock });
    [alice, bob] = world.users as [SimUser, SimUser];
    device = newDeviceIdentity();
    credential = (await enrollAs(world, device, alice)).credential ?? '';
  });
  afterEach(async () => {
    await raw?.close();
    raw = undefined;
    await world.close();
  });

  async function connect(): Promise<RawDevice> {
    raw = await RawDevice.connect(world.relay.url, credential);
    return raw;
  }

  async function deauthorizeAlice(): Promise<Signed<WipeCommandBody>> {
    await world.sim.admin.deauthorize(alice.userId);
    const socket = await connect();
    const wipes = (await socket.greeting(device.deviceId)).flatMap((m) => (m.type === 'wipe' ? [m.command] : []));
    expect(wipes).toHaveLength(1);
    return wipes[0] as Signed<WipeCommandBody>;
  }

  it('answers hello with welcome and a fresh signed lease per active user', async () => {
    await clock.advance(HOUR_MS);
    const greeting = await (await connect()).greeting(device.deviceId);
    expect(greeting.map((m) => m.type)).toEqual(['welcome', 'lease', 'caught-up']);
    expect(greeting[0]).toEqual({ type: 'welcome', protocol: 1, serverTime: clock.now() });
    const lease = greeting[1]?.type === 'lease' ? greeting[1].lease : null;
    expect(lease && verifySigned(lease, publicKeyFromBase64(world.relay.publicKey)!)).toBe(true);
    expect(lease?.body).toMatchObject({ deviceId: device.deviceId, zoomUserId: alice.userId, issuedAt: clock.now(), validUntil: clock.now() + 7 * DAY_MS });
    expect((await compliance(world, alice)).devices[0]?.leaseDeadline).toBe(clock.now() + 7 * DAY_MS);
  });

  it("answers a protocol-2 hello's challenge with a proof by its key, bound to that device and challenge; a protocol-1 hello as before", async () => {
    const socket = await connect();
    const challenge = Buffer.alloc(32, 7).toString('base64');
    const [welcome] = await socket.greeting(device.deviceId, { protocol: 2, challenge });
    expect(welcome).toMatchObject({ type: 'welcome', protocol: 2, serverTime: clock.now() });
    const proof = welcome?.type === 'welcome' ? welcome.proof : undefined;
    expect(proof?.body).toEqual(linkProofBody(device.deviceId, challenge));
    const relayKey = publicKeyFromBase64(world.relay.publicKey)!;
    expect(proof && verifySigned(proof, relayKey)).toBe(true);
    expect(proof && verifySigned({ ...proof, body: linkProofBody('another-device', challenge) }, relayKey)).toBe(false);
    // A device of a later protocol is answered in the relay's.
    expect((await socket.greeting(device.deviceId, { protocol: 7, challenge }))[0]).toMatchObject({ type: 'welcome', protocol: 2 });
    expect((await socket.greeting(device.deviceId))[0]).toEqual({ type: 'welcome', protocol: 1, serverTime: clock.now() });
  });

  it('pushes a wipe to a connected device at once, and stores the receipt it answers with: wiped, verified', async () => {
    const socket = await connect();
    await socket.greeting(device.deviceId);
    expect(await world.sim.admin.deauthorize(alice.userId)).toEqual({ delivered: true, status: 200 });
    const [wipe] = await socket.waitFor('wipe');
    const command = wipe!.command;
    expect(verifySigned(command, publicKeyFromBase64(world.relay.publicKey)!)).toBe(true);
    expect(command.body).toMatchObject({ type: 'wipe', deviceId: device.deviceId, zoomAccountId: alice.accountId, zoomUserId: alice.userId, reason: 'deauthorized' });

    const receipt = receiptFrom(device, { commandId: command.body.commandId, zoomAccountId: alice.accountId, zoomUserId: alice.userId, reason: 'deauthorized' });
    socket.send({ type: 'receipt', receipt });
    expect(await socket.waitFor('receipt-ack')).toEqual([{ type: 'receipt-ack', receiptId: receipt.id }]);
    const record = await compliance(world, alice);
    expect(record.devices).toEqual([{ deviceId: device.deviceId, status: 'wiped', leaseDeadline: expect.any(Number), receipt, receiptVerified: true }]);
    // Settled: nothing is re-sent on the next connect, and no lease for a wiped user.
    expect((await socket.greeting(device.deviceId)).map((m) => m.type)).toEqual(['welcome', 'caught-up']);
  });

  it('takes a receipt that says how the data was erased and where the key lived: kept in the ledger, covered by the signature', async () => {
    const command = await deauthorizeAlice();
    const socket = raw as RawDevice;
    const fields = { commandId: command.body.commandId, zoomAccountId: alice.accountId, zoomUserId: alice.userId, reason: 'deauthorized' as const };
    // A receipt that claimed only an overwrite, altered to claim crypto-erase; one naming no known method.
    const upgraded = { ...receiptFrom(device, { ...fields, method: 'overwrite', keyCustody: 'keyring' }), method: 'crypto-erase+overwrite' as const };
    const unknownMethod = { ...receiptFrom(device, fields), method: 'degaussed' } as unknown as SignedReceipt;
    for (const receipt of [upgraded, unknownMethod]) socket.send({ type: 'receipt', receipt });
    await socket.greeting(device.deviceId);
    expect(socket.of('receipt-ack')).toEqual([]);
    expect(await statusOf(world, alice, device.deviceId)).toBe('pending');

    const receipt = receiptFrom(device, { ...fields, method: 'crypto-erase+overwrite', keyCustody: 'keyring' });
    socket.send({ type: 'receipt', receipt });
    expect(await socket.waitFor('receipt-ack')).toEqual([{ type: 'receipt-ack', receiptId: receipt.id }]);
    const record = await compliance(world, alice);
    expect(record.devices).toEqual([{ deviceId: device.deviceId, status: 'wiped', leaseDeadline: expect.any(Number), receipt, receiptVerified: true }]);
    expect(record.devices[0]?.receipt).toMatchObject({ method: 'crypto-erase+overwrite', keyCustody: 'keyring' });
  });

  it('re-sends a pending wipe on every connect until its receipt arrives; the same receipt twice is acknowledged, stored once', async () => {
    const command = await deauthorizeAlice();
    await raw?.close();
    const again = await connect();
    const resent = (await again.greeting(device.deviceId)).filter((m) => m.type === 'wipe');
    expect(resent).toEqual([{ type: 'wipe', command }]);
    const receipt = receiptFrom(device, { commandId: command.body.commandId, zoomAccountId: alice.accountId, zoomUserId: alice.userId, reason: 'deauthorized' });
    again.send({ type: 'receipt', receipt });
    again.send({ type: 'receipt', receipt });
    expect(await again.waitFor('receipt-ack', 2)).toHaveLength(2);
    expect(await statusOf(world, alice, device.deviceId)).toBe('wiped');
  });

  it('refuses receipts it cannot trust: no ack, the wipe stays pending', async () => {
    const command = await deauthorizeAlice();
    const socket = raw as RawDevice;
    const fields = { commandId: command.body.commandId, zoomAccountId: alice.accountId, zoomUserId: alice.userId, reason: 'deauthorized' as const };
    const stranger = newDeviceIdentity();
    const forgedKey = receiptFrom({ ...stranger, deviceId: device.deviceId }, fields);
    const altered = { ...receiptFrom(device, fields), filesRemoved: 99 };
    const otherDevice = receiptFrom(stranger, fields);
    const unknownCommand = receiptFrom(device, { ...fields, commandId: 'no-such-command' });
    const notEnrolled = receiptFrom(device, { commandId: null, zoomAccountId: bob.accountId, zoomUserId: bob.userId, reason: 'user-purge' });
    for (const receipt of [forgedKey, altered, otherDevice, unknownCommand, notEnrolled]) socket.send({ type: 'receipt', receipt });
    await socket.greeting(device.deviceId);
    expect(socket.of('receipt-ack')).toEqual([]);
    expect(await statusOf(world, alice, device.deviceId)).toBe('pending');
    expect((await compliance(world, alice)).devices[0]?.receipt).toBeNull();
  });

  it('records a lease-expired receipt as self-expired, and a wipe it did not ask for as wiped', async () => {
    const socket = await connect();
    await enrollAs(world, device, bob, credential);
    const expired = receiptFrom(device, { zoomAccountId: alice.accountId, zoomUserId: alice.userId, reason: 'lease-expired' });
    const purged = receiptFrom(device, { zoomAccountId: bob.accountId, zoomUserId: bob.userId, reason: 'user-purge' });
    socket.send({ type: 'receipt', receipt: expired });
    socket.send({ type: 'receipt', receipt: purged });
    await socket.waitFor('receipt-ack', 2);
    expect(await compliance(world, alice)).toMatchObject({ devices: [{ status: 'self-expired', receipt: expired, receiptVerified: true }] });
    expect(await compliance(world, bob)).toMatchObject({ devices: [{ status: 'wiped', receipt: purged, receiptVerified: true }] });
  });

  it('ignores bad JSON and unknown message types and carries on', async () => {
    const socket = await connect();
    socket.send('{not json');
    socket.send({ type: 'launch-missiles' });
    socket.send({ type: 'receipt', receipt: { id: 'half a receipt' } });
    expect((await socket.greeting(device.deviceId)).map((m) => m.type)).toEqual(['welcome', 'lease', 'caught-up']);
  });

  it('renews the leases of a connected device every hour', async () => {
    const socket = await connect();
    await socket.greeting(device.deviceId);
    const before = socket.of('lease').length;
    await clock.advance(HOUR_MS);
    const leases = await socket.waitFor('lease', before + 1);
    expect(leases.at(-1)?.lease.body).toMatchObject({ issuedAt: clock.now(), validUntil: clock.now() + 7 * DAY_MS });
    expect((await compliance(world, alice)).devices[0]?.leaseDeadline).toBe(clock.now() + 7 * DAY_MS);
  });

  it('cuts off a device that stops answering pings, and keeps one that answers', async () => {
    // Real time: the heartbeat measures the network. Its own relay, with a short interval.
    const quick = await startWorld({ heartbeatMs: 500 });
    const [carol, dave] = quick.users as [SimUser, SimUser];
    const answering = await RawDevice.connect(quick.relay.url, (await enrollAs(quick, newDeviceIdentity(), carol)).credential ?? '');
    const silent = await RawDevice.connect(quick.relay.url, (await enrollAs(quick, newDeviceIdentity(), dave)).credential ?? '', { autoPong: false });
    try {
      expect((await silent.closed).code).toBe(1006);
      expect(answering.ws.readyState).toBe(answering.ws.OPEN);
    } finally {
      await answering.close();
      await silent.close();
      await quick.close();
    }
  });

  it('lists open obligations with their deadlines, and issues admin wipes', async () => {
    const issued = await adminPost(world, '/v1/admin/wipe', { zoomAccountId: alice.accountId, zoomUserId: alice.userId });
    expect(issued).toMatchObject({ status: 200, body: { commands: [{ deviceId: device.deviceId }] } });
    const pending = await adminGet(world, '/v1/compliance?status=pending');
    expect(pending.body).toEqual({
      status: 'pending',
      items: [{ zoomAccountId: alice.accountId, zoomUserId: alice.userId, deviceId: device.deviceId, status: 'pending', leaseDeadline: clock.now() + 7 * DAY_MS, openSince: clock.now() }],
    });
    const wipes = (await (await connect()).greeting(device.deviceId)).flatMap((m) => (m.type === 'wipe' ? [m.command.body.reason] : []));
    expect(wipes).toEqual(['admin']);
    expect((await adminPost(world, '/v1/admin/wipe', { zoomAccountId: 'nobody', zoomUserId: 'nobody' })).status).toBe(404);
  });
});
