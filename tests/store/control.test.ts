import { sign, verify } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { newAccountKey } from '../../src/core/ids.js';
import { openControl, type ControlDb } from '../../src/store/index.js';
import { Scratch, T0, unwrap } from './fixtures.js';

let scratch: Scratch;
let file: string;
let control: ControlDb;
beforeEach(() => {
  scratch = new Scratch();
  file = scratch.path('data/control.db');
  control = open();
});
afterEach(() => scratch.cleanup());

function open(clock = new FakeClock(T0)): ControlDb {
  const db = unwrap(openControl(file, { clock }));
  scratch.onCleanup(() => db.close());
  return db;
}

function reopen(): ControlDb {
  control.close();
  control = open(new FakeClock(T0 + 1000));
  return control;
}

describe('device identity', () => {
  it('is created once and stays the same across opens; its key signs and verifies', () => {
    const first = control.device();
    expect(first.createdAt).toBe(T0);
    const again = reopen().device();
    expect(again.deviceId).toBe(first.deviceId);
    expect(again.createdAt).toBe(T0);
    expect(again.publicKeyDer.equals(first.publicKeyDer)).toBe(true);
    expect(again.privateKey.asymmetricKeyType).toBe('ed25519');
    const message = Buffer.from('{"id":"w1"}');
    expect(verify(null, message, first.publicKey, sign(null, message, again.privateKey))).toBe(true);
  });
});

describe('clock high-water mark', () => {
  it('never lowers, and survives a reopen', () => {
    expect(control.highWater()).toBe(0);
    expect(control.raiseHighWater(T0 + 500)).toBe(T0 + 500);
    expect(control.raiseHighWater(T0)).toBe(T0 + 500);
    expect(reopen().highWater()).toBe(T0 + 500);
    expect(() => control.raiseHighWater(Number.NaN)).toThrow(RangeError);
  });
});

describe('accounts and leases', () => {
  it('registers accounts once, changes their state, and keeps leases as absolute times', () => {
    const key = newAccountKey();
    const account = unwrap(control.accounts.add({ accountKey: key, zoomAccountId: 'acc', zoomUserId: 'usr', createdAt: T0 }));
    expect(account).toMatchObject({ state: 'connecting', stateChangedAt: T0 });
    const again = control.accounts.add({ accountKey: key, zoomAccountId: 'acc', zoomUserId: 'usr', createdAt: T0 });
    expect(!again.ok && again.error.code).toBe('DUPLICATE');
    expect(control.accounts.setState(key, 'active', T0 + 1)).toBe(true);
    expect(control.accounts.setState(newAccountKey(), 'active', T0 + 1)).toBe(false);
    expect(control.accounts.get(key)).toMatchObject({ state: 'active', stateChangedAt: T0 + 1 });
    expect(control.accounts.list().map((a) => a.accountKey)).toEqual([key]);
    expect(() => control.accounts.add({ accountKey: '../escape', zoomAccountId: 'a', zoomUserId: 'u', createdAt: T0 })).toThrow();

    expect(control.leases.get(key)).toBeNull();
    control.leases.set(key, { deadline: T0 + 7 * 86_400_000, lastProofAt: T0, proofKind: 'zoom' });
    control.leases.set(key, { deadline: T0 + 8 * 86_400_000, lastProofAt: T0 + 86_400_000, proofKind: 'relay' });
    expect(reopen().leases.get(key)).toEqual({ deadline: T0 + 8 * 86_400_000, lastProofAt: T0 + 86_400_000, proofKind: 'relay' });
    expect(control.leases.list()).toEqual([{ accountKey: key, deadline: T0 + 8 * 86_400_000, lastProofAt: T0 + 86_400_000, proofKind: 'relay' }]);
  });
});

describe('wipe journal and receipts', () => {
  it('lists unfinished wipes until they finish, oldest first, across a restart', () => {
    const a = unwrap(control.wipes.begin({ id: 'w1', accountKey: newAccountKey(), reason: 'user-purge', requestedAt: T0 + 2 }));
    expect(a).toMatchObject({ step: 'intent', commandId: null, finishedAt: null });
    unwrap(control.wipes.begin({ id: 'w0', accountKey: newAccountKey(), reason: 'deauthorized', commandId: 'cmd-9', requestedAt: T0 + 1 }));
    expect(control.wipes.step('w1', 'closed', T0 + 3)).toBe(true);
    expect(reopen().wipes.unfinished().map((w) => [w.id, w.step])).toEqual([
      ['w0', 'intent'],
      ['w1', 'closed'],
    ]);
    expect(control.wipes.finish('w1', T0 + 4)).toBe(true);
    expect(control.wipes.finish('w1', T0 + 5)).toBe(false);
    expect(control.wipes.step('w1', 'late', T0 + 5)).toBe(false);
    expect(control.wipes.unfinished().map((w) => w.id)).toEqual(['w0']);
    expect(control.wipes.get('w1')).toMatchObject({ finishedAt: T0 + 4, step: 'closed' });
    expect(control.wipes.byCommand('cmd-9')?.id).toBe('w0');
  });

  it('refuses a second wipe for the same id or the same relay command', () => {
    unwrap(control.wipes.begin({ id: 'w1', accountKey: newAccountKey(), reason: 'deauthorized', commandId: 'cmd-1', requestedAt: T0 }));
    const sameId = control.wipes.begin({ id: 'w1', accountKey: newAccountKey(), reason: 'lease-expired', requestedAt: T0 });
    const sameCommand = control.wipes.begin({ id: 'w2', accountKey: newAccountKey(), reason: 'deauthorized', commandId: 'cmd-1', requestedAt: T0 });
    expect(!sameId.ok && sameId.error.code).toBe('DUPLICATE');
    expect(!sameCommand.ok && sameCommand.error.code).toBe('DUPLICATE');
    expect(control.wipes.unfinished()).toHaveLength(1);
  });

  it('keeps exactly one receipt per wipe, in the outbox until acknowledged', () => {
    unwrap(control.wipes.begin({ id: 'w1', accountKey: newAccountKey(), reason: 'user-purge', requestedAt: T0 }));
    const receipt = { id: 'r1', wipeId: 'w1', body: '{"id":"w1","verified":true}', signature: 'c2ln', createdAt: T0 + 1 };
    unwrap(control.transaction(() => {
      const added = control.receipts.add(receipt);
      control.wipes.finish('w1', T0 + 1);
      return added;
    }));
    const second = control.receipts.add({ ...receipt, id: 'r2' });
    expect(!second.ok && second.error.code).toBe('DUPLICATE');
    expect(control.receipts.list()).toHaveLength(1);
    expect(control.receipts.forWipe('w1')?.id).toBe('r1');
    expect(reopen().receipts.unacked()).toEqual([{ ...receipt, ackedAt: null }]);
    expect(control.receipts.ack('r1', T0 + 9)).toBe(true);
    expect(control.receipts.ack('r1', T0 + 10)).toBe(false);
    expect(control.receipts.unacked()).toEqual([]);
    expect(control.receipts.get('r1')?.ackedAt).toBe(T0 + 9);
  });

  it('lists receipts newest first, and sends the unacknowledged oldest first', () => {
    for (const [i, at] of [T0 + 5, T0 + 1, T0 + 9].entries()) {
      unwrap(control.wipes.begin({ id: `w${i}`, accountKey: newAccountKey(), reason: 'user-purge', requestedAt: T0 }));
      unwrap(control.receipts.add({ id: `r${i}`, wipeId: `w${i}`, body: '{}', signature: 's', createdAt: at }));
    }
    expect(control.receipts.list().map((r) => r.id)).toEqual(['r2', 'r0', 'r1']);
    expect(control.receipts.unacked().map((r) => r.id)).toEqual(['r1', 'r0', 'r2']);
  });

  it('rolls back a transaction that throws', () => {
    unwrap(control.wipes.begin({ id: 'w1', accountKey: newAccountKey(), reason: 'user-purge', requestedAt: T0 }));
    expect(() =>
      control.transaction(() => {
        control.receipts.add({ id: 'r1', wipeId: 'w1', body: '{}', signature: 's', createdAt: T0 });
        throw new Error('signing failed');
      }),
    ).toThrow('signing failed');
    expect(control.receipts.list()).toEqual([]);
  });
});

describe('meta', () => {
  it('stores small values across a reopen', () => {
    expect(control.getMeta('relay.lastHello')).toBeNull();
    control.setMeta('relay.lastHello', '1');
    control.setMeta('relay.lastHello', '2');
    expect(reopen().getMeta('relay.lastHello')).toBe('2');
  });
});
