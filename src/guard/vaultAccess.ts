import { existsSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { err, ok, type Result } from '../core/result.js';
import type { Logger } from '../platform/logger.js';
import { encryptedCopy, fileFormat, openVault, vaultFiles, type StoreError, type Vault } from '../store/index.js';
import { syncFolder, unlinkKeepingOpen } from './shred.js';
import type { KeyStatus } from '../core/custody.js';
import type { VaultKeys } from './vaultKeys.js';

// Every vault is opened here, with its data key: a plaintext vault (written before vaults were
// encrypted) is encrypted first, and a vault whose key is gone is garbage, shredded and replaced by
// an empty one, never an error a user sees.

export type VaultAccessProblem = { kind: 'keys'; status: KeyStatus } | { kind: 'store'; error: StoreError };

export interface OpenedVault {
  vault: Vault;
  /** The file on disk could not be read with any key this device holds: it was shredded and an empty vault made. */
  discarded: boolean;
  /** The file was plaintext and has just been encrypted (its plaintext files shredded). */
  encrypted: boolean;
}

export interface VaultAccessOptions {
  file: string;
  accountKey: string;
  keys: VaultKeys;
  log: Logger;
}

/** Opens (creating when missing) an account's vault with its data key. */
export function openAccountVault(o: VaultAccessOptions): Result<OpenedVault, VaultAccessProblem> {
  const { file, accountKey, keys, log } = o;
  if (!keys.ready) return err({ kind: 'keys', status: keys.status() });
  let encrypted = false;
  if (fileFormat(file) === 'plaintext' || finishedCopyAwaitingName(file)) {
    const done = encryptPlaintextVault(o);
    if (!done.ok) return done;
    encrypted = true;
  }
  let discarded = false;
  let key = keys.dataKey(accountKey, { create: false });
  if (!key.ok && key.error.kind === 'no-key') {
    if (fileFormat(file) === 'encrypted') {
      // No key this device holds opens it: nothing in it can ever be read again.
      shred(vaultFiles(file));
      discarded = true;
      log.warn({ account: accountKey }, 'vault without a data key discarded');
    }
    key = keys.dataKey(accountKey, { create: true });
  }
  if (!key.ok) return err({ kind: 'keys', status: keys.status() });
  try {
    const vault = openVault(file, { create: true, key: key.value });
    return vault.ok ? ok({ vault: vault.value, discarded, encrypted }) : err({ kind: 'store', error: vault.error });
  } finally {
    key.value.fill(0);
  }
}

/** Where the encrypted copy of a plaintext vault is written before it takes the vault's name. */
function copyOf(file: string): string {
  return `${file}.encrypting`;
}

/** A crash after the plaintext files were shredded and before the copy was renamed. */
function finishedCopyAwaitingName(file: string): boolean {
  return !existsSync(file) && fileFormat(copyOf(file)) === 'encrypted';
}

/**
 * Encrypts a plaintext vault: an encrypted copy is written (the plaintext file only read), brought
 * to the current schema, then the plaintext file and its -wal/-shm are unlinked and the copy
 * renamed into place, and the plaintext overwritten through the handles kept open, as a wipe does.
 * Each step can be interrupted: the next open starts again, or finishes the rename.
 */
function encryptPlaintextVault(o: VaultAccessOptions): Result<void, VaultAccessProblem> {
  const { file, accountKey, keys, log } = o;
  const copy = copyOf(file);
  if (finishedCopyAwaitingName(file)) {
    renameSync(copy, file);
    syncFolder(dirname(file));
    return ok(undefined);
  }
  for (const leftover of vaultFiles(copy)) rmSync(leftover, { force: true });
  const key = keys.dataKey(accountKey, { create: true });
  if (!key.ok) return err({ kind: 'keys', status: keys.status() });
  try {
    const copied = encryptedCopy(file, copy, key.value);
    if (!copied.ok) return err({ kind: 'store', error: copied.error });
    // The copy has the plaintext file's schema; the current one is applied to the copy.
    const migrated = openVault(copy, { key: key.value });
    if (!migrated.ok) return err({ kind: 'store', error: migrated.error });
    migrated.value.close();
  } finally {
    key.value.fill(0);
  }
  const plaintext = unlinkKeepingOpen(vaultFiles(file));
  renameSync(copy, file);
  syncFolder(dirname(file));
  plaintext.overwrite();
  log.info({ account: accountKey, files: plaintext.filesRemoved, bytes: plaintext.bytesRemoved }, 'plaintext vault encrypted');
  return ok(undefined);
}

function shred(files: readonly string[]): void {
  unlinkKeepingOpen(files).overwrite();
}
