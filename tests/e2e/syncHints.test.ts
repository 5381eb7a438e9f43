import { afterEach, describe, expect, it } from 'vitest';
import { signZoomWebhook } from '../../src/sim/index.js';
import { waitFor } from '../helpers/daemonHarness.js';
import { SECRET, enrolledDevice } from './world.js';

describe('meeting.ended while the device is online (the relay pushes the notice)', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it('a meeting.ended webhook makes the device sync now, not at its next scheduled run', async () => {
    // An hourly schedule and no sync at start: only the hint can explain a sync.
    const w = await enrolledDevice({ sync: { schedule: '0 * * * *' } });
    stop = w.close;
    const { client: c, user, account } = w;
    await waitFor(async () => {
      const status = await c.call('status');
      return status.ok && status.value.link.state === 'online';
    });

    const [added] = w.sim.admin.addMeetings(user.userId, 1);
    const done: string[] = [];
    await c.on('sync.done', (e) => done.push(e.accountKey));
    const body = JSON.stringify({ event: 'meeting.ended', event_ts: Date.now(), payload: { account_id: user.accountId, object: { host_id: user.userId, uuid: added!.meeting.uuid } } });
    const ts = Math.floor(Date.now() / 1000);
    const answer = await fetch(`${w.relay.url}/zoom/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-zm-request-timestamp': String(ts), 'x-zm-signature': signZoomWebhook(SECRET, ts, body) },
      body,
    });
    expect(answer.status).toBe(200);
    await waitFor(() => done.includes(account));
    const found = await c.call('meetings.get', { account, uuid: added!.meeting.uuid });
    expect(found.ok).toBe(true);
  });
});
