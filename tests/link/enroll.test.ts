import { generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { publicKeyToBase64 } from '../../src/core/receipt.js';
import { enrollDevice, type EnrollOptions } from '../../src/link/index.js';
import type { SimUser } from '../../src/sim/index.js';
import { login } from '../sim/helpers.js';
import { freePort, newDeviceIdentity, startWorld, type World } from '../relay/fixture.js';

describe('enrollDevice', () => {
  let world: World;
  let alice: SimUser;
  let request: EnrollOptions;

  beforeEach(async () => {
    world = await startWorld();
    alice = world.users[0] as SimUser;
    const device = newDeviceIdentity();
    request = {
      relayUrl: world.relay.url,
      relayPublicKey: world.relay.publicKey,
      zoomAccessToken: (await login(world.sim, alice.userId)).access_token,
      deviceId: device.deviceId,
      devicePublicKey: device.publicKey,
    };
  });
  afterEach(async () => {
    await world.close();
  });

  it('returns the credential and a lease that verified against the pinned key', async () => {
    const enrolled = await enrollDevice(request);
    expect(enrolled.ok && enrolled.value).toMatchObject({ deviceId: request.deviceId, zoomAccountId: alice.accountId, zoomUserId: alice.userId, credential: expect.any(String) });
  });

  it("refuses an answer that does not verify against the pinned key ('untrusted')", async () => {
    const otherKey = publicKeyToBase64(generateKeyPairSync('ed25519').publicKey);
    const enrolled = await enrollDevice({ ...request, relayPublicKey: otherKey });
    expect(enrolled).toMatchObject({ ok: false, error: { kind: 'untrusted' } });
  });

  it("reports a dead Zoom token as 'unauthorized' and an id taken without its credential as 'conflict'", async () => {
    expect((await enrollDevice(request)).ok).toBe(true);
    expect(await enrollDevice(request)).toMatchObject({ ok: false, error: { kind: 'conflict', status: 409 } });
    world.sim.admin.revokeGrant(alice.userId);
    expect(await enrollDevice({ ...request, deviceId: newDeviceIdentity().deviceId })).toMatchObject({ ok: false, error: { kind: 'unauthorized', status: 401 } });
  });

  it("reports an unreachable relay as 'unavailable' and a cancelled call as 'aborted'", async () => {
    const closedPort = await freePort();
    expect(await enrollDevice({ ...request, relayUrl: `http://127.0.0.1:${closedPort}` })).toMatchObject({ ok: false, error: { kind: 'unavailable' } });
    expect(await enrollDevice({ ...request, signal: AbortSignal.abort() })).toMatchObject({ ok: false, error: { kind: 'aborted' } });
  });
});
