import { existsSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openVault, vaultFiles } from '../../src/store/index.js';
import { call, DAY, meeting, participant, recording, Scratch, T0, unwrap, WINDOW, saveMeetings } from './fixtures.js';

let scratch: Scratch;
beforeEach(() => {
  scratch = new Scratch();
});
afterEach(() => scratch.cleanup());

const CANARY = 'Quokkazephyr';
const CANARY_NUMBER = '4930918273645';
const KEPT = 'Pangolinmarch';

/**
 * These vaults are plaintext (key null) so that the files' bytes can be searched: secure_delete and
 * the index's secure-delete work on pages beneath the cipher, the same in an encrypted vault, where
 * they keep deleted text out of reach of anyone who later holds the key.
 */
const PLAIN = { key: null };

/** Which of the vault's files contain `needle` (case-insensitive: the index stores lowercase terms). */
function filesContaining(file: string, needle: string): string[] {
  return vaultFiles(file).filter((f) => existsSync(f) && readFileSync(f).toString('latin1').toLowerCase().includes(needle.toLowerCase()));
}

describe('retention sweep', () => {
  it('deletes old history so its text is gone from the .db, -wal and -shm files', () => {
    const file = scratch.path('vaults/a_000000000000000000000009.db');
    const old = T0 - 400 * DAY;
    const cutoff = T0 - 365 * DAY;
    let vault = unwrap(openVault(file, { ...PLAIN, create: true }));
    const oldMeetings = [1, 2, 3].map((n) => meeting(n, { topic: `${CANARY} offsite ${n}`, startTime: old + n }));
    saveMeetings(vault, [...oldMeetings, meeting(9, { topic: `${KEPT} review` })], T0);
    for (const m of oldMeetings) {
      vault.saveParticipants(m.uuid, [1, 2].map((n) => participant(m.uuid, n, { name: `${CANARY} Person ${n}`, email: `${CANARY.toLowerCase()}${n}@example.com` })), T0);
    }
    vault.saveParticipants(meeting(9).uuid, [participant(meeting(9).uuid, 1, { name: `${KEPT} Person` })], T0);
    vault.savePage({
      resource: 'calls',
      window: WINDOW,
      items: [call(1, { callerName: `${CANARY} Caller`, callerNumber: `+${CANARY_NUMBER}`, startTime: old }), call(2, { callerName: `${KEPT} Caller` })],
      next: null,
      fetchedAt: T0,
    });
    vault.savePage({ resource: 'recordings', window: WINDOW, items: [recording(1, { topic: `${CANARY} talk`, startTime: old }), recording(2)], next: null, fetchedAt: T0 });
    // Reopen: the old rows now sit in the main file, not only in the WAL.
    vault.close();
    expect(filesContaining(file, CANARY)).toEqual([file]);
    vault = unwrap(openVault(file, PLAIN));
    scratch.onCleanup(() => vault.close());
    // Touch old pages once more so that copies of them also sit in the WAL.
    saveMeetings(vault, [oldMeetings[0]!], T0 + 1);
    vault.saveParticipants(oldMeetings[0]!.uuid, [participant(oldMeetings[0]!.uuid, 3, { name: `${CANARY} Late` })], T0 + 1);
    expect(filesContaining(file, CANARY)).toEqual([file, `${file}-wal`]);
    expect(filesContaining(file, CANARY_NUMBER)).toContain(file);
    expect(vault.lastRetentionSweep()).toBeNull();

    const removed = vault.sweepRetention(cutoff, T0 + 2);

    expect(removed).toEqual({ meetings: 3, participants: 5, recordings: 1, calls: 1 });
    expect(vault.counts()).toEqual({ meetings: 1, participants: 1, recordings: 1, calls: 1 });
    expect(vault.lastRetentionSweep()).toBe(T0 + 2);
    expect(unwrap(vault.search(CANARY, 10))).toEqual([]);
    expect(unwrap(vault.search(KEPT, 10))).toHaveLength(3);
    expect(vault.integrityCheck()).toBe('ok');
    expect(filesContaining(file, CANARY)).toEqual([]);
    expect(filesContaining(file, CANARY_NUMBER)).toEqual([]);
    expect(filesContaining(file, KEPT)).toEqual([file]);
    vault.close();
    expect(filesContaining(file, CANARY)).toEqual([]);
    expect(filesContaining(file, CANARY_NUMBER)).toEqual([]);
  });

  it('a participant who is no longer listed leaves the files without a sweep', () => {
    const file = scratch.path('vaults/a_000000000000000000000009.db');
    let vault = unwrap(openVault(file, { ...PLAIN, create: true }));
    const m = meeting(1, { topic: `${KEPT} review` });
    saveMeetings(vault, [m], T0);
    const others = Array.from({ length: 200 }, (_, n) => participant(m.uuid, n + 2, { name: `${KEPT} Guest ${n}` }));
    vault.saveParticipants(m.uuid, [participant(m.uuid, 1, { name: `${CANARY} Person`, email: null }), ...others], T0);
    vault.close();
    expect(filesContaining(file, CANARY)).toEqual([file]);
    vault = unwrap(openVault(file, PLAIN));
    scratch.onCleanup(() => vault.close());

    vault.saveParticipants(m.uuid, others, T0 + 1);

    expect(unwrap(vault.search(CANARY, 10))).toEqual([]);
    expect(unwrap(vault.search(KEPT, 500))).toHaveLength(201);
    vault.close();
    expect(filesContaining(file, CANARY)).toEqual([]);
  });

  it('a sweep with nothing to delete still records when it ran', () => {
    const vault = scratch.vault();
    saveMeetings(vault, [meeting(1)], T0);
    expect(vault.sweepRetention(T0 - DAY, T0)).toEqual({ meetings: 0, participants: 0, recordings: 0, calls: 0 });
    expect(vault.lastRetentionSweep()).toBe(T0);
    expect(vault.counts().meetings).toBe(1);
  });
});
