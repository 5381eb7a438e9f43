// Vault keys for the benchmarks that open vaults outside a daemon: a raw connection keyed as the
// store keys one, and a home's data keys as its daemon unwraps them.
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { systemClock } from '../../dist/core/clock.js';
import { fileKeyStore, keyringKeyStore } from '../../dist/guard/deviceKeyStore.js';
import { VaultKeys } from '../../dist/guard/vaultKeys.js';
import { silentLogger } from '../../dist/platform/logger.js';
import { useKey } from '../../dist/store/sqlite.js';

/** A raw connection to an encrypted vault file (key: its 32-byte data key). */
export function keyedConnection(file, key, options = {}) {
  const db = new Database(file, options);
  useKey(db, key);
  return db;
}

/**
 * The data keys of the home whose data folder is `dataDir`, over its open control.db, with the
 * stores its daemon uses (`auto`: a credential store if one answers, else a key file).
 */
export function homeKeys(control, dataDir) {
  return VaultKeys.open({
    control,
    choice: 'auto',
    stores: { keyring: () => keyringKeyStore(control.device().deviceId), file: () => fileKeyStore(join(dataDir, 'keys')) },
    clock: systemClock,
    log: silentLogger(),
  });
}

export function mustKey(result) {
  if (!result.ok) throw new Error(`no data key: ${JSON.stringify(result.error)}`);
  return result.value;
}
