import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ZoomEventNotice } from '../../src/core/wire.js';
import { startLink, type RelayLink } from '../../src/link/index.js';
import { newDeviceIdentity, waitFor } from '../relay/fixture.js';
import { DaemonDouble, FakeRelay } from './doubles.js';

const ACCOUNT = 'acct-1';
const USER = 'user-1';

function notice(noticeId: string, user = USER): ZoomEventNotice {
  return { noticeId, zoomAccountId: ACCOUNT, zoomUserId: user, event: 'meeting.ended', eventTs: 1, object: { uuid: `uuid-${noticeId}` } };
}

describe('the link hands Zoom event notices to the daemon and acks them once handled', () => {
  let relay: FakeRelay;
  let daemon: DaemonDouble;
  let link: RelayLink | undefined;
  /** What the daemon's handler answers, by notice id; a missing one waits for `settle`. */
  const outcomes = new Map<string, boolean | Error>();
  const handled: string[] = [];
  const waiting = new Map<string, (handledOk: boolean) => void>();

  beforeEach(async () => {
    relay = await FakeRelay.start();
    daemon = new DaemonDouble(newDeviceIdentity());
    daemon.credential = 'device-credential';
    daemon.hold(ACCOUNT, USER);
    outcomes.clear();
    handled.length = 0;
    waiting.clear();
    link = startLink(
      daemon.options(relay.url, relay.key.publicKey, {
        onZoomEvent: async (n: ZoomEventNotice) => {
          handled.push(n.noticeId);
          const outcome = outcomes.get(n.noticeId);
          if (outcome instanceof Error) throw outcome;
          if (outcome !== undefined) return outcome;
          return new Promise<boolean>((resolve) => waiting.set(n.noticeId, resolve));
        },
      }),
    );
    const l = link;
    await waitFor(() => l.state === 'online', 'the link online');
  });
  afterEach(async () => {
    await link?.stop();
    link = undefined;
    await relay.close();
  });

  const acks = () => relay.received.flatMap((m) => (m.type === 'ack' ? [m.ref] : []));

  it('acks a notice the daemon handled; not one it could not handle or that failed, which come again', async () => {
    outcomes.set('done', true);
    outcomes.set('not-yet', false);
    outcomes.set('broken', new Error('vault busy'));
    for (const id of ['not-yet', 'broken', 'done']) relay.send({ type: 'zoom-event', notice: notice(id) });
    await waitFor(() => acks().includes('done'), 'the ack of the handled notice');
    expect(handled).toEqual(['not-yet', 'broken', 'done']);
    expect(acks()).toEqual(['done']);

    // Sent again (the next connect): handled again, and acked once the daemon manages.
    outcomes.set('not-yet', true);
    relay.send({ type: 'zoom-event', notice: notice('not-yet') });
    await waitFor(() => acks().includes('not-yet'), 'the ack on the second delivery');
    expect(acks()).toEqual(['done', 'not-yet']);
  });

  it('runs one handler per notice when the relay sends it again while it is handled', async () => {
    relay.send({ type: 'zoom-event', notice: notice('slow') });
    await waitFor(() => waiting.has('slow'), 'the handler running');
    relay.send({ type: 'zoom-event', notice: notice('slow') });
    outcomes.set('barrier', true);
    relay.send({ type: 'zoom-event', notice: notice('barrier') });
    await waitFor(() => acks().includes('barrier'), 'the barrier');
    expect(handled).toEqual(['slow', 'barrier']);
    waiting.get('slow')?.(true);
    await waitFor(() => acks().includes('slow'), 'the ack');
    expect(acks()).toEqual(['barrier', 'slow']);
  });

  it('acks at once a notice for an account this device never had, without troubling the daemon', async () => {
    relay.send({ type: 'zoom-event', notice: notice('stranger', 'someone-else') });
    await waitFor(() => acks().includes('stranger'), 'the ack');
    expect(handled).toEqual([]);
  });
});
