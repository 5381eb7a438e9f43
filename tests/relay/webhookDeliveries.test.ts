// Issue 12 §3: a deauthorization is never refused. Zoom's real shapes are accepted, a signed event
// the relay cannot use is kept for an operator (never a 4xx, which Zoom does not retry), retries
// are accepted for 90 minutes and deduplicated by the event, and deauthorizations are ordered by
// Zoom's deauthorization time against each device's latest enrollment.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { zoomTime } from '../../src/relay/webhook.js';
import type { SimUser } from '../../src/sim/index.js';
import {
  ADMIN_TOKEN,
  RawDevice,
  adminGet,
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

const MINUTE = 60_000;

interface Unusable {
  id: string;
  receivedAt: number;
  event: string | null;
  problem: string;
  body: string;
}

describe('webhook deliveries as Zoom makes them', () => {
  const clock = new FakeClock(Date.UTC(2026, 2, 3, 10, 0, 0));
  let world: World;
  let user: SimUser;
  let device: TestDeviceIdentity;
  let credential: string;
  const cloudCopyCalls: Array<{ userId: string; deauthorizedAt: number }> = [];
  const seconds = (ms: number): number => Math.floor(ms / 1000);

  beforeEach(async () => {
    cloudCopyCalls.length = 0;
    world = await startWorld({ clock, cloudCopy: { delete: async (_account, userId, deauthorizedAt) => void cloudCopyCalls.push({ userId, deauthorizedAt }) } });
    user = world.users[0] as SimUser;
    device = newDeviceIdentity();
    credential = (await enrollAs(world, device, user)).credential ?? '';
  });
  afterEach(async () => {
    await world.close();
  });

  async function pendingWipes(): Promise<number> {
    const raw = await RawDevice.connect(world.relay.url, credential);
    const greeting = await raw.greeting(device.deviceId);
    await raw.close();
    return greeting.filter((m) => m.type === 'wipe').length;
  }

  async function unusable(): Promise<Unusable[]> {
    const answer = await adminGet<{ items: Unusable[] }>(world, '/v1/admin/unusable-events');
    expect(answer.status).toBe(200);
    return answer.body.items;
  }

  /** Zoom's date-time without a zone, as in its own app_deauthorized example ("2024-09-08 15:58:40"). */
  const zoomStamp = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

  it("honours Zoom's own example shape: event_ts inside the payload as a string, no top-level event_ts, no user_data_retention, unknown fields", async () => {
    const at = clock.now() - 2_000;
    const body = JSON.stringify({
      event: 'app_deauthorized',
      payload: {
        account_id: user.accountId,
        user_id: user.userId,
        signature: 'a1b2c3',
        deauthorization_time: new Date(at).toISOString(),
        client_id: 'client',
        event_ts: zoomStamp(at),
        a_field_zoom_added_later: { nested: [1, 2] },
      },
      another_new_field: true,
    });
    expect((await postWebhook(world.relay.url, body, seconds(clock.now()))).status).toBe(200);
    const record = await compliance(world, user);
    expect(record).toMatchObject({ deauthorizedAt: at, userDataRetention: null, devices: [{ status: 'pending' }] });
    expect(await unusable()).toEqual([]);
  });

  it('reads the time from whichever field Zoom sent, and ignores optional fields of an unexpected type', async () => {
    // Only the payload's event_ts, as a zone-less string (UTC, to the second).
    const at = Math.floor(clock.now() / 1000) * 1000;
    const onlyEventTs = JSON.stringify({ event: 'app_deauthorized', payload: { account_id: user.accountId, user_id: user.userId, event_ts: zoomStamp(at) } });
    expect((await postWebhook(world.relay.url, onlyEventTs, seconds(clock.now()))).status).toBe(200);
    expect(await compliance(world, user)).toMatchObject({ deauthorizedAt: at, devices: [{ status: 'pending' }] });

    // A 2025 capture's shape (top-level event_ts in ms, user_data_retention null), with fields of
    // odd types for another user: still honoured.
    const bob = world.users[1] as SimUser;
    const bobsDevice = newDeviceIdentity();
    await enrollAs(world, bobsDevice, bob);
    const odd = JSON.stringify({
      event: 'app_deauthorized',
      event_ts: clock.now() - 1_000,
      payload: { account_id: bob.accountId, user_id: bob.userId, signature: 42, deauthorization_time: 'not a time', user_data_retention: { unexpected: true } },
    });
    expect((await postWebhook(world.relay.url, odd, seconds(clock.now()))).status).toBe(200);
    expect(await compliance(world, bob)).toMatchObject({ deauthorizedAt: clock.now() - 1_000, userDataRetention: null, devices: [{ status: 'pending' }] });
  });

  it('answers 200 to a correctly signed event it cannot use and keeps it for an operator, who lists and dismisses it', async () => {
    const bodies = [
      '{"event": "app_deauthorized", ',
      '"just a string"',
      JSON.stringify({ event: 'app_deauthorized', payload: { account_id: user.accountId } }),
      JSON.stringify({ event: 'endpoint.url_validation', payload: {} }),
      JSON.stringify({ event: 'meeting.ended', payload: { account_id: user.accountId, object: { uuid: 'u-1' } } }),
    ];
    for (const body of bodies) expect((await postWebhook(world.relay.url, body, seconds(clock.now()))).status).toBe(200);
    // The same delivery again (a replay): kept once.
    expect((await postWebhook(world.relay.url, bodies[2]!, seconds(clock.now()))).status).toBe(200);

    const kept = await unusable();
    expect(kept.map((e) => [e.event, e.body])).toEqual([
      [null, bodies[0]],
      [null, bodies[1]],
      ['app_deauthorized', bodies[2]],
      ['endpoint.url_validation', bodies[3]],
      ['meeting.ended', bodies[4]],
    ]);
    expect(kept.every((e) => e.problem.length > 0 && e.receivedAt === clock.now())).toBe(true);
    expect(await statusOf(world, user, device.deviceId)).toBe('active');

    expect((await adminGet(world, '/v1/admin/unusable-events', null)).status).toBe(401);
    const dismiss = (id: string, token = ADMIN_TOKEN) =>
      fetch(`${world.relay.url}/v1/admin/unusable-events/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    expect((await dismiss(kept[2]!.id, 'wrong-token')).status).toBe(401);
    expect((await dismiss(kept[2]!.id)).status).toBe(200);
    expect((await dismiss(kept[2]!.id)).status).toBe(404);
    expect((await unusable()).map((e) => e.id)).toEqual([kept[0]!.id, kept[1]!.id, kept[3]!.id, kept[4]!.id]);
  });

  it('accepts a retry carrying its original timestamp up to 90 minutes old, records it once, and refuses it after', async () => {
    const first = clock.now();
    const body = deauthorizationBody(user, 'instance-1', first - 1_000);
    // The first attempt never reached the relay; Zoom's retries follow 5, 20 and 60 minutes later.
    await clock.advance(20 * MINUTE);
    expect((await postWebhook(world.relay.url, body, seconds(first))).status).toBe(200);
    expect(await statusOf(world, user, device.deviceId)).toBe('pending');
    await clock.advance(65 * MINUTE);
    expect((await postWebhook(world.relay.url, body, seconds(first))).status).toBe(200);
    await clock.advance(6 * MINUTE);
    expect((await postWebhook(world.relay.url, body, seconds(first))).status).toBe(401);
    expect(await pendingWipes()).toBe(1);
    expect(cloudCopyCalls).toEqual([{ userId: user.userId, deauthorizedAt: first - 1_000 }]);
  });

  it('orders deauthorizations by their time: one older than the latest enrollment, or a replay after a re-install, leaves the new grant alone', async () => {
    const installedAt = clock.now();
    const deauthorizedAt = installedAt + MINUTE;
    const old = deauthorizationBody(user, 'uninstall-1', deauthorizedAt);
    await clock.advance(MINUTE);
    const sentAt = seconds(clock.now());
    expect((await postWebhook(world.relay.url, old, sentAt)).status).toBe(200);
    expect(await statusOf(world, user, device.deviceId)).toBe('pending');

    // The user installs again 20 minutes later: the device enrolls the fresh grant.
    await clock.advance(20 * MINUTE);
    await enrollAs(world, device, user, credential);
    const reinstalledAt = clock.now();
    expect(await statusOf(world, user, device.deviceId)).toBe('active');

    // The old deauthorization replayed with its original timestamp, and again with a fresh one.
    expect((await postWebhook(world.relay.url, old, sentAt)).status).toBe(200);
    expect((await postWebhook(world.relay.url, old, seconds(clock.now()))).status).toBe(200);
    // An older deauthorization the relay never saw (its deliveries failed until now).
    const older = deauthorizationBody(user, 'uninstall-0', reinstalledAt - 10 * MINUTE);
    expect((await postWebhook(world.relay.url, older, seconds(clock.now()))).status).toBe(200);
    expect(await statusOf(world, user, device.deviceId)).toBe('active');
    expect(await pendingWipes()).toBe(0);
    // Recorded as what it is; the cloud-copy hook is told its time, so it deletes only older data.
    expect((await compliance(world, user)).deauthorizedAt).toBe(reinstalledAt - 10 * MINUTE);
    expect(cloudCopyCalls.map((c) => c.deauthorizedAt)).toEqual([deauthorizedAt, reinstalledAt - 10 * MINUTE]);

    // Within a minute of the enrollment, clocks may disagree: the deauthorization wins.
    const close = deauthorizationBody(user, 'uninstall-2', reinstalledAt - 30_000);
    expect((await postWebhook(world.relay.url, close, seconds(clock.now()))).status).toBe(200);
    expect(await statusOf(world, user, device.deviceId)).toBe('pending');
    expect(await pendingWipes()).toBe(1);
  });

  it("reads Zoom's zone-less times as UTC whatever this machine's zone, and ms and ISO-8601 as they are", () => {
    const zone = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      expect(zoomTime('2024-09-08 15:58:40')).toBe(Date.UTC(2024, 8, 8, 15, 58, 40));
      expect(zoomTime('2024-09-08T15:58:40')).toBe(Date.UTC(2024, 8, 8, 15, 58, 40));
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
    expect(zoomTime('2019-06-17T13:52:28.632Z')).toBe(Date.UTC(2019, 5, 17, 13, 52, 28, 632));
    expect(zoomTime(1749365726209)).toBe(1749365726209);
    expect([zoomTime('yesterday'), zoomTime(null), zoomTime(-5), zoomTime({})]).toEqual([null, null, null, null]);
  });
});
