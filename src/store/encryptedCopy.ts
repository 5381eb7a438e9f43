import { closeSync, fsyncSync, openSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { err, ok, type Result } from '../core/result.js';
import { sqliteCode, storeError, type StoreError } from './errors.js';
import { createPrivateFile, useKey } from './sqlite.js';

/**
 * Writes an encrypted copy of a plaintext database file to `target` (which must not exist), keyed
 * with `key`, without writing to the plaintext file: the copy reads it (and its WAL) through a
 * read-only connection, which never checkpoints, so the caller can shred every plaintext file as
 * it was. SQLite3 Multiple Ciphers gives a file attached without a key the main database's key and
 * cipher: the main database here is an empty, keyed, read-only stage file, the plaintext file is
 * attached with an empty key (plaintext), and VACUUM INTO writes the target through the main key.
 */
export function encryptedCopy(plain: string, target: string, key: Buffer): Result<void, StoreError> {
  const stage = `${target}-stage`;
  createPrivateFile(stage);
  createPrivateFile(target);
  let db: Database.Database | null = null;
  try {
    db = new Database(stage, { readonly: true, fileMustExist: true });
    useKey(db, key);
    db.prepare(`ATTACH ? AS plain KEY ''`).run(plain);
    db.prepare('VACUUM plain INTO ?').run(target);
  } catch (e) {
    return err(storeError('CANNOT_OPEN', `${basename(plain)} could not be copied encrypted (${sqliteCode(e)})`));
  } finally {
    db?.close();
    rmSync(stage, { force: true });
  }
  const fd = openSync(target, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return ok(undefined);
}
