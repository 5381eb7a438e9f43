import { closeSync, mkdirSync, openSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openControl, openVault, vaultFiles } from '../../src/store/index.js';
import { loadMigrations, migrate } from '../../src/store/migrations.js';
import { TEST_KEY, rawVault } from '../helpers/vaultKey.js';
import { meeting, Scratch, T0, unwrap, WINDOW, saveMeetings } from './fixtures.js';

let scratch: Scratch;
beforeEach(() => {
  scratch = new Scratch();
});
afterEach(() => scratch.cleanup());

function migrationsFolder(files: Record<string, string>): URL {
  const dir = scratch.path(`migrations-${Object.keys(files).length}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir);
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return pathToFileURL(`${dir}/`);
}

function rawDb(file: string): Database.Database {
  const db = new Database(file);
  scratch.onCleanup(() => db.close());
  return db;
}

function rawKeyed(file: string): Database.Database {
  const db = rawVault(file);
  scratch.onCleanup(() => db.close());
  return db;
}

describe('migrate', () => {
  const v1 = { '001_init.sql': 'CREATE TABLE t (a INTEGER);', '002_more.sql': 'ALTER TABLE t ADD COLUMN b TEXT;' };

  it('applies the numbered files in order and records the version; a second run applies nothing', () => {
    const db = rawDb(scratch.path('m.db'));
    const migrations = loadMigrations(migrationsFolder(v1));
    expect(unwrap(migrate(db, migrations, 'm.db'))).toEqual({ from: 0, to: 2 });
    db.prepare('INSERT INTO t (a, b) VALUES (1, ?)').run('kept');
    expect(unwrap(migrate(db, migrations, 'm.db'))).toEqual({ from: 2, to: 2 });
    expect(db.prepare('SELECT a, b FROM t').all()).toEqual([{ a: 1, b: 'kept' }]);
  });

  it('rolls back a failing migration and leaves the file at the last good version', () => {
    const db = rawDb(scratch.path('m.db'));
    const migrations = loadMigrations(migrationsFolder({ ...v1, '003_bad.sql': 'CREATE TABLE u (x); INSERT INTO missing VALUES (1);' }));
    const outcome = migrate(db, migrations, 'm.db');
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error.code).toBe('MIGRATION_FAILED');
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name = 'u'`).get()).toBeUndefined();
  });

  it('refuses a file written by a newer schema', () => {
    const db = rawDb(scratch.path('m.db'));
    db.pragma('user_version = 3');
    const outcome = migrate(db, loadMigrations(migrationsFolder(v1)), 'm.db');
    expect(!outcome.ok && outcome.error.code).toBe('SCHEMA_TOO_NEW');
  });

  it('treats a gap in the numbering as a packaging bug', () => {
    expect(() => loadMigrations(migrationsFolder({ '001_a.sql': '', '003_c.sql': '' }))).toThrow(/numbered/);
  });
});

describe('openVault and openControl', () => {
  it('create the files 0600 in a 0700 folder, in WAL mode, at the newest schema', () => {
    const file = scratch.path('data/vaults/a_000000000000000000000001.db');
    const vault = unwrap(openVault(file, { create: true, key: TEST_KEY }));
    vault.saveIdentity({ zoomUserId: 'u1', zoomAccountId: 'acc1', email: null, displayName: null });
    const control = unwrap(openControl(scratch.path('data/control.db')));
    if (process.platform !== 'win32') {
      expect(statSync(scratch.path('data')).mode & 0o777).toBe(0o700);
      expect(statSync(scratch.path('data/vaults')).mode & 0o777).toBe(0o700);
      for (const f of [...vaultFiles(file).slice(0, 3), scratch.path('data/control.db')]) expect(statSync(f).mode & 0o777).toBe(0o600);
    }
    vault.close();
    vault.close();
    expect(vault.isOpen).toBe(false);
    control.close();
    const db = rawKeyed(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(1);
  });

  it('reopening keeps the data and the schema version', () => {
    const file = scratch.path('v.db');
    const first = unwrap(openVault(file, { create: true, key: TEST_KEY }));
    first.saveIdentity({ zoomUserId: 'u1', zoomAccountId: 'acc1', email: 'a@example.com', displayName: 'A' });
    first.close();
    const version = rawKeyed(file).pragma('user_version', { simple: true });
    const again = unwrap(openVault(file, { key: TEST_KEY }));
    scratch.onCleanup(() => again.close());
    expect(again.getIdentity()?.zoomUserId).toBe('u1');
    expect(rawKeyed(file).pragma('user_version', { simple: true })).toBe(version);
  });

  it('refuses a vault or control.db newer than this code, without changing it', () => {
    const vaultFile = scratch.path('new.db');
    const vaultDb = rawVault(vaultFile, { create: true });
    vaultDb.pragma('user_version = 999');
    vaultDb.close();
    const opened = openVault(vaultFile, { key: TEST_KEY });
    expect(!opened.ok && opened.error.code).toBe('SCHEMA_TOO_NEW');
    expect(rawKeyed(vaultFile).pragma('journal_mode', { simple: true })).toBe('delete');
    const controlFile = scratch.path('control.db');
    const controlDb = new Database(controlFile);
    controlDb.pragma('user_version = 999');
    controlDb.close();
    const control = openControl(controlFile);
    expect(!control.ok && control.error.code).toBe('SCHEMA_TOO_NEW');
    expect(rawDb(controlFile).pragma('journal_mode', { simple: true })).toBe('delete');
  });

  it('reports a missing vault and a file that is not a database as error values', () => {
    const missing = openVault(scratch.path('missing.db'), { key: TEST_KEY });
    expect(!missing.ok && missing.error.code).toBe('NOT_FOUND');
    writeFileSync(scratch.path('junk.db'), 'this is not sqlite, just some text that is long enough to be a header......');
    const junk = openVault(scratch.path('junk.db'), { key: TEST_KEY });
    expect(!junk.ok && junk.error.code).toBe('NOT_A_DATABASE');
  });
});

describe('integrityCheck', () => {
  it('says ok for a healthy vault and names the problem for a damaged one', () => {
    const file = scratch.path('damaged.db');
    const vault = unwrap(openVault(file, { create: true, key: TEST_KEY }));
    const items = Array.from({ length: 1500 }, (_, n) => meeting(n, { topic: `Topic ${n} with enough words to fill several pages` }));
    saveMeetings(vault, items, T0);
    expect(vault.integrityCheck()).toBe('ok');
    vault.close();
    const fd = openSync(file, 'r+');
    for (const page of [5, 10, 20]) writeSync(fd, Buffer.alloc(4096, 0x41), 0, 4096, page * 4096);
    closeSync(fd);
    const damaged = unwrap(openVault(file, { key: TEST_KEY }));
    scratch.onCleanup(() => damaged.close());
    expect(damaged.integrityCheck()).not.toBe('ok');
  });
});
