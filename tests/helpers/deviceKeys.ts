// The guard's VaultKeys for tests that build a control.db themselves: the device key in a file
// under the given folder (the custody a headless machine gets), and no credential store at all.
import { join } from 'node:path';
import { systemClock, type Clock } from '../../src/core/clock.js';
import { err } from '../../src/core/result.js';
import { fileKeyStore, type DeviceKeyStore } from '../../src/guard/deviceKeyStore.js';
import { VaultKeys } from '../../src/guard/vaultKeys.js';
import { silentLogger } from '../../src/platform/logger.js';
import type { ControlDb } from '../../src/store/index.js';

/** A credential store that is not there: every request answers `unavailable`. */
export const NO_KEYRING: DeviceKeyStore = {
  custody: 'keyring',
  get: async () => err({ kind: 'unavailable', detail: 'no credential store in this test' }),
  put: async () => err({ kind: 'unavailable', detail: 'no credential store in this test' }),
  remove: async () => err({ kind: 'unavailable', detail: 'no credential store in this test' }),
};

/** VaultKeys over `control`, its device key in `<dataDir>/keys` (where the daemon keeps a file custody). */
export function fileKeys(control: ControlDb, dataDir: string, clock: Clock = systemClock): Promise<VaultKeys> {
  return VaultKeys.open({ control, choice: 'file', stores: { keyring: () => NO_KEYRING, file: () => fileKeyStore(join(dataDir, 'keys')) }, clock, log: silentLogger() });
}
