import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/daemonHarness.js';
import { enrolledDevice } from './world.js';

describe('meeting.ended while the device is online (the relay pushes the notice)', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it('an instant meeting on a random ID, which no Zoom list shows, is stored from the event at once, without a sync', async () => {
    // An hourly schedule and no sync at start: only the notice can bring the meeting.
    const w = await enrolledDevice({ sync: { schedule: '0 * * * *' } });
    stop = w.close;
    const { client: c, user, account } = w;
    await waitFor(async () => {
      const status = await c.call('status');
      return status.ok && status.value.link.state === 'online';
    });
    const done: string[] = [];
    const changed: string[] = [];
    await c.on('sync.done', (e) => done.push(e.accountKey));
    await c.on('data.changed', (e) => changed.push(`${e.accountKey}:${e.resource}`));

    // Zoom (the simulator) posts meeting.ended to the relay itself, signed.
    const { meeting } = w.sim.admin.holdMeeting(user.userId, 'instant');
    const found = await waitFor(async () => {
      const got = await c.call('meetings.get', { account, uuid: meeting.pastMeeting.uuid });
      return got.ok ? got.value : null;
    });
    expect(found).toMatchObject({ topic: meeting.pastMeeting.topic, endTime: Date.parse(meeting.pastMeeting.end_time) });
    expect(changed).toContain(`${account}:meetings`);
    expect(done).toEqual([]);
  });
});
