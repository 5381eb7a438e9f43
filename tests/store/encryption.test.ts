import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encryptedCopy, fileFormat, openVault, vaultFiles } from '../../src/store/index.js';
import { loadMigrations } from '../../src/store/migrations.js';
import { openDatabase } from '../../src/store/sqlite.js';
import { TEST_KEY } from '../helpers/vaultKey.js';
import { Scratch, WINDOW, meeting, participant, unwrap, saveMeetings } from './fixtures.js';

let scratch: Scratch;
beforeEach(() => {
  scratch = new Scratch();
});
afterEach(() => scratch.cleanup());

const CANARY = 'Cipheredcanaryxw';
const OTHER_KEY = Buffer.alloc(32, 7);

/** The vault's files that hold `needle` as bytes. */
function holding(file: string, needle: string): string[] {
  return vaultFiles(file).filter((f) => existsSync(f) && readFileSync(f).includes(needle));
}

describe('an encrypted vault', () => {
  it('keeps its content out of the .db and the -wal, and opens with its key only', () => {
    const file = scratch.path('vaults/a_000000000000000000000001.db');
    const vault = unwrap(openVault(file, { create: true, key: TEST_KEY }));
    saveMeetings(vault, [meeting(1, { topic: `${CANARY} planning` })], 0);
    vault.saveParticipants(meeting(1).uuid, [participant(meeting(1).uuid, 1, { name: `${CANARY} Person`, email: 'canary@example.com' })], 0);
    // Open, the WAL holds the pages: encrypted too.
    expect(existsSync(`${file}-wal`)).toBe(true);
    expect(holding(file, CANARY)).toEqual([]);
    expect(holding(file, 'canary@example.com')).toEqual([]);
    expect(unwrap(vault.search(CANARY, 5))).toHaveLength(2);
    vault.close();
    expect(holding(file, CANARY)).toEqual([]);
    expect(fileFormat(file)).toBe('encrypted');

    for (const key of [OTHER_KEY, null]) expect(openVault(file, { key })).toMatchObject({ ok: false, error: { code: 'NOT_A_DATABASE' } });
    const again = unwrap(openVault(file, { key: TEST_KEY }));
    expect(again.counts()).toMatchObject({ meetings: 1, participants: 1 });
    again.close();
  });

  it('keeps sorts and statement journals in memory (temp_store), and uses ChaCha20-Poly1305', () => {
    const db = unwrap(openDatabase(scratch.path('v.db'), { create: true, key: TEST_KEY, secureDelete: true, migrations: loadMigrations(new URL('../../src/store/migrations/vault/', import.meta.url)) }));
    scratch.onCleanup(() => db.close());
    expect(db.pragma('temp_store', { simple: true })).toBe(2);
    expect(db.pragma('cipher', { simple: true })).toBe('chacha20');
  });

  it('tells plaintext, encrypted, empty and missing files apart by their first bytes', () => {
    const plain = scratch.path('plain.db');
    unwrap(openVault(plain, { create: true, key: null })).close();
    const encrypted = scratch.path('encrypted.db');
    unwrap(openVault(encrypted, { create: true, key: TEST_KEY })).close();
    writeFileSync(scratch.path('empty.db'), '');
    expect([plain, encrypted, scratch.path('empty.db'), scratch.path('missing.db')].map(fileFormat)).toEqual(['plaintext', 'encrypted', 'empty', 'missing']);
  });

  it('is copied from a plaintext vault without a write to the plaintext file', () => {
    const plain = scratch.path('plain.db');
    const vault = unwrap(openVault(plain, { create: true, key: null }));
    saveMeetings(vault, [meeting(1, { topic: `${CANARY} planning` }), meeting(2)], 0);
    vault.close();
    const before = readFileSync(plain);
    const copy = scratch.path('copy.db');
    unwrap(encryptedCopy(plain, copy, TEST_KEY));
    expect(readFileSync(plain).equals(before)).toBe(true);
    // A read-only connection leaves an empty WAL (and its index) beside the file, never a page.
    expect(existsSync(`${plain}-wal`) ? readFileSync(`${plain}-wal`).length : 0).toBe(0);
    expect(holding(copy, CANARY)).toEqual([]);
    expect(existsSync(`${copy}-stage`)).toBe(false);
    const opened = unwrap(openVault(copy, { key: TEST_KEY }));
    expect(unwrap(opened.search(CANARY, 5))).toHaveLength(1);
    expect(opened.integrityCheck()).toBe('ok');
    opened.close();
  });
});
