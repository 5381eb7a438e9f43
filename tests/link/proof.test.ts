import { generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { linkProofBody, signBody } from '../../src/core/wire.js';
import { startLink, type RelayLink } from '../../src/link/index.js';
import { newDeviceIdentity, receiptFrom, waitFor } from '../relay/fixture.js';
import { DaemonDouble, FakeRelay, LogLines, type Prover } from './doubles.js';

const ACCOUNT = 'acct-1';
const USER = 'user-1';
const IGNORED = 'relay message before the relay proved its key; ignored';
const UNPROVEN = 'the relay did not prove the pinned key; the link stays unverified';

describe('the link is online only once the relay proved the pinned key', () => {
  /** The relay whose key the device pins. */
  let pinned: FakeRelay;
  const impostors: FakeRelay[] = [];
  let daemon: DaemonDouble;
  let logs: LogLines;
  const links: RelayLink[] = [];
  const zoomEvents: string[] = [];
  let caughtUp = 0;

  beforeEach(async () => {
    pinned = await FakeRelay.start();
    daemon = new DaemonDouble(newDeviceIdentity());
    daemon.credential = 'device-credential';
    daemon.hold(ACCOUNT, USER);
    logs = new LogLines();
    zoomEvents.length = 0;
    caughtUp = 0;
  });
  afterEach(async () => {
    for (const link of links.splice(0)) await link.stop();
    for (const relay of impostors.splice(0)) await relay.close();
    await pinned.close();
  });

  /** A link that pins `pinned`'s key, talking to `relay`. */
  function linkTo(relay: FakeRelay): RelayLink {
    const link = startLink(
      daemon.options(relay.url, pinned.key.publicKey, {
        log: logs.logger,
        onZoomEvent: async (notice) => {
          zoomEvents.push(notice.noticeId);
          return true;
        },
        onCaughtUp: () => caughtUp++,
      }),
    );
    links.push(link);
    return link;
  }

  async function impostor(prove: Prover): Promise<FakeRelay> {
    const relay = await FakeRelay.start({ prove });
    impostors.push(relay);
    return relay;
  }

  it('happy path: the relay signs a fresh challenge per connection; unverified until then, online after', async () => {
    const link = linkTo(pinned);
    await waitFor(() => link.state === 'online', 'the link online');
    pinned.current.terminate();
    await waitFor(() => link.state === 'offline', 'the link offline');
    await daemon.clock.advance(1_000);
    await waitFor(() => link.state === 'online', 'the link online again');

    expect(daemon.states).toEqual(['connecting', 'unverified', 'online', 'offline', 'connecting', 'unverified', 'online']);
    const challenges = pinned.hellos().map((h) => h.challenge ?? '');
    expect(challenges).toHaveLength(2);
    expect(challenges.map((c) => Buffer.from(c, 'base64').length)).toEqual([32, 32]);
    expect(challenges[0]).not.toBe(challenges[1]);
    // Online, what the pinned key signed is accepted.
    pinned.send({ type: 'lease', lease: pinned.lease({ deviceId: daemon.device.deviceId, zoomAccountId: ACCOUNT, zoomUserId: USER }) });
    await waitFor(() => daemon.leases.length === 1, 'the lease');
  });

  it('an impostor signing with another key stays unverified, and nothing it sends is accepted, even what the pinned key signed', async () => {
    const stranger = generateKeyPairSync('ed25519').privateKey;
    const fake = await impostor((hello, relay) => relay.proof(hello, stranger));
    const receipt = receiptFrom(daemon.device, { zoomAccountId: ACCOUNT, zoomUserId: USER, reason: 'user-purge' });
    daemon.outbox.set(receipt.id, receipt);
    const link = linkTo(fake);
    await waitFor(() => logs.count(UNPROVEN) === 1, 'the failed proof');

    const mine = { deviceId: daemon.device.deviceId, zoomAccountId: ACCOUNT, zoomUserId: USER };
    // Captured from the genuine relay: signed by the pinned key, replayed by the impostor.
    const messages = [
      { type: 'lease', lease: pinned.lease(mine) },
      { type: 'wipe', command: pinned.wipe(mine) },
      { type: 'receipt-ack', receiptId: receipt.id },
      { type: 'sync-hint', zoomAccountId: ACCOUNT, zoomUserId: USER, event: 'meeting.ended' },
      { type: 'zoom-event', notice: { noticeId: 'n-1', zoomAccountId: ACCOUNT, zoomUserId: USER, event: 'recording.deleted', eventTs: 0, object: { uuid: 'u' } } },
      { type: 'caught-up' },
    ];
    for (const message of messages) fake.send(message);
    await waitFor(() => logs.count(IGNORED) === messages.length, 'every message ignored');

    expect(link.state).toBe('unverified');
    expect(daemon.states).toEqual(['connecting', 'unverified']);
    expect(daemon.leases).toEqual([]);
    expect(daemon.wipes).toEqual([]);
    expect(daemon.outbox.has(receipt.id)).toBe(true);
    expect(zoomEvents).toEqual([]);
    expect(caughtUp).toBe(0);
    // Receipts and acks go only to a relay that proved itself; once the socket closed at the
    // impostor's end, everything the link ever sent has arrived there.
    link.flushReceipts();
    const closed = new Promise((resolve) => fake.current.once('close', resolve));
    await link.stop();
    await closed;
    expect(fake.received.map((m) => m.type)).toEqual(['hello']);
  });

  it('a replayed or reflected proof does not verify: an earlier challenge, another device, the other direction, another signed statement', async () => {
    const genuine = linkTo(pinned);
    await waitFor(() => genuine.state === 'online', 'the genuine link online');
    const earlier = pinned.hellos()[0]!;
    const captured = pinned.proof(earlier);
    await genuine.stop();

    const key = pinned.key.privateKey;
    const forgeries: Prover[] = [
      // The proof of an earlier connection, replayed as it was.
      () => captured,
      // The pinned key answering this very challenge, but for another device.
      (hello) => pinned.proof(hello, key, { deviceId: 'another-device' }),
      // The same device and challenge, signed for the other direction.
      (hello) => {
        const { body, signature } = signBody({ ...linkProofBody(hello.deviceId, hello.challenge ?? ''), direction: 'device-to-relay' }, key);
        return { body: { ...body, direction: 'relay-to-device' }, signature };
      },
      // A genuine lease's signature presented as a proof.
      (hello) => ({ body: linkProofBody(hello.deviceId, hello.challenge ?? ''), signature: pinned.lease({ deviceId: hello.deviceId, zoomAccountId: ACCOUNT, zoomUserId: USER }).signature }),
      // No proof at all (a protocol-1 relay).
      () => undefined,
    ];
    for (const [i, prove] of forgeries.entries()) {
      const link = linkTo(await impostor(prove));
      await waitFor(() => logs.count(UNPROVEN) === i + 1, `forgery ${i} refused`);
      expect(link.state).toBe('unverified');
    }
    expect(daemon.states.filter((s) => s === 'online')).toHaveLength(1);
  });
});
