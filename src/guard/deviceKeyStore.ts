import { closeSync, constants, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { err, ok, type Result } from '../core/result.js';
import { osCredentialStore, type CredentialStore, type CredentialStoreFailure } from '../platform/keyring.js';
import type { Custody } from '../store/index.js';
import { syncFolder, unlinkKeepingOpen } from './shred.js';

/** Where device keys are kept, each under its id. Every call is harmless when repeated. */
export interface DeviceKeyStore {
  readonly custody: Custody;
  /** null: no key with that id is kept here. */
  get(keyId: string): Promise<Result<Buffer | null, CredentialStoreFailure>>;
  /** Durable before it resolves. */
  put(keyId: string, key: Buffer): Promise<Result<void, CredentialStoreFailure>>;
  /** Destroys the key: false when there was none. */
  remove(keyId: string): Promise<Result<boolean, CredentialStoreFailure>>;
}

/** The service name device keys are kept under in the OS credential store. */
export const KEYRING_SERVICE = 'callvault';

/**
 * The OS credential store. Entries are named by the device id too: several homes of one user (the
 * demo, tests, CALLVAULT_HOME) share one keyring, and each must find only its own keys.
 */
export function keyringKeyStore(deviceId: string, store: CredentialStore = osCredentialStore(KEYRING_SERVICE)): DeviceKeyStore {
  const name = (keyId: string): string => `${deviceId}/device-key/${keyId}`;
  return {
    custody: 'keyring',
    get: (keyId) => store.get(name(keyId)),
    put: (keyId, key) => store.put(name(keyId), key),
    remove: (keyId) => store.remove(name(keyId)),
  };
}

/**
 * 0600 files in a 0700 folder under the data folder, for a machine with no credential store (a
 * headless Linux box). Weaker than a keyring: whoever can read the data folder reads the key, and
 * a destroyed key file is overwritten in place, which an SSD may not honour.
 */
export function fileKeyStore(dir: string): DeviceKeyStore {
  const path = (keyId: string): string => join(dir, `device-${keyId}.key`);
  const failed = (e: unknown): Result<never, CredentialStoreFailure> => err({ kind: 'failed', detail: `key file: ${(e as NodeJS.ErrnoException).code ?? 'error'}` });
  return {
    custody: 'file',
    get: async (keyId) => {
      try {
        return ok(readFileSync(path(keyId)));
      } catch (e) {
        return (e as NodeJS.ErrnoException).code === 'ENOENT' ? ok(null) : failed(e);
      }
    },
    put: async (keyId, key) => {
      try {
        writeDurably(dir, path(keyId), key);
        return ok(undefined);
      } catch (e) {
        return failed(e);
      }
    },
    remove: async (keyId) => {
      try {
        const held = unlinkKeepingOpen([path(keyId)]);
        held.overwrite();
        return ok(held.filesRemoved > 0);
      } catch (e) {
        return failed(e);
      }
    },
  };
}

/** Written to a temporary name, flushed, renamed into place, and the folder flushed: all or nothing. */
function writeDurably(dir: string, file: string, bytes: Buffer): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temporary = `${file}.tmp`;
  const fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600);
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, file);
  syncFolder(dir);
}
