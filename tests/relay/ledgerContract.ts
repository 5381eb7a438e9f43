// The Ledger's behaviour, written once and run against every engine (tests/relay/ledger.test.ts):
// SQLite and PostgreSQL must answer every method the same way. "Two instances" are two ledgers
// opened on the same store, as two relay processes would.
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { newId } from '../../src/core/ids.js';
import type { SignedReceipt } from '../../src/core/receipt.js';
import { signBody, verifySigned, type Signed, type WipeCommandBody } from '../../src/core/wire.js';
import {
  EVENT_KEY_MEMORY_MS,
  UNUSABLE_BODY_KEPT_MS,
  type Deauthorization,
  type Ledger,
  type MakeWipe,
  type OpenedLedger,
  type ZoomEventRecord,
  type ZoomUser,
} from '../../src/relay/ledger.js';
import { DAY_MS, RelaySigner } from '../../src/relay/signer.js';
import { newDeviceIdentity, receiptFrom, type TestDeviceIdentity } from './fixture.js';

export interface LedgerStore {
  /** Opens one more instance on this store (each open migrates, as a starting relay does). */
  open(): Promise<OpenedLedger>;
  /** Marks the store as written by a newer relay (a schema version this code does not know). */
  setNewerSchema(): Promise<void>;
  dispose(): Promise<void>;
}

export interface LedgerEngine {
  /** True when queries cross a network to a server (round trips are counted). */
  networked: boolean;
  freshStore(): Promise<LedgerStore>;
}

const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);
const LEASE_MS = 7 * DAY_MS;

function userOf(n: number): ZoomUser {
  return { zoomAccountId: 'acct-1', zoomUserId: `user-${n}` };
}

function deauthorization(user: ZoomUser, eventKey: string, receivedAt: number): Deauthorization {
  return { ...user, eventKey, deauthorizedAt: receivedAt - 1_000, userDataRetention: 'false', receivedAt };
}

/** Spares no pair enrolled by the time it arrived (the webhook passes Zoom's deauthorization time). */
function recordAt(on: Ledger, event: Deauthorization, makeWipe: MakeWipe): Promise<Signed<WipeCommandBody>[] | null> {
  return on.recordDeauthorization(event, makeWipe, event.receivedAt);
}

export function ledgerContract(engine: LedgerEngine): void {
  const clock = new FakeClock(T0);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const signer = new RelaySigner(privateKey, clock, LEASE_MS);
  const deauthWipe: MakeWipe = (target) => signer.wipe(target.deviceId, target, 'deauthorized');
  const adminWipe: MakeWipe = (target) => signer.wipe(target.deviceId, target, 'admin');

  let store: LedgerStore;
  let ledger: Ledger;
  const opened: Ledger[] = [];

  async function openInstance(): Promise<Ledger> {
    const instance = (await store.open()).ledger;
    opened.push(instance);
    return instance;
  }

  beforeEach(async () => {
    store = await engine.freshStore();
    ledger = await openInstance();
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((l) => l.close()));
    await store.dispose();
  });

  /** A device enrolled for `users`, each with a lease issued at T0. */
  async function enrolledDevice(users: ZoomUser[], on: Ledger = ledger): Promise<TestDeviceIdentity> {
    const device = newDeviceIdentity();
    expect(await on.addDevice({ deviceId: device.deviceId, publicKey: device.publicKey, credentialHash: `hash-${device.deviceId}`, enrolledAt: T0 })).toBe(true);
    for (const user of users) {
      await on.enrollUser(device.deviceId, user, T0);
      await on.recordLease(signer.lease(device.deviceId, user).body);
    }
    return device;
  }

  function wipeReceipt(device: TestDeviceIdentity, command: Signed<WipeCommandBody>, at = T0 + 5_000): SignedReceipt {
    const { zoomAccountId, zoomUserId, commandId } = command.body;
    return receiptFrom(device, { zoomAccountId, zoomUserId, commandId, reason: 'deauthorized' }, at);
  }

  it('opens a fresh store at the newest schema, finds it current when opened again, and refuses one from a newer relay', async () => {
    const again = await store.open();
    opened.push(again.ledger);
    expect(again.schema.from).toBe(again.schema.to);
    expect(again.schema.to).toBeGreaterThan(0);
    await store.setNewerSchema();
    await expect(store.open()).rejects.toThrow(/newer than this relay knows/);
  });

  it('adds a device once: a taken id or credential is refused; finds it by id and by credential', async () => {
    const record = { deviceId: 'dev-a', publicKey: 'key-a', credentialHash: 'hash-a', enrolledAt: T0 };
    expect(await ledger.addDevice(record)).toBe(true);
    expect(await ledger.addDevice({ ...record, credentialHash: 'hash-other' })).toBe(false);
    expect(await ledger.addDevice({ ...record, deviceId: 'dev-b' })).toBe(false);
    expect(await ledger.device('dev-a')).toEqual(record);
    expect(await ledger.deviceByCredential('hash-a')).toEqual(record);
    expect(await ledger.device('dev-b')).toBeNull();
    expect(await ledger.deviceByCredential('hash-other')).toBeNull();
  });

  it('enrolls users on devices: who is enrolled, active users per device, active devices per user, and who is known', async () => {
    const one = await enrolledDevice([userOf(1), userOf(2)]);
    const two = await enrolledDevice([userOf(1)]);
    expect(await ledger.isEnrolled(one.deviceId, userOf(2))).toBe(true);
    expect(await ledger.isEnrolled(two.deviceId, userOf(2))).toBe(false);
    expect((await ledger.activeUsers(one.deviceId)).map((u) => u.zoomUserId)).toEqual(['user-1', 'user-2']);
    expect(await ledger.activeUsers(one.deviceId)).toEqual([
      { deviceId: one.deviceId, ...userOf(1), status: 'active', leaseDeadline: T0 + LEASE_MS },
      { deviceId: one.deviceId, ...userOf(2), status: 'active', leaseDeadline: T0 + LEASE_MS },
    ]);
    expect(await ledger.activeDevices(userOf(1))).toEqual([one.deviceId, two.deviceId].sort());
    expect(await ledger.knowsUser(userOf(2))).toBe(true);
    expect(await ledger.knowsUser(userOf(3))).toBe(false);
  });

  it('keeps the latest lease deadline, and when the lease that set it was issued', async () => {
    const device = await enrolledDevice([userOf(1)]);
    clock.jumpTo(T0 + DAY_MS);
    const later = signer.lease(device.deviceId, userOf(1)).body;
    await ledger.recordLease(later);
    // An older lease arriving late changes nothing.
    await ledger.recordLease({ ...later, issuedAt: T0 - DAY_MS, validUntil: T0 - DAY_MS + LEASE_MS });
    clock.jumpTo(T0);
    expect((await ledger.activeUsers(device.deviceId))[0]?.leaseDeadline).toBe(T0 + DAY_MS + LEASE_MS);
    await recordAt(ledger, deauthorization(userOf(1), 'ev-1', T0 + 2 * DAY_MS), deauthWipe);
    const [entry] = await ledger.deauthorizationReport({ since: 0, after: null, limit: 10 });
    expect(entry?.commands[0]).toMatchObject({ leaseDeadline: T0 + DAY_MS + LEASE_MS, leaseIssuedAt: T0 + DAY_MS });
  });

  it('records a deauthorization with one signed wipe per active device; the pairs turn pending; a repeat of the event changes nothing', async () => {
    const one = await enrolledDevice([userOf(1)]);
    const two = await enrolledDevice([userOf(1), userOf(2)]);
    const commands = await recordAt(ledger, deauthorization(userOf(1), 'ev-1', T0 + 1_000), deauthWipe);
    expect(commands?.map((c) => c.body.deviceId).sort()).toEqual([one.deviceId, two.deviceId].sort());
    for (const c of commands ?? []) {
      expect(verifySigned(c, publicKey)).toBe(true);
      expect(c.body).toMatchObject({ ...userOf(1), reason: 'deauthorized' });
      expect(await ledger.command(c.body.commandId)).toEqual({ command: c, state: 'open' });
    }
    expect(await ledger.openCommands(two.deviceId)).toEqual(commands?.filter((c) => c.body.deviceId === two.deviceId));
    expect(await ledger.activeDevices(userOf(1))).toEqual([]);
    expect((await ledger.obligations('pending')).map((o) => o.deviceId).sort()).toEqual([one.deviceId, two.deviceId].sort());

    expect(await recordAt(ledger, deauthorization(userOf(1), 'ev-1', T0 + 2_000), deauthWipe)).toBeNull();
    expect(await ledger.openCommands(one.deviceId)).toHaveLength(1);
    expect(await ledger.command('no-such-command')).toBeNull();
  });

  it('one Zoom event delivered to two instances at once: one deauthorization, one command per device', async () => {
    const other = await openInstance();
    const devices = await Promise.all([1, 2, 3].map(() => enrolledDevice([userOf(1)])));
    const event = deauthorization(userOf(1), 'ev-twice', T0 + 1_000);
    const outcomes = await Promise.all([recordAt(ledger, event, deauthWipe), recordAt(other, event, deauthWipe)]);
    expect(outcomes.filter((o) => o === null)).toHaveLength(1);
    expect(outcomes.find((o) => o !== null)).toHaveLength(3);
    for (const device of devices) expect(await other.openCommands(device.deviceId)).toHaveLength(1);
    expect((await ledger.deauthorizationReport({ since: 0, after: null, limit: 10 })).map((e) => e.eventKey)).toEqual(['ev-twice']);
  });

  it('two deauthorizations of one user at two instances at once still give one open command per device', async () => {
    const other = await openInstance();
    const devices = await Promise.all([1, 2, 3, 4].map(() => enrolledDevice([userOf(1)])));
    const [a, b] = await Promise.all([
      recordAt(ledger, deauthorization(userOf(1), 'ev-a', T0 + 1_000), deauthWipe),
      recordAt(other, deauthorization(userOf(1), 'ev-b', T0 + 1_000), deauthWipe),
    ]);
    expect((a?.length ?? 0) + (b?.length ?? 0)).toBe(4);
    for (const device of devices) expect(await ledger.openCommands(device.deviceId)).toHaveLength(1);
  });

  it('one Zoom event recorded at two instances at once holds one notice per device', async () => {
    const other = await openInstance();
    const devices = await Promise.all([1, 2].map(() => enrolledDevice([userOf(1)])));
    const event: ZoomEventRecord = { ...userOf(1), eventKey: 'zoom-ev', event: 'meeting.ended', eventTs: T0, object: { uuid: 'm-1' }, receivedAt: T0 };
    const outcomes = await Promise.all([ledger.recordZoomEvent(event), other.recordZoomEvent(event)]);
    expect(outcomes.filter((o) => o === null)).toHaveLength(1);
    for (const device of devices) expect((await other.heldNotices(device.deviceId)).map((n) => n.object)).toEqual([{ uuid: 'm-1' }]);
  });

  it('issues admin wipes to active pairs only, not to pairs already waiting for a receipt', async () => {
    const one = await enrolledDevice([userOf(1)]);
    const admin = await ledger.issueWipes(userOf(1), adminWipe);
    expect(admin.map((c) => [c.body.deviceId, c.body.reason])).toEqual([[one.deviceId, 'admin']]);
    expect(await ledger.issueWipes(userOf(1), adminWipe)).toEqual([]);
    expect(await recordAt(ledger, deauthorization(userOf(1), 'ev-1', T0), deauthWipe)).toEqual([]);
    expect(await ledger.openCommands(one.deviceId)).toEqual(admin);
  });

  it('stores a settling receipt once: the pair is wiped, its commands done; the same receipt again is a duplicate', async () => {
    const device = await enrolledDevice([userOf(1)]);
    const [command] = (await recordAt(ledger, deauthorization(userOf(1), 'ev-1', T0), deauthWipe)) ?? [];
    if (!command) throw new Error('no command');
    const receipt = wipeReceipt(device, command);
    expect(await ledger.recordReceipt(receipt, true, T0 + 6_000)).toBe('stored');
    expect(await ledger.recordReceipt(receipt, true, T0 + 7_000)).toBe('duplicate');
    expect(await ledger.command(command.body.commandId)).toMatchObject({ state: 'done' });
    expect(await ledger.openCommands(device.deviceId)).toEqual([]);
    const record = await ledger.compliance(userOf(1));
    expect(record?.devices).toEqual([{ deviceId: device.deviceId, status: 'wiped', leaseDeadline: T0 + LEASE_MS, receipt, devicePublicKey: device.publicKey }]);
  });

  it('one receipt taken by two instances at once is stored once', async () => {
    const other = await openInstance();
    const device = await enrolledDevice([userOf(1)]);
    const [command] = (await recordAt(ledger, deauthorization(userOf(1), 'ev-1', T0), deauthWipe)) ?? [];
    if (!command) throw new Error('no command');
    const receipt = wipeReceipt(device, command);
    const outcomes = await Promise.all([ledger.recordReceipt(receipt, true, T0 + 6_000), other.recordReceipt(receipt, true, T0 + 6_000)]);
    expect(outcomes.sort()).toEqual(['duplicate', 'stored']);
    expect(await other.command(command.body.commandId)).toMatchObject({ state: 'done' });
  });

  it('a lease-expired receipt makes the pair self-expired; a receipt that does not settle is history only; the first settling receipt decides', async () => {
    const device = await enrolledDevice([userOf(1), userOf(2)]);
    const expired = receiptFrom(device, { ...userOf(1), reason: 'lease-expired' }, T0 + LEASE_MS);
    expect(await ledger.recordReceipt(expired, true, T0 + LEASE_MS)).toBe('stored');
    const unverified = receiptFrom(device, { ...userOf(2), reason: 'admin', verified: false });
    expect(await ledger.recordReceipt(unverified, false, T0)).toBe('stored');
    const later = receiptFrom(device, { ...userOf(1), reason: 'admin' });
    expect(await ledger.recordReceipt(later, true, T0 + LEASE_MS + 1)).toBe('stored');
    const record = await ledger.compliance(userOf(1));
    expect(record?.devices[0]).toMatchObject({ status: 'self-expired', receipt: expired });
    expect((await ledger.compliance(userOf(2)))?.devices[0]).toMatchObject({ status: 'active', receipt: null });
  });

  it('enrolling a user again is a fresh grant: the pair is active and its open commands are superseded', async () => {
    const device = await enrolledDevice([userOf(1)]);
    const [command] = (await recordAt(ledger, deauthorization(userOf(1), 'ev-1', T0), deauthWipe)) ?? [];
    if (!command) throw new Error('no command');
    await ledger.enrollUser(device.deviceId, userOf(1), T0 + 10_000);
    expect(await ledger.command(command.body.commandId)).toMatchObject({ state: 'superseded' });
    expect(await ledger.openCommands(device.deviceId)).toEqual([]);
    expect(await ledger.activeDevices(userOf(1))).toEqual([device.deviceId]);
    // The next deauthorization finds the pair active again.
    expect(await recordAt(ledger, deauthorization(userOf(1), 'ev-2', T0 + 20_000), deauthWipe)).toHaveLength(1);
  });

  it('tracks the cloud-copy deletion of each deauthorization', async () => {
    await recordAt(ledger, deauthorization(userOf(1), 'ev-1', T0), deauthWipe);
    await recordAt(ledger, deauthorization(userOf(2), 'ev-2', T0 + 1), deauthWipe);
    expect((await ledger.cloudCopiesPending()).map((d) => d.eventKey)).toEqual(['ev-1', 'ev-2']);
    await ledger.cloudCopyDeleted('ev-1', T0 + 500);
    await ledger.cloudCopyDeleted('ev-1', T0 + 900);
    expect(await ledger.cloudCopiesPending()).toEqual([deauthorization(userOf(2), 'ev-2', T0 + 1)]);
    expect(await ledger.compliance(userOf(1))).toMatchObject({ cloudCopyDeletedAt: T0 + 500, deauthorizedAt: T0 - 1_000, userDataRetention: 'false' });
  });

  it('answers compliance for a user: null when unknown; the latest deauthorization; every device with its receipt', async () => {
    expect(await ledger.compliance(userOf(9))).toBeNull();
    await recordAt(ledger, { ...deauthorization(userOf(9), 'ev-old', T0), userDataRetention: true }, deauthWipe);
    await recordAt(ledger, { ...deauthorization(userOf(9), 'ev-new', T0 + 5), userDataRetention: null }, deauthWipe);
    expect(await ledger.compliance(userOf(9))).toEqual({ ...userOf(9), deauthorizedAt: T0 + 5 - 1_000, userDataRetention: null, cloudCopyDeletedAt: null, heldNotices: 0, devices: [] });
    expect(await ledger.knowsUser(userOf(9))).toBe(true);
  });

  it('lists obligations by status with when the wipe was asked for, the alarm count and the overdue devices', async () => {
    const early = await enrolledDevice([userOf(1)]);
    clock.jumpTo(T0 + DAY_MS);
    const late = await enrolledDevice([userOf(1)]);
    await enrolledDevice([userOf(2)]);
    clock.jumpTo(T0 + 2 * DAY_MS);
    await recordAt(ledger, deauthorization(userOf(1), 'ev-1', T0 + 2 * DAY_MS), deauthWipe);
    clock.jumpTo(T0);
    const pending = await ledger.obligations('pending');
    expect(pending.map((o) => [o.deviceId, o.leaseDeadline, o.openSince])).toEqual([
      [early.deviceId, T0 + LEASE_MS, T0 + 2 * DAY_MS],
      [late.deviceId, T0 + DAY_MS + LEASE_MS, T0 + 2 * DAY_MS],
    ]);
    expect((await ledger.obligations('active')).map((o) => o.openSince)).toEqual([null]);
    expect(await ledger.pendingSummary(T0 + 3 * DAY_MS)).toEqual({ openCommands: 2, oldestOpenIssuedAt: T0 + 2 * DAY_MS, pastDeadline: 0 });
    const afterFirst = T0 + LEASE_MS + 1;
    expect(await ledger.pendingSummary(afterFirst)).toMatchObject({ pastDeadline: 1 });
    expect((await ledger.overdue(afterFirst, 10)).map((o) => o.deviceId)).toEqual([early.deviceId]);
    expect((await ledger.overdue(T0 + 30 * DAY_MS, 1)).map((o) => o.deviceId)).toEqual([early.deviceId]);
    expect(await ledger.overdue(T0, 10)).toEqual([]);
  });

  it("pages the auditor's report in arrival order from `since`, each deauthorization with its commands and receipts; admin wipes are not deauthorizations", async () => {
    const device = await enrolledDevice([userOf(1), userOf(2), userOf(3)]);
    const other = await enrolledDevice([userOf(1)]);
    const c1 = (await recordAt(ledger, deauthorization(userOf(1), 'ev-1', T0 + 10), deauthWipe)) ?? [];
    await ledger.issueWipes(userOf(2), adminWipe);
    await recordAt(ledger, deauthorization(userOf(3), 'ev-3b', T0 + 30), deauthWipe);
    await recordAt(ledger, deauthorization(userOf(3), 'ev-3a', T0 + 30), deauthWipe);
    await recordAt(ledger, deauthorization(userOf(4), 'ev-4', T0 + 40), deauthWipe);
    const answered = c1.find((c) => c.body.deviceId === device.deviceId);
    if (!answered) throw new Error('no command');
    const receipt = wipeReceipt(device, answered);
    await ledger.recordReceipt(receipt, true, T0 + 50);

    const first = await ledger.deauthorizationReport({ since: 0, after: null, limit: 2 });
    expect(first.map((e) => e.eventKey)).toEqual(['ev-1', 'ev-3a']);
    const ev1 = first[0];
    expect(ev1).toMatchObject({ ...userOf(1), receivedAt: T0 + 10, deauthorizedAt: T0 + 10 - 1_000, cloudCopyDeletedAt: null, userDataRetention: 'false' });
    expect(ev1?.commands.map((c) => c.deviceId)).toEqual([device.deviceId, other.deviceId].sort());
    expect(ev1?.commands.find((c) => c.deviceId === device.deviceId)).toEqual({
      commandId: answered.body.commandId,
      deviceId: device.deviceId,
      state: 'done',
      issuedAt: answered.body.issuedAt,
      leaseDeadline: T0 + LEASE_MS,
      leaseIssuedAt: T0,
      receipt,
      devicePublicKey: device.publicKey,
    });
    expect(ev1?.commands.find((c) => c.deviceId === other.deviceId)).toMatchObject({ state: 'open', receipt: null });
    // ev-3b, recorded first, holds user 3's command; ev-3a (same millisecond, sorted first) found the pair pending.
    expect(first[1]?.commands).toEqual([]);
    const last = first.at(-1);
    if (!last) throw new Error('empty page');
    const second = await ledger.deauthorizationReport({ since: 0, after: { receivedAt: last.receivedAt, eventKey: last.eventKey }, limit: 2 });
    expect(second.map((e) => e.eventKey)).toEqual(['ev-3b', 'ev-4']);
    expect(second[0]?.commands.map((c) => c.deviceId)).toEqual([device.deviceId]);
    expect(second[1]?.commands).toEqual([]);
    expect((await ledger.deauthorizationReport({ since: T0 + 31, after: null, limit: 10 })).map((e) => e.eventKey)).toEqual(['ev-4']);
  });

  it('drops unusable bodies UNUSABLE_BODY_KEPT_MS after they arrived and keeps the rest for the operator; instances sweeping at once drop each once', async () => {
    const other = await openInstance();
    expect(await ledger.sweepContent(T0)).toEqual({ noticesDropped: 0, bodiesDropped: 0, nextDueAt: null });
    expect(await ledger.heldContent()).toEqual({ notices: 0, unusableBodies: 0, oldestBodyReceivedAt: null });
    const old = { id: 'a'.repeat(64), receivedAt: T0, event: 'meeting.ended', problem: 'no host', body: '{"event":"meeting.ended"}' };
    const young = { id: 'b'.repeat(64), receivedAt: T0 + DAY_MS, event: null, problem: 'the body is not a Zoom event', body: '"just a string"' };
    await ledger.keepUnusableEvent(old);
    await ledger.keepUnusableEvent(young);
    expect(await ledger.heldContent()).toEqual({ notices: 0, unusableBodies: 2, oldestBodyReceivedAt: T0 });
    expect(await ledger.sweepContent(T0 + UNUSABLE_BODY_KEPT_MS - 1)).toEqual({ noticesDropped: 0, bodiesDropped: 0, nextDueAt: T0 + UNUSABLE_BODY_KEPT_MS });

    const at = T0 + UNUSABLE_BODY_KEPT_MS;
    const sweeps = await Promise.all([ledger.sweepContent(at), other.sweepContent(at)]);
    expect(sweeps.map((s) => s.bodiesDropped).sort()).toEqual([0, 1]);
    expect(sweeps.map((s) => s.nextDueAt)).toEqual([T0 + DAY_MS + UNUSABLE_BODY_KEPT_MS, T0 + DAY_MS + UNUSABLE_BODY_KEPT_MS]);
    expect(await other.unusableEvents()).toEqual([
      { ...old, body: null, bodyDroppedAt: at },
      { ...young, bodyDroppedAt: null },
    ]);
    expect(await ledger.heldContent()).toEqual({ notices: 0, unusableBodies: 1, oldestBodyReceivedAt: T0 + DAY_MS });
    // The same delivery kept again does not bring its body back; dismissing still works.
    await ledger.keepUnusableEvent(old);
    expect((await ledger.unusableEvents())[0]).toMatchObject({ id: old.id, body: null, bodyDroppedAt: at });
    expect(await ledger.dismissUnusableEvent(old.id)).toBe(true);
  });

  noticesContract(() => ledger);

  it('reports its health, counts round trips only when it crosses a network, and closes twice without harm', async () => {
    expect(await ledger.health()).toEqual({ reachable: true, listening: null });
    const before = ledger.roundTrips();
    await ledger.device('nobody');
    expect(ledger.roundTrips() - before).toBe(engine.networked ? 1 : 0);
    await ledger.close();
    await ledger.close();
  });
}

const N0 = Date.UTC(2026, 2, 3, 10, 0, 0);
const ALICE: ZoomUser = { zoomAccountId: 'acct-1', zoomUserId: 'alice' };
const BOB: ZoomUser = { zoomAccountId: 'acct-1', zoomUserId: 'bob' };
const signingKey = newDeviceIdentity().privateKey;

const makeWipe: MakeWipe = (target) =>
  signBody<WipeCommandBody>(
    { v: 1, type: 'wipe', commandId: newId(), deviceId: target.deviceId, zoomAccountId: target.zoomAccountId, zoomUserId: target.zoomUserId, reason: 'deauthorized', issuedAt: N0 },
    signingKey,
  );

function zoomEvent(user: ZoomUser, key: string, receivedAt = N0, event = 'meeting.ended'): ZoomEventRecord {
  return { ...user, eventKey: key, event, eventTs: receivedAt - 1_000, object: { uuid: `uuid-${key}`, host_id: user.zoomUserId }, receivedAt };
}

function deauthorizedAt(user: ZoomUser, key: string, deauthorizedAt: number): Deauthorization {
  return { ...user, eventKey: key, deauthorizedAt, userDataRetention: null, receivedAt: deauthorizedAt + 1_000 };
}

/** Zoom event notices, deauthorizations ordered by Zoom's time, unusable events (issue 12, 15). */
function noticesContract(current: () => Ledger): void {
  describe('Zoom event notices, ordered deauthorizations, unusable events', () => {
    let ledger: Ledger;
    let d1: TestDeviceIdentity;
    let d2: TestDeviceIdentity;

    beforeEach(async () => {
      ledger = current();
      [d1, d2] = [newDeviceIdentity(), newDeviceIdentity()];
      for (const d of [d1, d2]) expect(await ledger.addDevice({ deviceId: d.deviceId, publicKey: d.publicKey, credentialHash: newId(), enrolledAt: N0 })).toBe(true);
      await ledger.enrollUser(d1.deviceId, ALICE, N0);
      await ledger.enrollUser(d2.deviceId, ALICE, N0 + 500);
      await ledger.enrollUser(d1.deviceId, BOB, N0);
    });
    const held = async (d: TestDeviceIdentity) => (await ledger.heldNotices(d.deviceId)).map((n) => `${n.zoomUserId}:${String(n.object.uuid)}`);

    it('holds one notice per active device of the user, once per event key, oldest first, until that device acks it', async () => {
      const first = await ledger.recordZoomEvent(zoomEvent(ALICE, 'e1'));
      expect(first?.map((h) => h.deviceId).sort()).toEqual([d1.deviceId, d2.deviceId].sort());
      expect(new Set(first?.map((h) => h.notice.noticeId)).size).toBe(2);
      expect(first?.[0]?.notice).toMatchObject({ zoomAccountId: 'acct-1', zoomUserId: 'alice', event: 'meeting.ended', eventTs: N0 - 1_000, object: { uuid: 'uuid-e1', host_id: 'alice' } });
      expect(await ledger.recordZoomEvent(zoomEvent(ALICE, 'e1', N0 + 60_000))).toBeNull();
      await ledger.recordZoomEvent(zoomEvent(BOB, 'e2', N0 + 1));
      await ledger.recordZoomEvent(zoomEvent(ALICE, 'e3', N0 + 2));
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
      expect(await ledger.recordZoomEvent(zoomEvent(ALICE, 'e1', N0 + EVENT_KEY_MEMORY_MS - 1))).toBeNull();
      // Another event, past the memory, makes the ledger forget the first key.
      await ledger.recordZoomEvent(zoomEvent(BOB, 'e2', N0 + EVENT_KEY_MEMORY_MS + 1));
      expect(await ledger.recordZoomEvent(zoomEvent(ALICE, 'e1', N0 + EVENT_KEY_MEMORY_MS + 2))).toHaveLength(2);
    });

    it('holds nothing for a pair that is not active, and drops held notices when a pair is wiped or settles', async () => {
      await ledger.recordZoomEvent(zoomEvent(ALICE, 'e1'));
      await ledger.recordZoomEvent(zoomEvent(BOB, 'e2'));
      expect(await ledger.issueWipes(BOB, makeWipe)).toHaveLength(1);
      expect(await held(d1)).toEqual(['alice:uuid-e1']);
      expect(await ledger.recordZoomEvent(zoomEvent(BOB, 'e3'))).toEqual([]);

      // A receipt that does not settle leaves the pair's notices; one that settles drops them.
      await ledger.recordReceipt(receiptFrom(d2, { zoomAccountId: 'acct-1', zoomUserId: 'alice', reason: 'user-purge', verified: false }), false, N0);
      expect(await held(d2)).toEqual(['alice:uuid-e1']);
      await ledger.recordReceipt(receiptFrom(d2, { zoomAccountId: 'acct-1', zoomUserId: 'alice', reason: 'lease-expired' }), true, N0);
      expect(await held(d2)).toEqual([]);
      expect(await held(d1)).toEqual(['alice:uuid-e1']);
    });

    it('wipes only pairs enrolled by spareEnrolledAfter, drops their notices, and keeps the newer grants and theirs', async () => {
      await ledger.recordZoomEvent(zoomEvent(ALICE, 'e1'));
      // d1 enrolled alice at N0, d2 at N0 + 500: a deauthorization at N0 + 100 is older than d2's grant.
      const commands = await ledger.recordDeauthorization(deauthorizedAt(ALICE, 'dz-1', N0 + 100), makeWipe, N0 + 100);
      expect(commands?.map((c) => c.body.deviceId)).toEqual([d1.deviceId]);
      expect(await ledger.recordDeauthorization(deauthorizedAt(ALICE, 'dz-1', N0 + 100), makeWipe, N0 + 100)).toBeNull();
      expect(await ledger.activeDevices(ALICE)).toEqual([d2.deviceId]);
      expect(await held(d1)).toEqual([]);
      expect(await held(d2)).toEqual(['alice:uuid-e1']);
      const record = await ledger.compliance(ALICE);
      expect(record?.heldNotices).toBe(1);
      expect(record?.devices.map((d) => [d.deviceId, d.status]).sort()).toEqual([[d1.deviceId, 'pending'], [d2.deviceId, 'active']].sort());

      // An even older one arriving later is recorded, but the ledger's latest is by Zoom's time.
      expect(await ledger.recordDeauthorization(deauthorizedAt(ALICE, 'dz-0', N0 + 50), makeWipe, N0 + 50)).toEqual([]);
      expect((await ledger.compliance(ALICE))?.deauthorizedAt).toBe(N0 + 100);
      expect((await ledger.cloudCopiesPending()).map((d) => d.eventKey).sort()).toEqual(['dz-0', 'dz-1']);
    });

    it('changes nothing when signing a wipe fails part-way: the deauthorization can be recorded again', async () => {
      await ledger.enrollUser(d2.deviceId, ALICE, N0);
      await ledger.recordZoomEvent(zoomEvent(ALICE, 'e1'));
      let calls = 0;
      const failing: MakeWipe = (target) => {
        if (++calls === 2) throw new Error('signing failed');
        return makeWipe(target);
      };
      await expect(ledger.recordDeauthorization(deauthorizedAt(ALICE, 'dz-1', N0 + 100), failing, N0 + 100)).rejects.toThrow('signing failed');
      expect((await ledger.activeDevices(ALICE)).sort()).toEqual([d1.deviceId, d2.deviceId].sort());
      expect(await ledger.openCommands(d1.deviceId)).toEqual([]);
      expect(await held(d1)).toEqual(['alice:uuid-e1']);
      expect((await ledger.compliance(ALICE))?.deauthorizedAt).toBeNull();
      expect(await ledger.recordDeauthorization(deauthorizedAt(ALICE, 'dz-1', N0 + 100), makeWipe, N0 + 100)).toHaveLength(2);
    });

    it('keeps each unusable event once, lists them oldest first, and dismisses them', async () => {
      const later = { id: 'b'.repeat(64), receivedAt: N0 + 5, event: null, problem: 'the body is not a Zoom event', body: '{"event": ' };
      const earlier = { id: 'a'.repeat(64), receivedAt: N0, event: 'meeting.ended', problem: 'no host', body: '{"event":"meeting.ended"}' };
      await ledger.keepUnusableEvent(later);
      await ledger.keepUnusableEvent(earlier);
      await ledger.keepUnusableEvent({ ...later, receivedAt: N0 + 9 });
      expect(await ledger.unusableEvents()).toEqual([
        { ...earlier, bodyDroppedAt: null },
        { ...later, bodyDroppedAt: null },
      ]);
      expect(await ledger.dismissUnusableEvent(earlier.id)).toBe(true);
      expect(await ledger.dismissUnusableEvent(earlier.id)).toBe(false);
      expect(await ledger.unusableEvents()).toEqual([{ ...later, bodyDroppedAt: null }]);
    });

    it("drops the notices held for a device once its lease deadline has passed, holds none for it after, and says when the next falls due", async () => {
      const leaseUntil = (d: TestDeviceIdentity, user: ZoomUser, validUntil: number) =>
        ledger.recordLease({ v: 1, type: 'lease', deviceId: d.deviceId, ...user, issuedAt: N0, validUntil });
      await leaseUntil(d1, ALICE, N0 + DAY_MS);
      await leaseUntil(d2, ALICE, N0 + 2 * DAY_MS);
      // d1 holds bob with no lease on record: no deadline, nothing to drop.
      await ledger.recordZoomEvent(zoomEvent(ALICE, 'e1'));
      await ledger.recordZoomEvent(zoomEvent(BOB, 'e2'));
      expect(await ledger.sweepContent(N0 + DAY_MS - 1)).toEqual({ noticesDropped: 0, bodiesDropped: 0, nextDueAt: N0 + DAY_MS });
      expect(await held(d1)).toEqual(['alice:uuid-e1', 'bob:uuid-e2']);

      expect(await ledger.sweepContent(N0 + DAY_MS)).toEqual({ noticesDropped: 1, bodiesDropped: 0, nextDueAt: N0 + 2 * DAY_MS });
      expect(await ledger.sweepContent(N0 + DAY_MS)).toEqual({ noticesDropped: 0, bodiesDropped: 0, nextDueAt: N0 + 2 * DAY_MS });
      expect(await held(d1)).toEqual(['bob:uuid-e2']);
      expect(await held(d2)).toEqual(['alice:uuid-e1']);
      // d1 wiped itself at its deadline: a later event is held for d2 only; the pair itself is untouched.
      expect((await ledger.recordZoomEvent(zoomEvent(ALICE, 'e3', N0 + DAY_MS)))?.map((h) => h.deviceId)).toEqual([d2.deviceId]);
      const record = await ledger.compliance(ALICE);
      expect(record?.heldNotices).toBe(2);
      expect(record?.devices.map((d) => d.status)).toEqual(['active', 'active']);
      expect(await ledger.heldContent()).toEqual({ notices: 3, unusableBodies: 0, oldestBodyReceivedAt: null });
    });
  });
}
