import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import Database from 'better-sqlite3';
import { err, ok, type Result } from '../core/result.js';
import { sqliteCode, storeError, type StoreError } from './errors.js';
import { migrate, tooNew, type Migration } from './migrations.js';

export type Db = Database.Database;

export interface OpenOptions {
  create: boolean;
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
function createPrivateFile(file: string): void {
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
  // Checked before the pragmas below, which would write to a file this code does not understand.
  let refusal: StoreError | null;
  try {
    refusal = tooNew(db, options.migrations, label);
  } catch (e) {
    const code = sqliteCode(e);
    refusal = code === 'SQLITE_NOTADB' ? storeError('NOT_A_DATABASE', `${label} is not a database`) : storeError('CANNOT_OPEN', `${label} cannot be read (${code})`);
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

/** Folds the WAL into the database file and empties it, then closes. Closing twice is harmless. */
export function checkpointAndClose(db: Db): void {
  if (!db.open) return;
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}
