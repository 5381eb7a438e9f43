import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { publicKeyFromBase64 } from '../../src/core/receipt.js';
import { verifySigned } from '../../src/core/wire.js';
import type { SimUser } from '../../src/sim/index.js';
import { login } from '../sim/helpers.js';
import {
  ADMIN_TOKEN,
  DAY_MS,
  RawDevice,
  adminGet,
  compliance,
  enrollAs,
  enrollRaw,
  newDeviceIdentity,
  statusOf,
  startWorld,
  type World,
} from './fixture.js';

describe('device enrollment', () => {
  const clock = new FakeClock(Date.UTC(2026, 2, 3, 10, 0, 0));
  let world: World;
  let alice: SimUser;
  let bob: SimUser;

  beforeEach(async () => {
    world = await startWorld({ clock });
    [alice, bob] = world.users as [SimUser, SimUser];
  });
  afterEach(async () => {
    await world.close();
  });

  it('gives a new device a credential once and a first lease that verifies with the relay key', async () => {
    const device = newDeviceIdentity();
    const enrolled = await enrollAs(world, device, alice);
    expect(enrolled.credential).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(enrolled).toMatchObject({ deviceId: device.deviceId, zoomAccountId: alice.accountId, zoomUserId: alice.userId });
    const relayKey = publicKeyFromBase64(world.relay.publicKey);
    expect(relayKey).not.toBeNull();
    expect(verifySigned(enrolled.lease, relayKey!)).toBe(true);
    expect(enrolled.lease.body).toEqual({
      v: 1,
      type: 'lease',
      deviceId: device.deviceId,
      zoomAccountId: alice.accountId,
      zoomUserId: alice.userId,
      issuedAt: clock.now(),
      validUntil: clock.now() + 7 * DAY_MS,
    });
    expect((await compliance(world, alice)).devices).toEqual([
      { deviceId: device.deviceId, status: 'active', leaseDeadline: clock.now() + 7 * DAY_MS, receipt: null, receiptVerified: false },
    ]);
    // The credential is the websocket's key.
    const raw = await RawDevice.connect(world.relay.url, enrolled.credential ?? '');
    await raw.close();
  });

  it('refuses a token Zoom no longer accepts (401), and a second enrollment of a device without its credential (409)', async () => {
    const device = newDeviceIdentity();
    const tokens = await login(world.sim, alice.userId);
    world.sim.admin.revokeGrant(alice.userId);
    const revoked = await enrollRaw(world.relay.url, { zoomAccessToken: tokens.access_token, deviceId: device.deviceId, devicePublicKey: device.publicKey });
    expect(revoked.status).toBe(401);
    expect(await adminGet(world, `/v1/compliance/${alice.accountId}/${alice.userId}`)).toMatchObject({ status: 404 });

    const { credential } = await enrollAs(world, device, bob);
    const bobTokens = await login(world.sim, bob.userId);
    const request = { zoomAccessToken: bobTokens.access_token, deviceId: device.deviceId, devicePublicKey: device.publicKey };
    expect((await enrollRaw(world.relay.url, request)).status).toBe(409);
    expect((await enrollRaw(world.relay.url, request, 'not-the-credential')).status).toBe(409);
    // Someone else's key under this device id, even with the credential: 409.
    expect((await enrollRaw(world.relay.url, { ...request, devicePublicKey: newDeviceIdentity().publicKey }, credential ?? '')).status).toBe(409);
  });

  it('adds another Zoom user to an enrolled device that presents its credential, without a new credential', async () => {
    const device = newDeviceIdentity();
    const first = await enrollAs(world, device, alice);
    const second = await enrollAs(world, device, bob, first.credential ?? '');
    expect(second.credential).toBeNull();
    expect(second).toMatchObject({ zoomAccountId: bob.accountId, zoomUserId: bob.userId });
    expect(await statusOf(world, bob, device.deviceId)).toBe('active');
    const raw = await RawDevice.connect(world.relay.url, first.credential ?? '');
    const greeting = await raw.greeting(device.deviceId);
    await raw.close();
    expect(greeting.filter((m) => m.type === 'lease').map((m) => (m.type === 'lease' ? m.lease.body.zoomUserId : '')).sort()).toEqual([alice.userId, bob.userId].sort());
  });

  it('treats an enrollment after a deauthorization as a fresh grant: active again, the old wipe superseded', async () => {
    const device = newDeviceIdentity();
    const { credential } = await enrollAs(world, device, alice);
    await world.sim.admin.deauthorize(alice.userId);
    expect(await statusOf(world, alice, device.deviceId)).toBe('pending');
    await enrollAs(world, device, alice, credential ?? '');
    expect(await statusOf(world, alice, device.deviceId)).toBe('active');
    const raw = await RawDevice.connect(world.relay.url, credential ?? '');
    const greeting = await raw.greeting(device.deviceId);
    await raw.close();
    expect(greeting.map((m) => m.type)).toEqual(['welcome', 'lease', 'caught-up']);
  });

  it('refuses bad enrollment requests with 400 naming the field', async () => {
    const device = newDeviceIdentity();
    const tokens = await login(world.sim, alice.userId);
    const bad = await enrollRaw(world.relay.url, { zoomAccessToken: tokens.access_token, deviceId: 'x', devicePublicKey: device.publicKey });
    expect(bad).toMatchObject({ status: 400, body: { error: { message: 'invalid field: deviceId' } } });
    const notAKey = await enrollRaw(world.relay.url, { zoomAccessToken: tokens.access_token, deviceId: device.deviceId, devicePublicKey: 'bm90IGEga2V5' });
    expect(notAKey.status).toBe(400);
  });

  it('refuses the device websocket with 401 for an unknown or missing credential', async () => {
    expect(await RawDevice.refusal(world.relay.url, 'an-unknown-credential')).toBe(401);
    expect(await RawDevice.refusal(world.relay.url, null)).toBe(401);
  });

  it('serves the ledger only with the admin token', async () => {
    await enrollAs(world, newDeviceIdentity(), alice);
    const path = `/v1/compliance/${alice.accountId}/${alice.userId}`;
    expect((await adminGet(world, path, null)).status).toBe(401);
    expect((await adminGet(world, path, `${ADMIN_TOKEN}x`)).status).toBe(401);
    expect((await adminGet(world, '/v1/compliance?status=pending', null)).status).toBe(401);
    expect((await adminGet(world, path)).status).toBe(200);
    expect((await adminGet(world, '/v1/compliance?status=pending')).status).toBe(200);
    expect((await adminGet(world, '/v1/compliance?status=bogus')).status).toBe(400);
  });

  it('keeps its Ed25519 key in a 0600 file and reuses it after a restart', async () => {
    const keyFile = join(world.dir, 'relay-key.pem');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const before = world.relay.publicKey;
    await world.restartRelay();
    expect(world.relay.publicKey).toBe(before);
  });
});
