import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { openAccountVault } from '../../src/guard/vaultAccess.js';
import { VaultKeys } from '../../src/guard/vaultKeys.js';
import { silentLogger } from '../../src/platform/logger.js';
import { encryptedCopy, fileFormat, openControl, openVault, vaultFiles, type ControlDb } from '../../src/store/index.js';
import { NO_KEYRING, fileKeys } from '../helpers/deviceKeys.js';
import { Scratch, WINDOW, meeting, participant, unwrap, saveMeetings } from '../store/fixtures.js';

const CANARY = 'Plaintextcanaryzq';
const LATE = 'Walonlycanaryzq';
const ACCOUNT = 'a_000000000000000000000007';

describe('opening an account vault', () => {
  let scratch: Scratch;
  afterEach(() => scratch.cleanup());

  async function setup(): Promise<{ control: ControlDb; keys: VaultKeys; file: string; vaults: string }> {
    scratch = new Scratch();
    const control = unwrap(openControl(scratch.path('control.db'), { clock: new FakeClock() }));
    scratch.onCleanup(() => control.close());
    const keys = await fileKeys(control, scratch.dir);
    const vaults = scratch.path('vaults');
    mkdirSync(vaults);
    return { control, keys, file: join(vaults, `${ACCOUNT}.db`), vaults };
  }

  /** Every file in the folder that holds `needle`. */
  function holding(dir: string, needle: string): string[] {
    return readdirSync(dir)
      .map((name) => join(dir, name))
      .filter((path) => readFileSync(path).includes(needle));
  }

  /**
   * A vault as a version before encryption left it when it was killed: plaintext, history in the
   * main file, and the last transaction only in its WAL.
   */
  function plaintextVaultWithWal(file: string): void {
    const writer = scratch.path('writer.db');
    const vault = unwrap(openVault(writer, { create: true, key: null }));
    saveMeetings(vault, [meeting(1, { topic: `${CANARY} planning` })], 0);
    vault.saveParticipants(meeting(1).uuid, [participant(meeting(1).uuid, 1, { name: `${CANARY} Person` })], 0);
    vault.close();
    const open = unwrap(openVault(writer, { key: null }));
    saveMeetings(open, [meeting(2, { topic: `${LATE} retro` })], 0);
    // Copied while open: the WAL holds the last page (what a SIGKILL leaves).
    vaultFiles(writer).forEach((source, i) => {
      if (existsSync(source)) copyFileSync(source, vaultFiles(file)[i]!);
    });
    open.close();
    for (const leftover of vaultFiles(writer)) rmSync(leftover, { force: true });
  }

  it('a plaintext vault (with its WAL) is encrypted on first open: every row kept, no plaintext left in any file', async () => {
    const { keys, file, vaults } = await setup();
    plaintextVaultWithWal(file);
    expect(fileFormat(file)).toBe('plaintext');
    expect(existsSync(`${file}-wal`)).toBe(true);
    expect(holding(vaults, LATE)).toEqual([`${file}-wal`]);

    const opened = unwrap(openAccountVault({ file, accountKey: ACCOUNT, keys, log: silentLogger() }));
    expect(opened).toMatchObject({ encrypted: true, discarded: false });
    const vault = opened.vault;
    expect(unwrap(vault.search(CANARY, 10))).toHaveLength(2);
    expect(unwrap(vault.search(LATE, 10))).toHaveLength(1);
    expect(vault.integrityCheck()).toBe('ok');
    vault.close();

    expect(fileFormat(file)).toBe('encrypted');
    expect(readdirSync(vaults)).toEqual([`${ACCOUNT}.db`]);
    expect(holding(vaults, CANARY)).toEqual([]);
    expect(holding(vaults, LATE)).toEqual([]);
    // Opened again: nothing to encrypt any more.
    const again = unwrap(openAccountVault({ file, accountKey: ACCOUNT, keys, log: silentLogger() }));
    expect(again).toMatchObject({ encrypted: false, discarded: false });
    expect(again.vault.counts().meetings).toBe(2);
    again.vault.close();
  });

  it('an encryption interrupted before the rename starts again; one interrupted after the plaintext went is finished', async () => {
    const { keys, file, vaults } = await setup();
    plaintextVaultWithWal(file);
    // Killed while writing the copy: a partial copy beside the plaintext vault.
    writeFileSync(`${file}.encrypting`, 'half a copy');
    writeFileSync(`${file}.encrypting-stage`, '');
    const resumed = unwrap(openAccountVault({ file, accountKey: ACCOUNT, keys, log: silentLogger() }));
    expect(resumed.vault.counts().meetings).toBe(2);
    resumed.vault.close();
    expect(readdirSync(vaults)).toEqual([`${ACCOUNT}.db`]);

    // Killed after the plaintext files were unlinked, before the copy took their name.
    const key = unwrap(keys.dataKey(ACCOUNT, { create: false }));
    const encrypted = `${file}.encrypting`;
    const other = scratch.path('other.db');
    plaintextVaultWithWal(other);
    unwrap(encryptedCopy(other, encrypted, key));
    rmSync(file);
    const finished = unwrap(openAccountVault({ file, accountKey: ACCOUNT, keys, log: silentLogger() }));
    expect(finished).toMatchObject({ encrypted: true, discarded: false });
    expect(unwrap(finished.vault.search(LATE, 10))).toHaveLength(1);
    finished.vault.close();
    expect(readdirSync(vaults)).toEqual([`${ACCOUNT}.db`]);
  });

  it('a vault whose key is gone is garbage: shredded and replaced by an empty vault, never an error', async () => {
    const { keys, file, vaults } = await setup();
    const first = unwrap(openAccountVault({ file, accountKey: ACCOUNT, keys, log: silentLogger() }));
    saveMeetings(first.vault, [meeting(1, { topic: `${CANARY} planning` })], 0);
    first.vault.close();
    keys.destroy(ACCOUNT);

    const reopened = unwrap(openAccountVault({ file, accountKey: ACCOUNT, keys, log: silentLogger() }));
    expect(reopened).toMatchObject({ discarded: true, encrypted: false });
    expect(reopened.vault.counts().meetings).toBe(0);
    reopened.vault.close();
    expect(readdirSync(vaults)).toEqual([`${ACCOUNT}.db`]);
    expect(unwrap(keys.dataKey(ACCOUNT, { create: false })).length).toBe(32);
  });

  it('with the device key unavailable, no vault opens and none is created', async () => {
    scratch = new Scratch();
    const control = unwrap(openControl(scratch.path('control.db')));
    scratch.onCleanup(() => control.close());
    const keys = await VaultKeys.open({ control, choice: 'keyring', stores: { keyring: () => NO_KEYRING, file: () => NO_KEYRING }, clock: new FakeClock(), log: silentLogger() });
    const file = scratch.path(`vaults/${ACCOUNT}.db`);
    const opened = openAccountVault({ file, accountKey: ACCOUNT, keys, log: silentLogger() });
    expect(opened).toMatchObject({ ok: false, error: { kind: 'keys', status: { state: 'unavailable' } } });
    expect(existsSync(file)).toBe(false);
    expect(control.keys.all()).toEqual([]);
  });
});
