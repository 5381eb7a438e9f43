import { createHmac } from 'node:crypto';
import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { signZoomWebhook, type SimUser } from '../../src/sim/index.js';
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

  it('refuses a declared body over 1 MiB with 413, reads the rest, and keeps the connection for the next request', async () => {
    const url = new URL(world.relay.url);
    const socket = connect(Number(url.port), url.hostname);
    socket.on('error', () => {});
    let received = '';
    const statusLines = (count: number): Promise<string[]> =>
      new Promise((resolve) => {
        const lines = (): string[] => received.match(/HTTP\/1\.1 \d{3} [^\r]*/g) ?? [];
        socket.on('data', (data: Buffer) => {
          received += data.toString('latin1');
          if (lines().length >= count) resolve(lines());
        });
        socket.once('close', () => resolve(lines()));
      });
    const answers = statusLines(2);
    // Had the relay closed after its answer, the unread rest of this body would make the kernel
    // reset the connection, which can erase the answer before the client reads it.
    socket.write(`POST /zoom/webhook HTTP/1.1\r\nHost: ${url.host}\r\nContent-Length: ${2 * 1024 * 1024}\r\n\r\n`);
    socket.write(Buffer.alloc(2 * 1024 * 1024, 0x20));
    const validation = JSON.stringify({ event: 'endpoint.url_validation', payload: { plainToken: 'after-the-big-one' }, event_ts: clock.now() });
    const timestamp = nowSeconds();
    socket.write(
      `POST /zoom/webhook HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(validation)}\r\n` +
        `x-zm-request-timestamp: ${timestamp}\r\nx-zm-signature: ${signZoomWebhook(SECRET, timestamp, validation)}\r\n\r\n${validation}`,
    );
    expect(await answers).toEqual(['HTTP/1.1 413 Payload Too Large', 'HTTP/1.1 200 OK']);
    socket.destroy();
    expect(await statusOf(world, user, device.deviceId)).toBe('active');
  });

  it('answers 413 to a body streamed past 1 MiB without waiting for its end, then cuts off a client that never stops', async () => {
    const url = new URL(world.relay.url);
    // A raw socket: it keeps sending chunks after the answer, as a broken or hostile sender would.
    const socket = connect(Number(url.port), url.hostname);
    socket.on('error', () => {}); // the relay ends it with a reset, which is the point
    let received = '';
    const answered = new Promise<string>((resolve) =>
      socket.on('data', (data: Buffer) => {
        received += data.toString('latin1');
        if (received.includes('\r\n\r\n')) resolve(received.split('\r\n')[0] ?? '');
      }),
    );
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(`POST /zoom/webhook HTTP/1.1\r\nHost: ${url.host}\r\nTransfer-Encoding: chunked\r\n\r\n`);
    const chunk = Buffer.concat([Buffer.from(`${(64 * 1024).toString(16)}\r\n`), Buffer.alloc(64 * 1024, 0x20), Buffer.from('\r\n')]);
    const pump = (): void => {
      if (socket.destroyed) return;
      if (socket.write(chunk)) setImmediate(pump);
      else socket.once('drain', pump);
    };
    pump();
    expect(await answered).toBe('HTTP/1.1 413 Payload Too Large');
    await closed;
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
