// Where this device keeps the key that wraps its vaults' data keys, and whether it can use it now:
// shown by `status` and written into every receipt.

/** The OS credential store (Keychain, Credential Manager, Secret Service), or a 0600 file under the data folder. */
export const KEY_CUSTODIES = ['keyring', 'file'] as const;
export type KeyCustody = (typeof KEY_CUSTODIES)[number];

/**
 * ready: vaults open. locked / unavailable: the custody does not hand out the device key now (a
 * locked keyring; no credential store reachable); it is tried again every minute. missing: the
 * custody answers but does not hold the key (removed, or another keyring answers now).
 */
export const KEY_STATES = ['ready', 'locked', 'unavailable', 'missing'] as const;
export type KeyState = (typeof KEY_STATES)[number];

export interface KeyStatus {
  /** null until a custody holds a device key. */
  custody: KeyCustody | null;
  state: KeyState;
  /** What to know or do, in words; never a key. */
  detail: string | null;
}
