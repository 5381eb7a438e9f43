// Invariant 6, before any wipe: vaults are encrypted, so right after a full sync no raw file under
// the app's folders holds any of a user's Zoom content (its canaries, meeting topics, participant
// names and emails, call parties, tokens). The scan proves it can fail: a decrypted copy of the
// vault, put in the same folders, is found. And a plaintext vault left by an older version is
// encrypted at the first start of this one, before the socket serves, leaving no plaintext.
import { copyFileSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newAccountKey } from '../../src/core/ids.js';
import { vaultFileOf } from '../../src/daemon/accounts.js';
import { DAY_MS } from '../../src/guard/leases.js';
import type { SimUser, Simulator } from '../../src/sim/index.js';
import { openVault, vaultFiles } from '../../src/store/index.js';
import { fillVault } from '../fixtures/guarantee-vault.mjs';
import { ChildDaemon, Home, InProcessDaemon, client, connectAccount, syncAndWait } from '../helpers/daemonHarness.js';
import { rawVault } from '../helpers/vaultKey.js';
import { dataKeyOf, logLines, pauseSync, requireBuild, tracesOf, withControl } from './support.js';

/** Strings shorter than this could turn up in unrelated bytes by chance. */
const MIN_NEEDLE = 8;

/** Everything of `user` a sync stores: the canaries (token and digit run), topics, names, emails, call parties, tokens. */
function contentOf(sim: Simulator, user: SimUser): string[] {
  const truth = sim.admin.groundTruth(user.userId);
  const strings = [
    ...sim.admin.issuedTokens(user.userId),
    ...truth.meetings.flatMap((m) => [m.pastMeeting.topic, ...m.participants.flatMap((p) => [p.name, p.user_email])]),
    ...truth.recordings.map((r) => r.topic),
    ...truth.calls.flatMap((c) => [c.log.caller_name, c.log.callee_name]),
  ];
  return [...new Set([...user.canaries, ...strings.filter((s) => typeof s === 'string' && s.length >= MIN_NEEDLE)])];
}

describe('encrypted at rest', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('right after a full sync, before any wipe, no raw file holds a canary, topic, name, email or token; a decrypted copy of the vault does', async () => {
    const h = await InProcessDaemon.start();
    cleanups.push(() => h.close());
    const c = await client(h.home);
    cleanups.push(() => c.close());
    const users = h.sim.admin.users().slice(0, 2);
    const accounts: string[] = [];
    for (const user of users) accounts.push(await connectAccount(c, h.sim, user.userId));
    for (const account of accounts) expect((await syncAndWait(c, account)).error).toBeNull();
    const needles = users.map((user) => contentOf(h.sim, user));
    expect(needles.every((n) => n.length > 20)).toBe(true);
    const counts = await c.call('accounts.list');
    expect(counts.ok && counts.value.accounts.every((a) => a.counts.meetings > 0 && a.counts.participants > 0)).toBe(true);

    // While the daemon runs (WAL files and all), then once it has stopped and checkpointed.
    expect(tracesOf(h.home, needles.flat())).toEqual([]);
    await c.close();
    await h.stop();
    expect(tracesOf(h.home, needles.flat())).toEqual([]);

    // The scan can fail: the vault decrypted, beside the real one, is found holding the content.
    const plain = join(h.home.paths.data, 'decrypted-check.db');
    const key = await withControl(h.home, (control) => dataKeyOf(h.home, control, accounts[0]!));
    copyFileSync(vaultFileOf(h.home.paths, accounts[0]!), plain);
    const db = rawVault(plain, { key });
    db.pragma('journal_mode = DELETE');
    db.rekey(Buffer.alloc(0));
    db.close();
    const found = tracesOf(h.home, needles[0]!);
    rmSync(plain);
    expect(found.length).toBeGreaterThan(needles[0]!.length / 2);
    expect(found.every((hit) => hit.files.length === 1 && hit.files[0] === plain)).toBe(true);
    expect(found.map((hit) => hit.needle)).toContain(users[0]!.canaries[0]);
  });

  it('a plaintext vault from before encryption is encrypted at the first start, before the socket serves, leaving no plaintext', async () => {
    requireBuild();
    const home = new Home();
    cleanups.push(() => home.remove());
    home.writeConfig({});
    const canary = 'Beforeencryptioncanary';
    // What the previous version left: an account, its lease, and its vault in plaintext.
    const account = withControl(home, (control) => {
      pauseSync(control);
      const accountKey = newAccountKey();
      const now = Date.now();
      const added = control.accounts.add({ accountKey, zoomAccountId: 'zaplain', zoomUserId: 'zuplain', createdAt: now, state: 'active' });
      if (!added.ok) throw new Error(added.error.message);
      control.leases.set(accountKey, { deadline: now + 7 * DAY_MS, lastProofAt: now, proofKind: 'zoom' });
      return accountKey;
    });
    const file = vaultFileOf(home.paths, account);
    const created = openVault(file, { create: true, key: null });
    if (!created.ok) throw new Error(created.error.message);
    created.value.close();
    fillVault(file, { meetings: 300, participantsPerMeeting: 4, canary, key: null });
    expect(tracesOf(home, [canary])).toEqual([{ needle: canary, files: [file] }]);
    expect(home.holdsDataKey(account)).toBe(false);

    const daemon = new ChildDaemon(home);
    cleanups.push(() => daemon.kill());
    const c = await daemon.connectTheInstantItServes();
    cleanups.push(() => c.close());
    // The first request on the first connection: served from the encrypted vault.
    const found = await c.call('search', { q: canary, account, limit: 5 });
    expect(found.ok && found.value.hits.length).toBe(5);
    const listed = await c.call('meetings.list', { account, limit: 500 });
    expect(listed.ok && listed.value.items.length).toBe(300);
    expect(tracesOf(home, [canary])).toEqual([]);
    expect(home.holdsDataKey(account)).toBe(true);
    // Nothing beside the vault and its WAL files: the copy took the vault's name.
    const live = vaultFiles(file).map((f) => basename(f));
    expect(readdirSync(dirname(file)).filter((name) => !live.includes(name))).toEqual([]);
    await c.close();
    expect(await daemon.stop()).toBe(0);
    expect(tracesOf(home, [canary])).toEqual([]);
    const messages = logLines(home).map((line) => line.msg);
    expect(messages.indexOf('plaintext vault encrypted')).toBeGreaterThanOrEqual(0);
    expect(messages.indexOf('plaintext vault encrypted')).toBeLessThan(messages.indexOf('IPC server listening'));
  });
});
