import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { randomId } from '../core/ids.js';
import type { Db } from './sqlite.js';

/** This device: its id at the relay and the Ed25519 key pair that signs wipe receipts. */
export interface DeviceIdentity {
  deviceId: string;
  publicKey: KeyObject;
  privateKey: KeyObject;
  /** The public key as SPKI DER, as it is sent to the relay. */
  publicKeyDer: Buffer;
  createdAt: number;
}

interface DeviceRow {
  deviceId: string;
  publicKey: Buffer;
  privateKey: Buffer;
  createdAt: number;
}

/** Reads the device identity, creating it on the first call: it never changes afterwards. */
export function loadOrCreateDevice(db: Db, now: number): DeviceIdentity {
  const select = db.prepare<[], DeviceRow>('SELECT device_id AS deviceId, public_key AS publicKey, private_key AS privateKey, created_at AS createdAt FROM device WHERE id = 1');
  const insert = db.prepare<DeviceRow>(`
    INSERT INTO device (id, device_id, public_key, private_key, created_at) VALUES (1, @deviceId, @publicKey, @privateKey, @createdAt)
    ON CONFLICT (id) DO NOTHING`);
  const row = db.transaction((): DeviceRow | undefined => {
    if (!select.get()) {
      const { publicKey, privateKey } = generateKeyPairSync('ed25519');
      insert.run({
        deviceId: randomId(),
        publicKey: publicKey.export({ format: 'der', type: 'spki' }),
        privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }),
        createdAt: now,
      });
    }
    return select.get();
  }).immediate();
  if (!row) throw new Error('device identity was not stored');
  return {
    deviceId: row.deviceId,
    publicKey: createPublicKey({ key: row.publicKey, format: 'der', type: 'spki' }),
    privateKey: createPrivateKey({ key: row.privateKey, format: 'der', type: 'pkcs8' }),
    publicKeyDer: row.publicKey,
    createdAt: row.createdAt,
  };
}
