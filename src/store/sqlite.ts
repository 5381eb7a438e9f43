import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { err, ok, type Result } from '../core/result.js';
import { sqliteCode, storeError, type StoreError } from './errors.js';
import { migrate, tooNew, type Migration } from './migrations.js';

export type Db = Database.Database;

/** A vault's data key: 32 random bytes, used as ChaCha20-Poly1305's key without a KDF. */
export const DATA_KEY_BYTES = 32;

export interface OpenOptions {
  create: boolean;
  /**
   * The file's data key, or null for a plaintext file (control.db, which holds no Zoom content; a
   * vault written before encryption, read once to encrypt it).
   */
  key: Buffer | null;
  /** Zero deleted content in place, so that deleted text does not linger in free pages. */
  secureDelete: boolean;
  migrations: Migration[];
}

/** How long a statement waits for another connection's lock (better-sqlite3 sets busy_timeout from it). */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * The database file and every file SQLite may keep beside it. Deleting a vault means overwriting
 * and unlinking all of them.
 */
export function vaultFiles(file: string): string[] {
  return [file, `${file}-wal`, `${file}-shm`, `${file}-journal`];
}

/**
 * Creates the file 0600 (in a 0700 folder) before SQLite opens it: SQLite gives the -wal and -shm
 * files the permissions of the database file.
 */
export function createPrivateFile(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}

/**
 * Opens a store database: refuses a file that is not SQLite or is newer than this code, then sets
 * the durability pragmas and migrates. `synchronous=FULL` because a rotated Zoom refresh token
 * must survive a power cut: losing it kills the grant.
 */
export function openDatabase(file: string, options: OpenOptions): Result<Db, StoreError> {
  const label = basename(file);
  if (!options.create && !existsSync(file)) return err(storeError('NOT_FOUND', `${label} does not exist`));
  let db: Db;
  try {
    if (options.create) createPrivateFile(file);
    chmodSync(file, 0o600);
    db = new Database(file, { fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
  } catch (e) {
    return err(storeError('CANNOT_OPEN', `${label} cannot be opened (${sqliteCode(e)})`));
  }
  if (options.key) {
    try {
      useKey(db, options.key);
    } catch (e) {
      db.close();
      return err(storeError('CANNOT_OPEN', `${label} cannot be keyed (${sqliteCode(e)})`));
    }
  }
  // Checked before the pragmas below, which would write to a file this code does not understand.
  let refusal: StoreError | null;
  try {
    refusal = tooNew(db, options.migrations, label);
  } catch (e) {
    const code = sqliteCode(e);
    refusal =
      code !== 'SQLITE_NOTADB'
        ? storeError('CANNOT_OPEN', `${label} cannot be read (${code})`)
        : options.key
          ? storeError('NOT_A_DATABASE', `${label} does not open with its key (or is not a database)`)
          : storeError('NOT_A_DATABASE', `${label} is not a database`);
  }
  if (refusal) {
    db.close();
    return err(refusal);
  }
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  // Sorts and statement journals stay in memory: by default SQLite spills them to files in the
  // temp folder, where Zoom content must never go (a migration that rebuilds the search index did).
  db.pragma('temp_store = MEMORY');
  if (options.secureDelete) db.pragma('secure_delete = ON');
  const migrated = migrate(db, options.migrations, label);
  if (!migrated.ok) {
    db.close();
    return migrated;
  }
  return ok(db);
}

/**
 * Keys a connection before its first read: ChaCha20-Poly1305 (SQLite3 Multiple Ciphers' sqleet
 * scheme) with the raw key. The `raw:` prefix hands the 32 bytes to the cipher as they are (the
 * same key `x'…'` names in SQL), without the passphrase KDF: the key is random already, and a KDF
 * would cost every open tens of milliseconds. Passed as a Buffer that is zeroed after, so the key
 * never becomes a JavaScript string, which could not be wiped.
 */
export function useKey(db: Db, key: Buffer): void {
  if (key.length !== DATA_KEY_BYTES) throw new RangeError(`a data key has ${DATA_KEY_BYTES} bytes`);
  db.pragma(`cipher = 'chacha20'`);
  const raw = Buffer.concat([Buffer.from('raw:'), key]);
  try {
    db.key(raw);
  } finally {
    raw.fill(0);
  }
}

/** What a database file holds, judged from its first bytes without opening it. */
export type FileFormat = 'missing' | 'empty' | 'plaintext' | 'encrypted';

const PLAINTEXT_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * A plaintext SQLite file starts with its magic string; an encrypted one with 16 random bytes (the
 * cipher's salt), which equal the magic string with probability 2^-128.
 */
export function fileFormat(file: string): FileFormat {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw e;
  }
  try {
    const head = Buffer.alloc(PLAINTEXT_HEADER.length);
    const read = readSync(fd, head, 0, head.length, 0);
    if (read === 0) return 'empty';
    return read === head.length && head.equals(PLAINTEXT_HEADER) ? 'plaintext' : 'encrypted';
  } finally {
    closeSync(fd);
  }
}

/** Folds the WAL into the database file and empties it, then closes. Closing twice is harmless. */
export function checkpointAndClose(db: Db): void {
  if (!db.open) return;
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}
