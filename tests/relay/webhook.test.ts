import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import type { SimUser } from '../../src/sim/index.js';
import {
  RawDevice,
  SECRET,
  compliance,
  deauthorizationBody,
  enrollAs,
  newDeviceIdentity,
  postWebhook,
  startWorld,
  statusOf,
  type TestDeviceIdentity,
  type World,
} from './fixture.js';

describe('POST /zoom/webhook', () => {
  const clock = new FakeClock(Date.UTC(2026, 2, 3, 10, 0, 0));
  let world: World;
  let user: SimUser;
  let device: TestDeviceIdentity;
  let credential: string;
  const nowSeconds = (): number => Math.floor(clock.now() / 1000);

  beforeEach(async () => {
    world = await startWorld({ clock });
    user = world.users[0] as SimUser;
    device = newDeviceIdentity();
    credential = (await enrollAs(world, device, user)).credential ?? '';
  });
  afterEach(async () => {
    await world.close();
  });

  /** Connects the device and returns the wipe commands the relay holds for it. */
  async function pendingWipes(): Promise<string[]> {
    const raw = await RawDevice.connect(world.relay.url, credential);
    const greeting = await raw.greeting(device.deviceId);
    await raw.close();
    return greeting.flatMap((m) => (m.type === 'wipe' ? [m.command.body.commandId] : []));
  }

  it('accepts a signed deauthorization (200) and refuses missing or wrong signatures and timestamps outside the window (401), changing nothing', async () => {
    const body = deauthorizationBody(user, 'sig-1', clock.now());
    const stale = nowSeconds() - 91 * 60;
    const ahead = nowSeconds() + 6 * 60;
    expect((await postWebhook(world.relay.url, body, nowSeconds(), { 'x-zm-signature': null })).status).toBe(401);
    expect((await postWebhook(world.relay.url, body, nowSeconds(), { 'x-zm-request-timestamp': null })).status).toBe(401);
    expect((await postWebhook(world.relay.url, body, nowSeconds(), {}, 'another-secret')).status).toBe(401);
    expect((await postWebhook(world.relay.url, body, stale)).status).toBe(401);
    expect((await postWebhook(world.relay.url, body, ahead)).status).toBe(401);
    expect(await statusOf(world, user, device.deviceId)).toBe('active');
    expect((await compliance(world, user)).deauthorizedAt).toBeNull();
    expect(await pendingWipes()).toHaveLength(0);

    // The same signed bytes twice: both answered 200 (a retry must never get a 4xx), one wipe.
    const timestamp = nowSeconds();
    const signature = `v0=${createHmac('sha256', SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
    expect((await postWebhook(world.relay.url, body, timestamp, { 'x-zm-signature': signature })).status).toBe(200);
    await clock.advance(60_000);
    expect((await postWebhook(world.relay.url, body, timestamp, { 'x-zm-signature': signature })).status).toBe(200);

    expect(await statusOf(world, user, device.deviceId)).toBe('pending');
    expect(await pendingWipes()).toHaveLength(1);
  });

  it('refuses a body over 1 MiB with 413, whether its length is declared or streamed', async () => {
    const big = Buffer.alloc(1024 * 1024 + 1, 0x20);
    expect((await postWebhook(world.relay.url, big, nowSeconds())).status).toBe(413);

    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${world.relay.url}/zoom/webhook`);
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      // Keeps writing until the relay answers: it must not wait for the end of the body.
      const pump = (): void => {
        if (req.destroyed) return;
        if (req.write(chunk)) setImmediate(pump);
        else req.once('drain', pump);
      };
      pump();
    });
    expect(status).toBe(413);
    expect(await statusOf(world, user, device.deviceId)).toBe('active');
  });

  it('answers endpoint.url_validation with the HMAC of the plain token', async () => {
    const body = JSON.stringify({ event: 'endpoint.url_validation', payload: { plainToken: 'qgg8vlvZRS6UYooatFL8Aw' }, event_ts: clock.now() });
    const answer = await postWebhook(world.relay.url, body, nowSeconds());
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      plainToken: 'qgg8vlvZRS6UYooatFL8Aw',
      encryptedToken: createHmac('sha256', SECRET).update('qgg8vlvZRS6UYooatFL8Aw').digest('hex'),
    });
  });

  it("records Zoom's retries of one deauthorization once: one ledger entry, one wipe command", async () => {
    const body = deauthorizationBody(user, 'deauth-instance-7', clock.now() - 1000);
    expect((await postWebhook(world.relay.url, body, nowSeconds())).status).toBe(200);
    const first = await compliance(world, user);
    // Zoom retries 5 minutes later with a fresh timestamp and signature over the same payload.
    await clock.advance(5 * 60_000);
    expect((await postWebhook(world.relay.url, body, nowSeconds())).status).toBe(200);
    await clock.advance(20 * 60_000);
    expect((await postWebhook(world.relay.url, body, nowSeconds())).status).toBe(200);

    const after = await compliance(world, user);
    expect(after.deauthorizedAt).toBe(first.deauthorizedAt);
    expect(after.deauthorizedAt).toBe(clock.now() - 25 * 60_000 - 1000);
    expect(after.userDataRetention).toBe('false');
    expect(await pendingWipes()).toHaveLength(1);
  });

  it("handles the simulator's own deauthorization: answered 200, the device's copy pending, the cloud copy recorded", async () => {
    expect(await world.sim.admin.deauthorize(user.userId)).toEqual({ delivered: true, status: 200 });
    const record = await compliance(world, user);
    expect(record.deauthorizedAt).toBe(clock.now());
    expect(record.cloudCopyDeletedAt).toBe(clock.now());
    expect(record.devices).toEqual([expect.objectContaining({ deviceId: device.deviceId, status: 'pending', receipt: null, receiptVerified: false })]);
    expect(await pendingWipes()).toHaveLength(1);
  });

  it('answers 200 to other events and ignores them', async () => {
    const body = JSON.stringify({ event: 'meeting.started', event_ts: clock.now(), payload: { account_id: user.accountId, object: { id: '1', host_id: user.userId } } });
    expect((await postWebhook(world.relay.url, body, nowSeconds())).status).toBe(200);
    expect(await statusOf(world, user, device.deviceId)).toBe('active');
  });
});
