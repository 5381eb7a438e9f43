import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Relay } from '../../src/relay/index.js';
import { signZoomWebhook, type SimUser } from '../../src/sim/index.js';
import { openControl } from '../../src/store/index.js';
import { client, simConfig, waitFor } from '../helpers/daemonHarness.js';
import { FakeRelay } from '../link/doubles.js';
import { RawDevice } from '../relay/fixture.js';
import { ADMIN, SECRET, enrolledDevice, ledger, type EnrolledDevice } from './world.js';

/** Zoom's meeting.ended for a meeting the simulator holds (payload.object as Zoom sends it). */
async function meetingEnded(relay: Relay, user: SimUser, meeting: { uuid: string; id: number; topic: string; start_time: string; end_time: string }): Promise<number> {
  const body = JSON.stringify({ event: 'meeting.ended', event_ts: Date.now(), payload: { account_id: user.accountId, object: { ...meeting, host_id: user.userId, type: 1 } } });
  const ts = Math.floor(Date.now() / 1000);
  const answer = await fetch(`${relay.url}/zoom/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-zm-request-timestamp': String(ts), 'x-zm-signature': signZoomWebhook(SECRET, ts, body) },
    body,
  });
  return answer.status;
}

async function heldNotices(w: EnrolledDevice): Promise<number> {
  const answer = await fetch(`${w.relay.url}/v1/compliance/${w.user.accountId}/${w.user.userId}`, { headers: { authorization: `Bearer ${ADMIN}` } });
  return ((await answer.json()) as { heldNotices: number }).heldNotices;
}

/** The relay credential the daemon stored at enrollment (read while the daemon is stopped). */
function storedCredential(w: EnrolledDevice): { deviceId: string; credential: string } {
  const control = openControl(join(w.home.paths.data, 'control.db'));
  if (!control.ok) throw new Error('control.db');
  try {
    return { deviceId: control.value.device().deviceId, credential: control.value.getMeta('relay.credential') ?? '' };
  } finally {
    control.value.close();
  }
}

describe('Zoom events kept by the relay reach the daemon (simulator + relay + daemon, real sockets)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('a meeting held while the device was offline reaches it on connect; once acked, the relay no longer holds or sends it', async () => {
    // An hourly schedule and no sync at start: only the notice can bring the meeting.
    const w = await enrolledDevice({ sync: { schedule: '0 * * * *' } });
    cleanups.push(w.close);
    const { user, account } = w;
    await w.client.close();
    await w.daemon.stop();

    const [added] = w.sim.admin.addMeetings(user.userId, 1);
    const past = added!.pastMeeting;
    expect(await meetingEnded(w.relay, user, { uuid: past.uuid, id: past.id, topic: past.topic, start_time: past.start_time, end_time: past.end_time })).toBe(200);
    expect(await heldNotices(w)).toBe(1);

    await w.daemon.startDaemon();
    const c = await client(w.home);
    await waitFor(async () => (await c.call('meetings.get', { account, uuid: past.uuid })).ok);
    await waitFor(async () => (await heldNotices(w)) === 0);

    // Connecting as the device once more: the relay sends no notice.
    await c.close();
    await w.daemon.stop();
    const { deviceId, credential } = storedCredential(w);
    const raw = await RawDevice.connect(w.relay.url, credential);
    const greeting = await raw.greeting(deviceId, { protocol: 2, challenge: 'Y2hhbGxlbmdl' });
    await raw.close();
    expect(greeting.map((m) => m.type)).toEqual(['welcome', 'lease', 'caught-up']);
  });

  it('a deauthorization deletes the notices the relay held for the device', async () => {
    const w = await enrolledDevice({ sync: { schedule: '0 * * * *' } });
    cleanups.push(w.close);
    await w.client.close();
    await w.daemon.stop();
    const [added] = w.sim.admin.addMeetings(w.user.userId, 1);
    const past = added!.pastMeeting;
    expect(await meetingEnded(w.relay, w.user, { uuid: past.uuid, id: past.id, topic: past.topic, start_time: past.start_time, end_time: past.end_time })).toBe(200);
    expect(await heldNotices(w)).toBe(1);

    expect(await w.sim.admin.deauthorize(w.user.userId)).toEqual({ delivered: true, status: 200 });
    expect(await heldNotices(w)).toBe(0);
    const { deviceId, credential } = storedCredential(w);
    const raw = await RawDevice.connect(w.relay.url, credential);
    const greeting = await raw.greeting(deviceId, { protocol: 2, challenge: 'Y2hhbGxlbmdl' });
    await raw.close();
    expect(greeting.map((m) => m.type)).toEqual(['welcome', 'wipe', 'caught-up']);
  });

  it("a daemon whose relay cannot prove the pinned key says 'unverified' in its status and keeps its data", async () => {
    const w = await enrolledDevice();
    cleanups.push(w.close);
    await w.client.close();
    await w.daemon.stop();
    const stranger = generateKeyPairSync('ed25519').privateKey;
    const impostor = await FakeRelay.start({ prove: (hello, relay) => relay.proof(hello, stranger) });
    cleanups.push(() => impostor.close());
    w.home.writeConfig(simConfig(w.sim, { relay: { ...w.config.relay, url: impostor.url } }));

    await w.daemon.startDaemon();
    const c = await client(w.home);
    cleanups.push(() => c.close());
    await impostor.waitForHellos(1);
    const status = await waitFor(async () => {
      const s = await c.call('status');
      return s.ok && s.value.link.state === 'unverified' ? s.value : null;
    });
    expect(status.link.state).toBe('unverified');
    expect((await c.call('meetings.list', { account: w.account })).ok).toBe(true);
    expect((await ledger(w.relay, w.sim)).devices[0]?.status).toBe('active');
  });
});
