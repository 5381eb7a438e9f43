import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { newAccountKey } from '../../src/core/ids.js';
import { openControl, type ControlDb } from '../../src/store/index.js';
import { EXTERNAL_CHECK_MS } from '../../src/store/readCache.js';
import { Scratch, T0, unwrap } from './fixtures.js';

// The daemon answers status and every read from control.db reads kept in memory; these are the
// ways they could go stale.

let scratch: Scratch;
let daemon: ControlDb;
let daemonClock: FakeClock;
let file: string;
beforeEach(() => {
  scratch = new Scratch();
  file = scratch.path('data/control.db');
  daemonClock = new FakeClock(T0);
  daemon = open(daemonClock);
});
afterEach(() => scratch.cleanup());

function open(clock = new FakeClock(T0)): ControlDb {
  const db = unwrap(openControl(file, { clock }));
  scratch.onCleanup(() => db.close());
  return db;
}

function addAccount(control: ControlDb): string {
  const accountKey = newAccountKey();
  unwrap(control.accounts.add({ accountKey, zoomAccountId: 'za', zoomUserId: 'zu', createdAt: T0, state: 'active' }));
  return accountKey;
}

describe('control.db reads served from memory', () => {
  it('see every write made through the same connection', () => {
    expect(daemon.accounts.list()).toEqual([]);
    const key = addAccount(daemon);
    expect(daemon.accounts.list().map((a) => a.accountKey)).toEqual([key]);
    daemon.accounts.setState(key, 'wiping', T0 + 1);
    expect(daemon.accounts.get(key)?.state).toBe('wiping');
    daemon.leases.set(key, { deadline: T0 + 10, lastProofAt: T0, proofKind: 'zoom' });
    expect(daemon.leases.get(key)?.deadline).toBe(T0 + 10);
    daemon.leases.set(key, { deadline: T0 + 20, lastProofAt: T0 + 1, proofKind: 'relay' });
    expect(daemon.leases.get(key)).toEqual({ deadline: T0 + 20, lastProofAt: T0 + 1, proofKind: 'relay' });
    expect(daemon.leases.list().map((l) => l.deadline)).toEqual([T0 + 20]);
    unwrap(daemon.wipes.begin({ id: 'w1', accountKey: key, reason: 'user-purge', requestedAt: T0 }));
    expect(daemon.wipes.unfinished().map((w) => w.id)).toEqual(['w1']);
    daemon.wipes.finish('w1', T0 + 2);
    expect(daemon.wipes.unfinished()).toEqual([]);
    expect(daemon.highWater()).toBe(0);
    daemon.raiseHighWater(T0 + 5);
    expect(daemon.highWater()).toBe(T0 + 5);
  });

  it('see what another connection committed (an operator, a test) within a second', async () => {
    const key = addAccount(daemon);
    expect(daemon.accounts.get(key)?.state).toBe('active');
    expect(daemon.leases.get(key)).toBeNull();
    const other = open();
    other.accounts.setState(key, 'needs-auth', T0 + 1);
    other.leases.set(key, { deadline: T0 + 99, lastProofAt: T0, proofKind: 'zoom' });
    const second = addAccount(other);
    await daemonClock.advance(EXTERNAL_CHECK_MS - 1);
    expect(daemon.accounts.get(key)?.state).toBe('active');
    await daemonClock.advance(1);
    expect(daemon.accounts.get(key)?.state).toBe('needs-auth');
    expect(daemon.leases.get(key)?.deadline).toBe(T0 + 99);
    expect(daemon.accounts.list().map((a) => a.accountKey).sort()).toEqual([key, second].sort());
  });

  it('keep nothing a rolled-back transaction wrote or read', () => {
    const key = addAccount(daemon);
    expect(() =>
      daemon.transaction(() => {
        daemon.accounts.setState(key, 'wiping', T0 + 1);
        expect(daemon.accounts.get(key)?.state).toBe('wiping');
        throw new Error('the wipe could not be journaled');
      }),
    ).toThrow('could not be journaled');
    expect(daemon.accounts.get(key)?.state).toBe('active');
    expect(daemon.accounts.list()[0]?.state).toBe('active');
  });

  it('cannot be changed by a caller: a shared answer is frozen', () => {
    addAccount(daemon);
    const [account] = daemon.accounts.list();
    expect(() => {
      (account as { state: string }).state = 'wiped';
    }).toThrow(TypeError);
    expect(daemon.accounts.list()[0]?.state).toBe('active');
  });
});
