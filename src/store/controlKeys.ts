import type { KeyCustody } from '../core/custody.js';
import type { Db } from './sqlite.js';

/** Where a device key is kept: the OS credential store, or a 0600 file under the data folder. */
export type Custody = KeyCustody;

export interface DeviceKeyRecord {
  custody: Custody;
  /** Names the key in its custody; a rotation gives the new key a new id. */
  keyId: string;
  createdAt: number;
  /** Why the custody was chosen, when there was a choice. */
  note: string | null;
}

/** One account's data key, wrapped by the device key named by `deviceKeyId`. */
export interface WrappedKey {
  accountKey: string;
  wrapped: Buffer;
  deviceKeyId: string;
  createdAt: number;
}

const WRAPPED = 'account_key AS accountKey, wrapped, device_key_id AS deviceKeyId, created_at AS createdAt';

/** The rows of the key tables; what the keys mean, and how they are wrapped, is the guard's. */
export class KeyRows {
  private readonly deviceStmt;
  private readonly setDeviceStmt;
  private readonly getStmt;
  private readonly putStmt;
  private readonly removeStmt;
  private readonly allStmt;

  constructor(db: Db) {
    this.deviceStmt = db.prepare<[], DeviceKeyRecord>('SELECT custody, key_id AS keyId, created_at AS createdAt, note FROM device_key WHERE id = 1');
    this.setDeviceStmt = db.prepare<DeviceKeyRecord>(`
      INSERT INTO device_key (id, custody, key_id, created_at, note) VALUES (1, @custody, @keyId, @createdAt, @note)
      ON CONFLICT (id) DO UPDATE SET custody = excluded.custody, key_id = excluded.key_id, created_at = excluded.created_at, note = excluded.note`);
    this.getStmt = db.prepare<[string], WrappedKey>(`SELECT ${WRAPPED} FROM data_keys WHERE account_key = ?`);
    this.putStmt = db.prepare<WrappedKey>(`
      INSERT INTO data_keys (account_key, wrapped, device_key_id, created_at) VALUES (@accountKey, @wrapped, @deviceKeyId, @createdAt)
      ON CONFLICT (account_key) DO UPDATE SET wrapped = excluded.wrapped, device_key_id = excluded.device_key_id, created_at = excluded.created_at`);
    this.removeStmt = db.prepare<[string]>('DELETE FROM data_keys WHERE account_key = ?');
    this.allStmt = db.prepare<[], WrappedKey>(`SELECT ${WRAPPED} FROM data_keys ORDER BY account_key`);
  }

  deviceKey(): DeviceKeyRecord | null {
    return this.deviceStmt.get() ?? null;
  }

  setDeviceKey(record: DeviceKeyRecord): void {
    this.setDeviceStmt.run(record);
  }

  get(accountKey: string): WrappedKey | null {
    return this.getStmt.get(accountKey) ?? null;
  }

  put(row: WrappedKey): void {
    this.putStmt.run(row);
  }

  /** False when the account had no data key. */
  remove(accountKey: string): boolean {
    return this.removeStmt.run(accountKey).changes > 0;
  }

  all(): WrappedKey[] {
    return this.allStmt.all();
  }
}
