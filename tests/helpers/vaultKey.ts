// Vaults opened by tests directly through the store, outside a daemon: they are encrypted like the
// daemon's, with one fixed data key (child processes and checkers share it by value). The daemon's
// own vaults get random keys from the guard's VaultKeys.
import Database from 'better-sqlite3-multiple-ciphers';
import { useKey } from '../../src/store/sqlite.js';

export const TEST_KEY: Buffer = Buffer.from('5f0c2a9d7e41b3c8a6d2f1e09b7c4a3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b', 'hex');

/** A raw SQLite connection to an encrypted vault file (for checks the store's API does not offer). */
export function rawVault(file: string, options: { readonly?: boolean; create?: boolean; key?: Buffer } = {}): Database.Database {
  const db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: !options.create });
  useKey(db, options.key ?? TEST_KEY);
  return db;
}
