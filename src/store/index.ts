// The store: control.db and one vault per account (DESIGN.md "Data"). Other parts import from here.
export { openVault, Vault, type OpenVaultOptions } from './vault.js';
export type {
  MeetingIdSource,
  PageCursor,
  PageToSave,
  ParticipantsDue,
  PendingInstance,
  RecordingRemoval,
  RetentionCounts,
  StoredTokens,
  SyncWindow,
  VaultCounts,
  VaultIdentity,
  WindowKey,
} from './vaultTypes.js';
export { isSearchPosition, searchAcross, SNIPPET_MARKS, type SearchableVault, type SearchAcross, type SearchPage, type SearchPosition } from './vaultSearch.js';
export { MAX_PAGE_LIMIT, type ListQuery, type Page } from './paging.js';
export type { JsonPage } from './vaultRead.js';
export { vaultFiles, fileFormat, DATA_KEY_BYTES, type FileFormat } from './sqlite.js';
export { encryptedCopy } from './encryptedCopy.js';
export { openControl, ControlDb, type OpenControlOptions } from './control.js';
export { ACCOUNT_STATES, type Accounts, type Account, type AccountState, type NewAccount } from './controlAccounts.js';
export type { DeviceIdentity } from './controlDevice.js';
export type { Custody, DeviceKeyRecord, KeyRows, WrappedKey } from './controlKeys.js';
export type { Lease, Leases, ProofKind } from './controlLeases.js';
export { WIPE_INTENT, type Wipes, type Wipe, type WipeRequest } from './controlWipes.js';
export type { NewReceipt, Receipt, Receipts } from './controlReceipts.js';
export { storeError, toApiError, type StoreError, type StoreErrorCode } from './errors.js';
