import type Database from 'better-sqlite3-multiple-ciphers';
import { err, ok, type Result } from '../core/result.js';
import type { Migration } from '../platform/sqlMigrations.js';
import { sqliteCode, storeError, type StoreError } from './errors.js';

export { loadMigrations, type Migration } from '../platform/sqlMigrations.js';

function latestVersion(migrations: Migration[]): number {
  return migrations.at(-1)?.version ?? 0;
}

function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** A file newer than this code is refused: its tables may mean something this code cannot know. */
export function tooNew(db: Database.Database, migrations: Migration[], label: string): StoreError | null {
  const version = schemaVersion(db);
  const latest = latestVersion(migrations);
  if (version <= latest) return null;
  return storeError('SCHEMA_TOO_NEW', `${label} has schema version ${version}, newer than this callvault knows (${latest}); update callvault`);
}

export interface MigrationOutcome {
  from: number;
  to: number;
}

/**
 * Brings the schema up to the newest migration. Each migration runs in its own transaction together
 * with the `user_version` that records it, so a failure leaves the file at the last good version.
 */
export function migrate(db: Database.Database, migrations: Migration[], label: string): Result<MigrationOutcome, StoreError> {
  const newer = tooNew(db, migrations, label);
  if (newer) return err(newer);
  const from = schemaVersion(db);
  for (const m of migrations) {
    if (m.version <= from) continue;
    try {
      db.transaction(() => {
        db.exec(m.sql);
        db.pragma(`user_version = ${m.version}`);
      })();
    } catch (e) {
      return err(storeError('MIGRATION_FAILED', `${label}: migration ${m.name} failed (${sqliteCode(e)})`));
    }
  }
  return ok({ from, to: schemaVersion(db) });
}
