import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { KeyStatus } from '../core/custody.js';
import { randomId } from '../core/ids.js';
import { err, ok, type Result } from '../core/result.js';
import type { KeyStoreChoice } from '../platform/config.js';
import type { Logger } from '../platform/logger.js';
import type { CredentialStoreFailure } from '../platform/keyring.js';
import { DATA_KEY_BYTES, type ControlDb, type Custody, type WrappedKey } from '../store/index.js';
import type { DeviceKeyStore } from './deviceKeyStore.js';

// The keys of crypto-shredding (DESIGN.md, "Data"). Each vault has a random data key, kept in
// control.db only wrapped (AES-256-GCM) by the device key; the device key lives in a custody: the
// OS credential store, or a 0600 file where there is none. Destroying a data key makes every copy
// of its vault unreadable; replacing the device key (a rotation) makes every stale copy of
// control.db unwrap nothing.
//
// Once a custody holds the device key it is the only place looked: a locked, absent or changed
// credential store is a state `status` shows, never a reason to read or write vaults some other
// way (what Signal Desktop's users taught it when their keyring changed under them).

/** Why a vault's data key cannot be had. */
export type DataKeyProblem = { kind: 'not-ready'; status: KeyStatus } | { kind: 'no-key' };

export interface VaultKeysOptions {
  control: ControlDb;
  choice: KeyStoreChoice;
  /** The two custodies, made on demand: the credential store's library loads only when used. */
  stores: Record<Custody, () => DeviceKeyStore>;
  clock: Clock;
  log: Logger;
}

const WRAP = 'aes-256-gcm';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Device keys to destroy: ones a rotation replaced, and ones written by a rotation that did not finish. */
const ORPHANS = 'device-key.orphans';
/** A wipe could not rotate the device key (its custody was unavailable): rotate once it is ready. */
const ROTATE_PENDING = 'device-key.rotate-pending';

interface KeyRef {
  custody: Custody;
  keyId: string;
}

/** The device key and every vault's data key, as the wipe, the migration and the accounts use them. */
export class VaultKeys {
  private deviceKey: Buffer | null = null;
  private current: KeyStatus = { custody: null, state: 'unavailable', detail: 'not loaded yet' };
  private readonly stores = new Map<Custody, DeviceKeyStore>();
  /** Rotations run one at a time: each re-wraps what the one before it left. */
  private rotating: Promise<unknown> = Promise.resolve();

  private constructor(private readonly o: VaultKeysOptions) {}

  /** Loads the device key, creating it (and choosing its custody) on first use. */
  static async open(o: VaultKeysOptions): Promise<VaultKeys> {
    const keys = new VaultKeys(o);
    await keys.load();
    return keys;
  }

  status(): KeyStatus {
    return this.current;
  }

  get ready(): boolean {
    return this.deviceKey !== null;
  }

  /**
   * Loads the device key from its custody (or makes the first one), then destroys what an
   * interrupted rotation left and finishes a rotation a wipe could not do. Safe to call again
   * while not ready: the daemon retries every minute.
   */
  async load(): Promise<KeyStatus> {
    if (this.ready) return this.current;
    const record = this.o.control.keys.deviceKey();
    if (!record) {
      await this.createFirst();
    } else {
      const loaded = await this.store(record.custody).get(record.keyId);
      if (!loaded.ok) {
        this.current = { custody: record.custody, state: loaded.error.kind === 'locked' ? 'locked' : 'unavailable', detail: describeFailure(record.custody, loaded.error) };
      } else if (loaded.value === null || loaded.value.length !== DATA_KEY_BYTES) {
        await this.keyMissing(record.custody);
      } else {
        this.deviceKey = loaded.value;
        this.current = { custody: record.custody, state: 'ready', detail: record.note };
      }
    }
    if (!this.ready) {
      this.o.log.warn({ custody: this.current.custody, state: this.current.state }, 'device key not available; vaults stay closed');
      return this.current;
    }
    await this.destroyOrphans();
    const wanted = this.o.choice;
    if (wanted !== 'auto' && wanted !== this.current.custody) {
      const moved = await this.rotate(wanted);
      if (!moved.ok) this.current = { ...this.current, detail: `the config asks for the ${custodyName(wanted)}, which failed (${moved.error.detail}); the key stays in the ${custodyName(this.current.custody!)}` };
    } else if (this.o.control.getMeta(ROTATE_PENDING) === '1') {
      await this.rotate();
    }
    return this.current;
  }

  /**
   * The vault's data key, unwrapped. `create` makes (and stores, wrapped) a new one when the account
   * has none: for a new vault, before its file exists. The caller zeroes the buffer after use.
   */
  dataKey(accountKey: string, options: { create: boolean }): Result<Buffer, DataKeyProblem> {
    if (!this.deviceKey || !this.current.custody) return err({ kind: 'not-ready', status: this.current });
    const keyId = this.o.control.keys.deviceKey()?.keyId ?? '';
    const row = this.o.control.keys.get(accountKey);
    if (row) {
      const key = unwrap(row, this.deviceKey);
      if (key) return ok(key);
    }
    if (!options.create) return err({ kind: 'no-key' });
    const key = randomBytes(DATA_KEY_BYTES);
    this.o.control.keys.put({ accountKey, wrapped: wrap(key, accountKey, keyId, this.deviceKey), deviceKeyId: keyId, createdAt: this.o.clock.now() });
    return ok(key);
  }

  /**
   * Destroys the account's data key: its row is deleted (zeroed in place: control.db runs with
   * secure_delete) and the WAL folded in and emptied. From here on no copy of the vault, anywhere,
   * can be read with what this device holds. `journal` runs in the same transaction, told whether
   * there was a key. Returns whether there was.
   */
  destroy(accountKey: string, journal: (existed: boolean) => void = () => {}): boolean {
    const existed = this.o.control.transaction(() => {
      const removed = this.o.control.keys.remove(accountKey);
      journal(removed);
      return removed;
    });
    if (!this.o.control.checkpoint()) this.o.log.warn({ account: accountKey }, 'control.db checkpoint blocked by a reader; the rotation still covers the old row');
    return existed;
  }

  /**
   * Replaces the device key: a new key in `target`'s custody, every data key re-wrapped under it in
   * one transaction, the old key destroyed. Each step is journaled in control.db, so an interrupted
   * rotation is finished (or its half-made key destroyed) at the next load. A wipe that cannot
   * rotate (the custody locked) leaves it pending for when the key is back.
   */
  rotate(target?: Custody): Promise<Result<void, CredentialStoreFailure>> {
    const run = this.rotating.then(() => this.rotateNow(target ?? this.current.custody ?? undefined));
    this.rotating = run;
    return run;
  }

  private async rotateNow(target: Custody | undefined): Promise<Result<void, CredentialStoreFailure>> {
    const record = this.o.control.keys.deviceKey();
    if (!this.deviceKey || !record || !target) {
      this.o.control.setMeta(ROTATE_PENDING, '1');
      return err({ kind: 'unavailable', detail: this.current.detail ?? 'the device key is not loaded' });
    }
    const next = this.newRef(target);
    const newKey = randomBytes(DATA_KEY_BYTES);
    const stored = await this.store(target).put(next.keyId, newKey);
    if (!stored.ok) {
      this.forgetUnwritten(next, stored.error);
      this.o.control.setMeta(ROTATE_PENDING, '1');
      this.o.log.warn({ custody: target, failure: stored.error.kind }, 'device key rotation postponed');
      return stored;
    }
    // Read after the await: a key made meanwhile (a new account) is wrapped by this one too.
    const oldKey = this.deviceKey;
    let stale = 0;
    this.o.control.transaction(() => {
      for (const row of this.o.control.keys.all()) {
        const key = unwrap(row, oldKey);
        if (!key) {
          // Wrapped by no key this device holds: its vault is garbage, found so when next opened.
          stale++;
          continue;
        }
        this.o.control.keys.put({ ...row, wrapped: wrap(key, row.accountKey, next.keyId, newKey), deviceKeyId: next.keyId });
        key.fill(0);
      }
      const note = target === record.custody ? record.note : null;
      this.o.control.keys.setDeviceKey({ custody: target, keyId: next.keyId, createdAt: this.o.clock.now(), note });
      this.setOrphans([...this.orphans().filter((o) => o.keyId !== next.keyId), { custody: record.custody, keyId: record.keyId }]);
      this.o.control.setMeta(ROTATE_PENDING, '');
    });
    this.o.control.checkpoint();
    this.deviceKey = newKey;
    oldKey.fill(0);
    this.current = { custody: target, state: 'ready', detail: target === record.custody ? this.current.detail : null };
    await this.destroyOrphans();
    this.o.log.info({ custody: target, rewrapped: this.o.control.keys.all().length - stale, stale }, 'device key rotated');
    return ok(undefined);
  }

  /** First use: a device key in the custody the config asks for (`auto`: the credential store, else a file). */
  private async createFirst(): Promise<void> {
    const candidates: Custody[] = this.o.choice === 'auto' ? ['keyring', 'file'] : [this.o.choice];
    let note: string | null = null;
    for (const custody of candidates) {
      const made = await this.makeDeviceKey(custody, note);
      if (made.ok) return;
      this.current = { custody: null, state: made.error.kind === 'locked' ? 'locked' : 'unavailable', detail: describeFailure(custody, made.error) };
      note = `chosen at first start, as ${describeFailure(custody, made.error)}`;
    }
  }

  /**
   * The custody answers but the key is gone. When no data key depends on it, a new key loses
   * nothing; otherwise the vaults stay closed and `status` says why: the user may bring the key
   * back (the keyring that held it), or purge and start over.
   */
  private async keyMissing(custody: Custody): Promise<void> {
    if (this.o.control.keys.all().length > 0) {
      this.current = {
        custody,
        state: 'missing',
        detail: `the device key is not in the ${custodyName(custody)} (removed, or another keyring answers now): the vaults cannot be read. Bring that keyring back, or run \`callvault purge --all\` to start over`,
      };
      return;
    }
    const made = await this.makeDeviceKey(custody, null);
    if (made.ok) this.o.log.warn({ custody }, 'the device key was gone and no vault needed it; made a new one');
    else this.current = { custody, state: made.error.kind === 'locked' ? 'locked' : 'unavailable', detail: describeFailure(custody, made.error) };
  }

  /** A new device key in `custody`, recorded once it is kept there (journaled first, so a crash leaves no stray key). */
  private async makeDeviceKey(custody: Custody, note: string | null): Promise<Result<void, CredentialStoreFailure>> {
    const ref = this.newRef(custody);
    const key = randomBytes(DATA_KEY_BYTES);
    const stored = await this.store(custody).put(ref.keyId, key);
    if (!stored.ok) {
      this.forgetUnwritten(ref, stored.error);
      return stored;
    }
    this.o.control.transaction(() => {
      this.o.control.keys.setDeviceKey({ custody, keyId: ref.keyId, createdAt: this.o.clock.now(), note });
      this.setOrphans(this.orphans().filter((o) => o.keyId !== ref.keyId));
    });
    this.deviceKey = key;
    this.current = { custody, state: 'ready', detail: note };
    this.o.log.info({ custody }, 'device key created');
    return ok(undefined);
  }

  private store(custody: Custody): DeviceKeyStore {
    let store = this.stores.get(custody);
    if (!store) {
      store = this.o.stores[custody]();
      this.stores.set(custody, store);
    }
    return store;
  }

  private orphans(): KeyRef[] {
    const stored = this.o.control.getMeta(ORPHANS);
    return stored ? (JSON.parse(stored) as KeyRef[]) : [];
  }

  private setOrphans(refs: KeyRef[]): void {
    this.o.control.setMeta(ORPHANS, JSON.stringify(refs));
  }

  /**
   * The name a new device key is written under, journaled before anything is written, so a crash
   * (or a store that failed halfway) leaves nothing unaccounted for. A name left by an earlier
   * attempt in the same custody is used again: a store that stays unavailable while it is retried
   * every minute does not grow the list, and writing there replaces whatever was left.
   */
  private newRef(custody: Custody): KeyRef {
    const currentId = this.o.control.keys.deviceKey()?.keyId;
    const reusable = this.orphans().find((o) => o.custody === custody && o.keyId !== currentId);
    if (reusable) return reusable;
    const ref: KeyRef = { custody, keyId: randomId() };
    this.setOrphans([...this.orphans(), ref]);
    return ref;
  }

  /** A store that could not be reached wrote nothing: there is nothing to destroy later. */
  private forgetUnwritten(ref: KeyRef, failure: CredentialStoreFailure): void {
    if (failure.kind === 'unavailable') this.setOrphans(this.orphans().filter((o) => o.keyId !== ref.keyId));
  }

  /** Destroys every device key but the current one that a rotation or a first start left behind. */
  private async destroyOrphans(): Promise<void> {
    const currentId = this.o.control.keys.deviceKey()?.keyId;
    for (const orphan of this.orphans()) {
      if (orphan.keyId === currentId) continue;
      const removed = await this.store(orphan.custody).remove(orphan.keyId);
      if (!removed.ok) {
        this.o.log.warn({ custody: orphan.custody, failure: removed.error.kind }, 'an old device key could not be destroyed yet');
        continue;
      }
      this.setOrphans(this.orphans().filter((o) => o.keyId !== orphan.keyId));
    }
  }
}

/** The bound data: a wrapped key opens only for its own account, under the device key it names. */
function aad(accountKey: string, deviceKeyId: string): Buffer {
  return Buffer.from(`callvault data key v1\0${accountKey}\0${deviceKeyId}`);
}

function wrap(key: Buffer, accountKey: string, deviceKeyId: string, deviceKey: Buffer): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(WRAP, deviceKey, nonce);
  cipher.setAAD(aad(accountKey, deviceKeyId));
  const sealed = Buffer.concat([cipher.update(key), cipher.final()]);
  return Buffer.concat([nonce, cipher.getAuthTag(), sealed]);
}

/** null when the row was not wrapped by this device key for this account. */
function unwrap(row: WrappedKey, deviceKey: Buffer): Buffer | null {
  if (row.wrapped.length !== NONCE_BYTES + TAG_BYTES + DATA_KEY_BYTES) return null;
  try {
    const decipher = createDecipheriv(WRAP, deviceKey, row.wrapped.subarray(0, NONCE_BYTES));
    decipher.setAAD(aad(row.accountKey, row.deviceKeyId));
    decipher.setAuthTag(row.wrapped.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(row.wrapped.subarray(NONCE_BYTES + TAG_BYTES)), decipher.final()]);
  } catch {
    return null;
  }
}

export function custodyName(custody: Custody): string {
  return custody === 'keyring' ? 'OS credential store' : 'key file';
}

function describeFailure(custody: Custody, failure: CredentialStoreFailure): string {
  const what = failure.kind === 'locked' ? 'is locked' : failure.kind === 'unavailable' ? 'is not available' : 'failed';
  return `the ${custodyName(custody)} ${what}: ${failure.detail}`;
}
