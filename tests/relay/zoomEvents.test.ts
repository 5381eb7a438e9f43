// Issue 12 §1/§2, relay side: Zoom's meeting, recording and call-history events become notices
// held for each active device of the user until that device acks them.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import type { ZoomEventNotice } from '../../src/core/wire.js';
import { FORWARDED_EVENTS } from '../../src/relay/webhook.js';
import type { SimUser } from '../../src/sim/index.js';
import { RawDevice, compliance, enrollAs, newDeviceIdentity, postWebhook, startWorld, type HelloAs, type TestDeviceIdentity, type World } from './fixture.js';

const V2: HelloAs = { protocol: 2, challenge: Buffer.alloc(32, 1).toString('base64') };

describe('Zoom events held for devices', () => {
  const clock = new FakeClock(Date.UTC(2026, 2, 3, 10, 0, 0));
  let world: World;
  let alice: SimUser;
  let bob: SimUser;
  let laptop: TestDeviceIdentity;
  let desktop: TestDeviceIdentity;
  const credentials = new Map<string, string>();
  const sockets: RawDevice[] = [];

  beforeEach(async () => {
    world = await startWorld({ clock });
    [alice, bob] = world.users as [SimUser, SimUser];
    [laptop, desktop] = [newDeviceIdentity(), newDeviceIdentity()];
    credentials.set(laptop.deviceId, (await enrollAs(world, laptop, alice)).credential ?? '');
    credentials.set(desktop.deviceId, (await enrollAs(world, desktop, alice)).credential ?? '');
    await enrollAs(world, desktop, bob, credentials.get(desktop.deviceId));
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) await socket.close();
    await world.close();
  });

  async function connect(device: TestDeviceIdentity): Promise<RawDevice> {
    const socket = await RawDevice.connect(world.relay.url, credentials.get(device.deviceId) ?? '');
    sockets.push(socket);
    return socket;
  }

  /** The notices a device gets when it says hello. */
  async function heldFor(device: TestDeviceIdentity, as: HelloAs = V2): Promise<ZoomEventNotice[]> {
    const socket = await connect(device);
    const greeting = await socket.greeting(device.deviceId, as);
    await socket.close();
    expect(greeting.at(-1)?.type).toBe('caught-up');
    return greeting.flatMap((m) => (m.type === 'zoom-event' ? [m.notice] : []));
  }

  function eventBody(event: string, user: SimUser, object: Record<string, unknown>, eventTs = clock.now()): string {
    return JSON.stringify({ event, event_ts: eventTs, payload: { account_id: user.accountId, object } });
  }

  async function post(body: string): Promise<void> {
    expect((await postWebhook(world.relay.url, body, Math.floor(clock.now() / 1000))).status).toBe(200);
  }

  it("forwards each of Zoom's events to the devices of the user it names (host_id, or user_id for Zoom Phone)", async () => {
    const userField = (event: string) => FORWARDED_EVENTS.get(event) ?? 'host_id';
    for (const event of FORWARDED_EVENTS.keys()) await post(eventBody(event, bob, { uuid: `u-${event}`, [userField(event)]: bob.userId }));
    const onDesktop = await heldFor(desktop);
    expect(onDesktop.map((n) => [n.event, n.zoomUserId, n.object.uuid])).toEqual([...FORWARDED_EVENTS.keys()].map((event) => [event, bob.userId, `u-${event}`]));
    expect(onDesktop.every((n) => n.zoomAccountId === bob.accountId && n.eventTs === clock.now())).toBe(true);
    expect(await heldFor(laptop)).toEqual([]);
    expect([...FORWARDED_EVENTS.keys()].sort()).toEqual(
      ['meeting.ended', 'recording.completed', 'recording.trashed', 'recording.deleted', 'phone.caller_call_history_completed', 'phone.callee_call_history_completed', 'phone.call_history_deleted'].sort(),
    );
  });

  it('holds a notice per device until that device acks it: sent on every connect before caught-up, pushed live, acked once', async () => {
    const live = await connect(laptop);
    await live.greeting(laptop.deviceId, V2);
    const meeting = { uuid: 'held-while-offline==', id: 81234567890, host_id: alice.userId, topic: 'Planning', start_time: '2026-03-03T09:00:00Z', end_time: '2026-03-03T09:45:00Z' };
    await post(eventBody('meeting.ended', alice, meeting));

    // The connected laptop gets it at once; the desktop, offline, on its next hello.
    const [pushed] = await live.waitFor('zoom-event');
    expect(pushed?.notice).toMatchObject({ zoomAccountId: alice.accountId, zoomUserId: alice.userId, event: 'meeting.ended', object: meeting });
    const [onDesktop] = await heldFor(desktop);
    expect(onDesktop).toMatchObject({ event: 'meeting.ended', object: meeting });
    expect(onDesktop?.noticeId).not.toBe(pushed?.notice.noticeId);
    expect((await compliance(world, alice)).heldNotices).toBe(2);

    // Not acked: sent again. Acked: gone, for that device only.
    expect((await live.greeting(laptop.deviceId, V2)).filter((m) => m.type === 'zoom-event')).toHaveLength(1);
    live.send({ type: 'ack', ref: pushed!.notice.noticeId });
    expect((await live.greeting(laptop.deviceId, V2)).filter((m) => m.type === 'zoom-event')).toEqual([]);
    expect(await heldFor(desktop)).toHaveLength(1);
    expect((await compliance(world, alice)).heldNotices).toBe(1);
  });

  it("holds Zoom's retries of one event once, whatever their timestamps", async () => {
    const body = eventBody('recording.trashed', alice, { uuid: 'r-1', host_id: alice.userId, recording_files: [{ id: 'f-1' }] });
    await post(body);
    await clock.advance(5 * 60_000);
    await post(body);
    await clock.advance(20 * 60_000);
    await post(body);
    expect((await heldFor(laptop)).map((n) => n.object.uuid)).toEqual(['r-1']);
  });

  it('gives a protocol-1 device a sync hint instead, and holds nothing for it', async () => {
    const old = await connect(laptop);
    await old.greeting(laptop.deviceId);
    await post(eventBody('meeting.ended', alice, { uuid: 'm-1', host_id: alice.userId }));
    expect((await old.waitFor('sync-hint'))[0]).toEqual({ type: 'sync-hint', zoomAccountId: alice.accountId, zoomUserId: alice.userId, event: 'meeting.ended' });
    expect(old.of('zoom-event')).toEqual([]);
    // Held while it was offline: one hint per user at its hello, then nothing is held any more.
    await old.close();
    await post(eventBody('meeting.ended', alice, { uuid: 'm-2', host_id: alice.userId }));
    await post(eventBody('recording.completed', alice, { uuid: 'm-2', host_id: alice.userId }));
    const hello = await connect(laptop);
    expect((await hello.greeting(laptop.deviceId)).filter((m) => m.type === 'sync-hint' || m.type === 'zoom-event')).toHaveLength(1);
    expect(await heldFor(laptop)).toEqual([]);
    expect(await heldFor(desktop)).toHaveLength(3);
  });

  it("deletes the user's held notices with the deauthorization, and the cloud-copy part of the ledger says none are left", async () => {
    await post(eventBody('meeting.ended', alice, { uuid: 'm-1', host_id: alice.userId }));
    await post(eventBody('meeting.ended', bob, { uuid: 'm-2', host_id: bob.userId }));
    expect((await compliance(world, alice)).heldNotices).toBe(2);
    expect(await world.sim.admin.deauthorize(alice.userId)).toEqual({ delivered: true, status: 200 });
    expect((await compliance(world, alice)).heldNotices).toBe(0);
    expect(await heldFor(laptop)).toEqual([]);
    expect((await heldFor(desktop)).map((n) => n.zoomUserId)).toEqual([bob.userId]);
    // Events after the deauthorization are held for nobody.
    await post(eventBody('meeting.ended', alice, { uuid: 'm-3', host_id: alice.userId }));
    expect((await compliance(world, alice)).heldNotices).toBe(0);
  });
});
