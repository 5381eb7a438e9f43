// What every Ledger implementation must do, exercised through the interface only: the SQLite
// ledger runs it (sqliteLedger.test.ts), and so can any other (PostgreSQL) by passing its opener.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.js';
import { signBody, type WipeCommandBody } from '../../src/core/wire.js';
import { EVENT_KEY_MEMORY_MS, type Deauthorization, type Ledger, type MakeWipe, type ZoomEventRecord, type ZoomUser } from '../../src/relay/ledger.js';
import { newDeviceIdentity, receiptFrom, type TestDeviceIdentity } from './fixture.js';

export interface OpenedLedger {
  ledger: Ledger;
  /** Closes the ledger and removes what the opener created. */
  dispose(): Promise<void>;
}

const T0 = Date.UTC(2026, 2, 3, 10, 0, 0);
const ALICE: ZoomUser = { zoomAccountId: 'acct-1', zoomUserId: 'alice' };
const BOB: ZoomUser = { zoomAccountId: 'acct-1', zoomUserId: 'bob' };
const signingKey = newDeviceIdentity().privateKey;

const makeWipe: MakeWipe = (target) =>
  signBody<WipeCommandBody>(
    { v: 1, type: 'wipe', commandId: newId(), deviceId: target.deviceId, zoomAccountId: target.zoomAccountId, zoomUserId: target.zoomUserId, reason: 'deauthorized', issuedAt: T0 },
    signingKey,
  );

function zoomEvent(user: ZoomUser, key: string, receivedAt = T0, event = 'meeting.ended'): ZoomEventRecord {
  return { ...user, eventKey: key, event, eventTs: receivedAt - 1_000, object: { uuid: `uuid-${key}`, host_id: user.zoomUserId }, receivedAt };
}

function deauthorization(user: ZoomUser, key: string, deauthorizedAt: number): Deauthorization {
  return { ...user, eventKey: key, deauthorizedAt, userDataRetention: null, receivedAt: deauthorizedAt + 1_000 };
}

export function describeLedgerContract(name: string, open: () => Promise<OpenedLedger>): void {
  describe(`${name}: the Ledger contract (Zoom event notices, ordered deauthorizations, unusable events)`, () => {
    let opened: OpenedLedger;
    let ledger: Ledger;
    let d1: TestDeviceIdentity;
    let d2: TestDeviceIdentity;

    beforeEach(async () => {
      opened = await open();
      ledger = opened.ledger;
      [d1, d2] = [newDeviceIdentity(), newDeviceIdentity()];
      for (const d of [d1, d2]) expect(await ledger.addDevice({ deviceId: d.deviceId, publicKey: d.publicKey, credentialHash: newId(), enrolledAt: T0 })).toBe(true);
      await ledger.enrollUser(d1.deviceId, ALICE, T0);
      await ledger.enrollUser(d2.deviceId, ALICE, T0 + 500);
      await ledger.enrollUser(d1.deviceId, BOB, T0);
    });
    afterEach(async () => {
      await opened.dispose();
    });

    const held = async (d: TestDeviceIdentity) => (await ledger.heldNotices(d.deviceId)).map((n) => `${n.zoomUserId}:${String(n.object.uuid)}`);

    it('holds one notice per active device of the user, once per event key, oldest first, until that device acks it', async () => {
      const first = await ledger.recordZoomEvent(zoomEvent(ALICE, 'e1'));
      expect(first?.map((h) => h.deviceId).sort()).toEqual([d1.deviceId, d2.deviceId].sort());
      expect(new Set(first?.map((h) => h.notice.noticeId)).size).toBe(2);
      expect(first?.[0]?.notice).toMatchObject({ zoomAccountId: 'acct-1', zoomUserId: 'alice', event: 'meeting.ended', eventTs: T0 - 1_000, object: { uuid: 'uuid-e1', host_id: 'alice' } });
      expect(await ledger.recordZoomEvent(zoomEvent(ALICE, 'e1', T0 + 60_000))).toBeNull();
      await ledger.recordZoomEvent(zoomEvent(BOB, 'e2', T0 + 1));
      await ledger.recordZoomEvent(zoomEvent(ALICE, 'e3', T0 + 2));
      expect(await held(d1)).toEqual(['alice:uuid-e1', 'bob:uuid-e2', 'alice:uuid-e3']);
      expect(await held(d2)).toEqual(['alice:uuid-e1', 'alice:uuid-e3']);

      const [e1OnD1] = await ledger.heldNotices(d1.deviceId);
      const [e1OnD2] = await ledger.heldNotices(d2.deviceId);
      // A device acks only its own notices.
      expect(await ledger.ackNotice(d1.deviceId, e1OnD2!.noticeId)).toBe(false);
      expect(await ledger.ackNotice(d1.deviceId, e1OnD1!.noticeId)).toBe(true);
      expect(await ledger.ackNotice(d1.deviceId, e1OnD1!.noticeId)).toBe(false);
      expect(await held(d1)).toEqual(['bob:uuid-e2', 'alice:uuid-e3']);
      expect(await held(d2)).toEqual(['alice:uuid-e1', 'alice:uuid-e3']);
      expect((await ledger.compliance(ALICE))?.heldNotices).toBe(3);
      expect((await ledger.compliance(BOB))?.heldNotices).toBe(1);
    });

    it('remembers an event key for EVENT_KEY_MEMORY_MS, then forgets it', async () => {
      await ledger.recordZoomEvent(zoomEvent(ALICE, 'e1'));
      expect(await ledger.recordZoomEvent(zoomEvent(ALICE, 'e1', T0 + EVENT_KEY_MEMORY_MS - 1))).toBeNull();
      // Another event, past the memory, makes the ledger forget the first key.
      await ledger.recordZoomEvent(zoomEvent(BOB, 'e2', T0 + EVENT_KEY_MEMORY_MS + 1));
      expect(await ledger.recordZoomEvent(zoomEvent(ALICE, 'e1', T0 + EVENT_KEY_MEMORY_MS + 2))).toHaveLength(2);
    });

    it('holds nothing for a pair that is not active, and drops held notices when a pair is wiped or settles', async () => {
      await ledger.recordZoomEvent(zoomEvent(ALICE, 'e1'));
      await ledger.recordZoomEvent(zoomEvent(BOB, 'e2'));
      expect(await ledger.issueWipes(BOB, makeWipe)).toHaveLength(1);
      expect(await held(d1)).toEqual(['alice:uuid-e1']);
      expect(await ledger.recordZoomEvent(zoomEvent(BOB, 'e3'))).toEqual([]);

      // A receipt that does not settle leaves the pair's notices; one that settles drops them.
      await ledger.recordReceipt(receiptFrom(d2, { zoomAccountId: 'acct-1', zoomUserId: 'alice', reason: 'user-purge', verified: false }), false, T0);
      expect(await held(d2)).toEqual(['alice:uuid-e1']);
      await ledger.recordReceipt(receiptFrom(d2, { zoomAccountId: 'acct-1', zoomUserId: 'alice', reason: 'lease-expired' }), true, T0);
      expect(await held(d2)).toEqual([]);
      expect(await held(d1)).toEqual(['alice:uuid-e1']);
    });

    it('wipes only pairs enrolled by spareEnrolledAfter, drops their notices, and keeps the newer grants and theirs', async () => {
      await ledger.recordZoomEvent(zoomEvent(ALICE, 'e1'));
      // d1 enrolled alice at T0, d2 at T0 + 500: a deauthorization at T0 + 100 is older than d2's grant.
      const commands = await ledger.recordDeauthorization(deauthorization(ALICE, 'dz-1', T0 + 100), makeWipe, T0 + 100);
      expect(commands?.map((c) => c.body.deviceId)).toEqual([d1.deviceId]);
      expect(await ledger.recordDeauthorization(deauthorization(ALICE, 'dz-1', T0 + 100), makeWipe, T0 + 100)).toBeNull();
      expect(await ledger.activeDevices(ALICE)).toEqual([d2.deviceId]);
      expect(await held(d1)).toEqual([]);
      expect(await held(d2)).toEqual(['alice:uuid-e1']);
      const record = await ledger.compliance(ALICE);
      expect(record?.heldNotices).toBe(1);
      expect(record?.devices.map((d) => [d.deviceId, d.status]).sort()).toEqual([[d1.deviceId, 'pending'], [d2.deviceId, 'active']].sort());

      // An even older one arriving later is recorded, but the ledger's latest is by Zoom's time.
      expect(await ledger.recordDeauthorization(deauthorization(ALICE, 'dz-0', T0 + 50), makeWipe, T0 + 50)).toEqual([]);
      expect((await ledger.compliance(ALICE))?.deauthorizedAt).toBe(T0 + 100);
      expect((await ledger.cloudCopiesPending()).map((d) => d.eventKey).sort()).toEqual(['dz-0', 'dz-1']);
    });

    it('changes nothing when signing a wipe fails part-way: the deauthorization can be recorded again', async () => {
      await ledger.enrollUser(d2.deviceId, ALICE, T0);
      await ledger.recordZoomEvent(zoomEvent(ALICE, 'e1'));
      let calls = 0;
      const failing: MakeWipe = (target) => {
        if (++calls === 2) throw new Error('signing failed');
        return makeWipe(target);
      };
      await expect(ledger.recordDeauthorization(deauthorization(ALICE, 'dz-1', T0 + 100), failing, T0 + 100)).rejects.toThrow('signing failed');
      expect((await ledger.activeDevices(ALICE)).sort()).toEqual([d1.deviceId, d2.deviceId].sort());
      expect(await ledger.openCommands(d1.deviceId)).toEqual([]);
      expect(await held(d1)).toEqual(['alice:uuid-e1']);
      expect((await ledger.compliance(ALICE))?.deauthorizedAt).toBeNull();
      expect(await ledger.recordDeauthorization(deauthorization(ALICE, 'dz-1', T0 + 100), makeWipe, T0 + 100)).toHaveLength(2);
    });

    it('keeps each unusable event once, lists them oldest first, and dismisses them', async () => {
      const later = { id: 'b'.repeat(64), receivedAt: T0 + 5, event: null, problem: 'the body is not a Zoom event', body: '{"event": ' };
      const earlier = { id: 'a'.repeat(64), receivedAt: T0, event: 'meeting.ended', problem: 'no host', body: '{"event":"meeting.ended"}' };
      await ledger.keepUnusableEvent(later);
      await ledger.keepUnusableEvent(earlier);
      await ledger.keepUnusableEvent({ ...later, receivedAt: T0 + 9 });
      expect(await ledger.unusableEvents()).toEqual([earlier, later]);
      expect(await ledger.dismissUnusableEvent(earlier.id)).toBe(true);
      expect(await ledger.dismissUnusableEvent(earlier.id)).toBe(false);
      expect(await ledger.unusableEvents()).toEqual([later]);
    });
  });
}
