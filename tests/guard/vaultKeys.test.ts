import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { err, ok } from '../../src/core/result.js';
import { fileKeyStore, type DeviceKeyStore } from '../../src/guard/deviceKeyStore.js';
import { VaultKeys } from '../../src/guard/vaultKeys.js';
import type { KeyStoreChoice } from '../../src/platform/config.js';
import { silentLogger } from '../../src/platform/logger.js';
import { openControl, type ControlDb, type Custody } from '../../src/store/index.js';
import { Scratch, unwrap } from '../store/fixtures.js';

/** A credential store in memory, which a test can lock, take away, or make hang. */
class FakeKeyring implements DeviceKeyStore {
  readonly custody = 'keyring' as const;
  readonly secrets = new Map<string, Buffer>();
  mode: 'open' | 'locked' | 'gone' = 'open';
  /** put stores the key, then never answers: the process "dies" inside it. */
  hangAfterPut = false;

  private refuse() {
    return this.mode === 'locked' ? err({ kind: 'locked' as const, detail: 'the collection is locked' }) : err({ kind: 'unavailable' as const, detail: 'no Secret Service' });
  }
  async get(keyId: string) {
    return this.mode === 'open' ? ok(this.secrets.get(keyId) ?? null) : this.refuse();
  }
  async put(keyId: string, key: Buffer) {
    if (this.mode !== 'open') return this.refuse();
    this.secrets.set(keyId, Buffer.from(key));
    if (this.hangAfterPut) await new Promise(() => {});
    return ok(undefined);
  }
  async remove(keyId: string) {
    return this.mode === 'open' ? ok(this.secrets.delete(keyId)) : this.refuse();
  }
}

describe('VaultKeys', () => {
  let scratch: Scratch;
  afterEach(() => scratch.cleanup());

  function setup() {
    scratch = new Scratch();
    const clock = new FakeClock();
    const control: ControlDb = unwrap(openControl(scratch.path('control.db'), { clock }));
    scratch.onCleanup(() => control.close());
    const keyring = new FakeKeyring();
    const keyDir = scratch.path('keys');
    const open = (choice: KeyStoreChoice = 'auto', on: ControlDb = control): Promise<VaultKeys> =>
      VaultKeys.open({ control: on, choice, stores: { keyring: () => keyring, file: () => fileKeyStore(keyDir) }, clock, log: silentLogger() });
    const keyFiles = (): string[] => (existsSync(keyDir) ? readdirSync(keyDir) : []);
    return { control, keyring, open, keyFiles };
  }

  it('keeps the device key in the credential store when one answers, and unwraps each vault its own key', async () => {
    const { control, keyring, open, keyFiles } = setup();
    const keys = await open();
    expect(keys.status()).toEqual({ custody: 'keyring', state: 'ready', detail: null });
    expect(keyring.secrets.size).toBe(1);
    expect(keyFiles()).toEqual([]);
    const a = unwrap(keys.dataKey('a_000000000000000000000001', { create: true }));
    const b = unwrap(keys.dataKey('a_000000000000000000000002', { create: true }));
    expect(a.length).toBe(32);
    expect(a.equals(b)).toBe(false);
    // Stored only wrapped: the row is not the key.
    expect(control.keys.get('a_000000000000000000000001')!.wrapped.includes(a)).toBe(false);
    // A restarted daemon unwraps the same keys.
    const again = await open();
    expect(unwrap(again.dataKey('a_000000000000000000000001', { create: false })).equals(a)).toBe(true);
    expect(again.dataKey('a_000000000000000000000003', { create: false })).toEqual({ ok: false, error: { kind: 'no-key' } });
  });

  it('a wrapped key swapped onto another account does not unwrap', async () => {
    const { control, open } = setup();
    const keys = await open();
    unwrap(keys.dataKey('a_000000000000000000000001', { create: true }));
    const row = control.keys.get('a_000000000000000000000001')!;
    control.keys.put({ ...row, accountKey: 'a_000000000000000000000002' });
    expect(keys.dataKey('a_000000000000000000000002', { create: false })).toEqual({ ok: false, error: { kind: 'no-key' } });
  });

  it('with no credential store at first start, takes a 0600 key file and says why', async () => {
    const { keyring, open, keyFiles } = setup();
    keyring.mode = 'gone';
    const keys = await open();
    expect(keys.status()).toMatchObject({ custody: 'file', state: 'ready', detail: expect.stringContaining('OS credential store is not available') });
    expect(keyFiles()).toHaveLength(1);
    unwrap(keys.dataKey('a_000000000000000000000001', { create: true }));
  });

  it('once the credential store holds the key, a locked or vanished store is a state, never a fallback to a file', async () => {
    const { keyring, open, keyFiles } = setup();
    const first = await open();
    const key = unwrap(first.dataKey('a_000000000000000000000001', { create: true }));
    for (const mode of ['locked', 'gone'] as const) {
      keyring.mode = mode;
      const keys = await open();
      expect(keys.ready).toBe(false);
      expect(keys.status()).toMatchObject({ custody: 'keyring', state: mode === 'locked' ? 'locked' : 'unavailable', detail: expect.stringContaining('OS credential store') });
      expect(keys.dataKey('a_000000000000000000000001', { create: false })).toMatchObject({ ok: false, error: { kind: 'not-ready' } });
      expect(keys.dataKey('a_000000000000000000000009', { create: true })).toMatchObject({ ok: false, error: { kind: 'not-ready' } });
      expect(keyFiles()).toEqual([]);
      // Unlocked again: the same daemon, retrying, reads the same key.
      keyring.mode = 'open';
      expect((await keys.load()).state).toBe('ready');
      expect(unwrap(keys.dataKey('a_000000000000000000000001', { create: false })).equals(key)).toBe(true);
    }
  });

  it('a key gone from the store keeps the vaults closed while any needs it; with none needing it, a new one is made', async () => {
    const { keyring, open } = setup();
    const first = await open();
    unwrap(first.dataKey('a_000000000000000000000001', { create: true }));
    keyring.secrets.clear();
    const missing = await open();
    expect(missing.status()).toMatchObject({ custody: 'keyring', state: 'missing', detail: expect.stringContaining('purge') });
    expect(missing.dataKey('a_000000000000000000000001', { create: false }).ok).toBe(false);
    expect(keyring.secrets.size).toBe(0);

    missing.destroy('a_000000000000000000000001');
    const fresh = await open();
    expect(fresh.status()).toEqual({ custody: 'keyring', state: 'ready', detail: null });
    expect(keyring.secrets.size).toBe(1);
  });

  it('destroy removes the row and folds the WAL, so control.db holds no copy of the wrapped key', async () => {
    const { control, open } = setup();
    const keys = await open();
    unwrap(keys.dataKey('a_000000000000000000000001', { create: true }));
    const wrapped = control.keys.get('a_000000000000000000000001')!.wrapped;
    expect(keys.destroy('a_000000000000000000000001')).toBe(true);
    expect(keys.destroy('a_000000000000000000000001')).toBe(false);
    for (const file of ['control.db', 'control.db-wal']) {
      const path = scratch.path(file);
      if (existsSync(path)) expect(readFileSync(path).includes(wrapped)).toBe(false);
    }
  });

  it('a rotation re-wraps every data key under a new device key and destroys the old one', async () => {
    const { control, keyring, open } = setup();
    const keys = await open();
    const a = unwrap(keys.dataKey('a_000000000000000000000001', { create: true }));
    const b = unwrap(keys.dataKey('a_000000000000000000000002', { create: true }));
    const before = control.keys.deviceKey()!.keyId;
    const oldRows = control.keys.all();
    const [oldSecret] = [...keyring.secrets.values()];
    unwrap(await keys.rotate());
    expect(control.keys.deviceKey()!.keyId).not.toBe(before);
    expect([...keyring.secrets.keys()]).toEqual([control.keys.deviceKey()!.keyId]);
    expect(control.keys.all().map((r) => r.wrapped)).not.toEqual(oldRows.map((r) => r.wrapped));
    expect(unwrap(keys.dataKey('a_000000000000000000000001', { create: false })).equals(a)).toBe(true);
    expect(unwrap(keys.dataKey('a_000000000000000000000002', { create: false })).equals(b)).toBe(true);
    // The old rows (a stale copy of control.db) with the old device key gone: nothing unwraps them.
    expect([...keyring.secrets.values()].some((s) => s.equals(oldSecret!))).toBe(false);
    // Restarted: the same keys, under the new device key.
    expect(unwrap((await open()).dataKey('a_000000000000000000000002', { create: false })).equals(b)).toBe(true);
  });

  it('rotations run one at a time: two wipes rotating at once leave every key readable', async () => {
    const { keyring, open } = setup();
    const keys = await open();
    const accounts = ['a_000000000000000000000001', 'a_000000000000000000000002', 'a_000000000000000000000003'];
    const held = accounts.map((a) => unwrap(keys.dataKey(a, { create: true })));
    const results = await Promise.all([keys.rotate(), keys.rotate(), keys.rotate()]);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(keyring.secrets.size).toBe(1);
    accounts.forEach((a, i) => expect(unwrap(keys.dataKey(a, { create: false })).equals(held[i]!)).toBe(true));
  });

  it('a rotation that dies after writing its new key leaves it to be destroyed at the next start; the old key still works', async () => {
    const { keyring, open } = setup();
    const keys = await open();
    const a = unwrap(keys.dataKey('a_000000000000000000000001', { create: true }));
    keyring.hangAfterPut = true;
    void keys.rotate();
    await new Promise((resolve) => setImmediate(resolve));
    expect(keyring.secrets.size).toBe(2);
    keyring.hangAfterPut = false;
    // The restarted daemon.
    const restarted = await open();
    expect(keyring.secrets.size).toBe(1);
    expect(unwrap(restarted.dataKey('a_000000000000000000000001', { create: false })).equals(a)).toBe(true);
  });

  it('a rotation the store refuses is postponed and done once the key is back; a locked store that stays locked does not grow the journal', async () => {
    const { control, keyring, open } = setup();
    const keys = await open();
    unwrap(keys.dataKey('a_000000000000000000000001', { create: true }));
    const before = control.keys.deviceKey()!.keyId;
    keyring.mode = 'locked';
    for (let i = 0; i < 5; i++) expect((await keys.rotate()).ok).toBe(false);
    expect(JSON.parse(control.getMeta('device-key.orphans')!)).toHaveLength(1);
    keyring.mode = 'open';
    const restarted = await open();
    expect(restarted.ready).toBe(true);
    expect(control.keys.deviceKey()!.keyId).not.toBe(before);
    expect(keyring.secrets.size).toBe(1);
    expect(JSON.parse(control.getMeta('device-key.orphans')!)).toEqual([]);
  });

  it('a config naming the other custody moves the key there', async () => {
    const { control, keyring, open, keyFiles } = setup();
    const keys = await open('file');
    expect(keys.status().custody).toBe('file');
    const a = unwrap(keys.dataKey('a_000000000000000000000001', { create: true }));
    expect(keyFiles()).toHaveLength(1);
    const moved = await open('keyring');
    expect(moved.status()).toMatchObject({ custody: 'keyring', state: 'ready' });
    expect(control.keys.deviceKey()!.custody).toBe<Custody>('keyring');
    expect(keyFiles()).toEqual([]);
    expect(keyring.secrets.size).toBe(1);
    expect(unwrap(moved.dataKey('a_000000000000000000000001', { create: false })).equals(a)).toBe(true);
    // Asked to move into a store that is not there: the key stays, and status says so.
    keyring.mode = 'gone';
    const back = await open('file');
    expect(back.status()).toMatchObject({ custody: 'keyring', state: 'unavailable' });
    keyring.mode = 'open';
    const stays = await open('file');
    expect(stays.status().custody).toBe('file');
    expect(unwrap(stays.dataKey('a_000000000000000000000001', { create: false })).equals(a)).toBe(true);
  });
});
