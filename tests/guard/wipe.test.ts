import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { newAccountKey } from '../../src/core/ids.js';
import { verifyReceipt } from '../../src/core/receipt.js';
import { silentLogger } from '../../src/platform/logger.js';
import { openControl, openVault, vaultFiles, type ControlDb, type Vault } from '../../src/store/index.js';
import type { VaultKeys } from '../../src/guard/vaultKeys.js';
import { Wiper, type LiveAccounts } from '../../src/guard/wipe.js';
import { fileKeys } from '../helpers/deviceKeys.js';
import { Scratch, meeting, participant, unwrap } from '../store/fixtures.js';

const CANARY = 'Xq9CanaryWipe';

class Live implements LiveAccounts {
  readonly vaults = new Map<string, Vault>();
  readonly blocked = new Set<string>();
  stopped: string[] = [];
  constructor(
    private readonly dir: string,
    private readonly keys: VaultKeys,
  ) {}
  file(key: string): string {
    return join(this.dir, 'vaults', `${key}.db`);
  }
  open(key: string): Vault {
    const dataKey = unwrap(this.keys.dataKey(key, { create: true }));
    const vault = unwrap(openVault(this.file(key), { create: true, key: dataKey }));
    this.vaults.set(key, vault);
    return vault;
  }
  blockReads(key: string): void {
    this.blocked.add(key);
  }
  async stopSync(key: string): Promise<void> {
    this.stopped.push(key);
  }
  closeVault(key: string): void {
    this.vaults.get(key)?.close();
    this.vaults.delete(key);
  }
  vaultFiles(key: string): string[] {
    return vaultFiles(this.file(key));
  }
}

function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if (readFileSync(path).includes(needle)) hits.push(path);
  }
  return hits;
}

describe('Wiper', () => {
  let scratch: Scratch;
  afterEach(() => scratch.cleanup());

  async function setup() {
    scratch = new Scratch();
    const clock = new FakeClock();
    const control: ControlDb = unwrap(openControl(scratch.path('control.db'), { clock }));
    scratch.onCleanup(() => control.close());
    const keys = await fileKeys(control, scratch.dir, clock);
    const live = new Live(scratch.dir, keys);
    scratch.onCleanup(() => [...live.vaults.keys()].forEach((k) => live.closeVault(k)));
    const wiper = new Wiper({ control, live, keys, clock, log: silentLogger(), scanFolders: [scratch.dir] });
    const addAccount = (withCanary: string) => {
      const key = newAccountKey();
      unwrap(control.accounts.add({ accountKey: key, zoomAccountId: `za-${key}`, zoomUserId: `zu-${key}`, createdAt: clock.now(), state: 'active' }));
      const vault = live.open(key);
      vault.saveMeetingDetails(meeting(1, { topic: `Plan ${withCanary}` }), clock.now());
      vault.saveParticipants(meeting(1).uuid, [participant(meeting(1).uuid, 1, { name: `Ann ${withCanary}` })], clock.now());
      return key;
    };
    return { clock, control, keys, live, wiper, addAccount };
  }

  it('wipes one account selectively, verifies, and signs exactly one receipt', async () => {
    const { control, live, wiper, addAccount } = await setup();
    const doomed = addAccount(CANARY);
    const kept = addAccount('KeptAccountText');
    // Encrypted: the data is in the vault, and no file shows it.
    expect(unwrap(live.vaults.get(doomed)!.search(CANARY, 5))).toHaveLength(2);
    expect(filesContaining(scratch.dir, CANARY)).toEqual([]);

    const result = await wiper.wipe({ accountKey: doomed, reason: 'user-purge' });
    expect(result.ok).toBe(true);
    const receipt = unwrap(result);
    expect(receipt).toMatchObject({ reason: 'user-purge', zoomAccountId: `za-${doomed}`, verified: true, commandId: null, method: 'crypto-erase+overwrite', keyCustody: 'file' });
    expect(receipt.filesRemoved).toBeGreaterThanOrEqual(1);
    expect(receipt.bytesRemoved).toBeGreaterThan(0);
    expect(verifyReceipt(receipt, control.device().publicKey)).toBe(true);
    expect(live.blocked.has(doomed)).toBe(true);
    expect(live.stopped).toEqual([doomed]);
    expect(vaultFiles(live.file(doomed)).some(existsSync)).toBe(false);
    expect(filesContaining(scratch.dir, CANARY)).toEqual([]);
    expect(control.accounts.get(doomed)?.state).toBe('wiped');
    expect(control.receipts.list()).toHaveLength(1);
    expect(wiper.isPending(doomed)).toBe(false);

    expect(live.vaults.get(kept)?.counts().meetings).toBe(1);
    expect(control.accounts.get(kept)?.state).toBe('active');
  });

  it('leaves a copy of the vault taken before the wipe, and a copy of control.db, unreadable', async () => {
    const { control, keys, live, wiper, addAccount } = await setup();
    const doomed = addAccount(CANARY);
    const kept = addAccount('KeptAccountText');
    // What a backup of the home folder, or an SSD's stale blocks, would hold.
    const aside = mkdtempSync(join(tmpdir(), 'cv-aside-'));
    scratch.onCleanup(() => rmSync(aside, { recursive: true, force: true }));
    live.closeVault(doomed);
    control.checkpoint();
    const vaultCopy = join(aside, 'vault.db');
    const controlCopy = join(aside, 'control.db');
    copyFileSync(live.file(doomed), vaultCopy);
    copyFileSync(scratch.path('control.db'), controlCopy);
    const before = unwrap(keys.dataKey(doomed, { create: false }));
    const readable = unwrap(openVault(vaultCopy, { key: before }));
    expect(unwrap(readable.search(CANARY, 5))).toHaveLength(2);
    readable.close();
    before.fill(0);

    unwrap(await wiper.wipe({ accountKey: doomed, reason: 'user-purge' }));

    // The key is gone from control.db: nothing this device holds opens the copy.
    expect(keys.dataKey(doomed, { create: false })).toEqual({ ok: false, error: { kind: 'no-key' } });
    expect(control.keys.get(doomed)).toBeNull();
    const keptKey = unwrap(keys.dataKey(kept, { create: false }));
    expect(openVault(vaultCopy, { key: keptKey })).toMatchObject({ ok: false, error: { code: 'NOT_A_DATABASE' } });
    expect(openVault(vaultCopy, { key: null })).toMatchObject({ ok: false, error: { code: 'NOT_A_DATABASE' } });
    // A stale control.db still holds the wrapped key, but the device key that wrapped it is gone:
    // a VaultKeys over that copy finds no key in the custody.
    const stale = unwrap(openControl(controlCopy));
    try {
      const staleKeys = await fileKeys(stale, scratch.dir);
      expect(staleKeys.status().state).toBe('missing');
      expect(staleKeys.dataKey(doomed, { create: false }).ok).toBe(false);
    } finally {
      stale.close();
    }
    // The other account's key was re-wrapped under the new device key and still opens its vault.
    expect(live.vaults.get(kept)?.counts().meetings).toBe(1);
    live.closeVault(kept);
    expect(live.open(kept).counts().meetings).toBe(1);
  });

  it('joins concurrent requests and treats a re-sent relay command as the same wipe', async () => {
    const { control, wiper, addAccount } = await setup();
    const key = addAccount(CANARY);
    const [a, b] = await Promise.all([
      wiper.wipe({ accountKey: key, reason: 'deauthorized', commandId: 'cmd-1' }),
      wiper.wipe({ accountKey: key, reason: 'deauthorized', commandId: 'cmd-1' }),
    ]);
    expect(unwrap(a).id).toBe(unwrap(b).id);
    const again = await wiper.wipe({ accountKey: key, reason: 'deauthorized', commandId: 'cmd-1' });
    expect(unwrap(again).id).toBe(unwrap(a).id);
    expect(control.receipts.list()).toHaveLength(1);
  });

  it('finishes a wipe interrupted after its intent, at the next start', async () => {
    const { clock, control, keys, live, addAccount } = await setup();
    const key = addAccount(CANARY);
    unwrap(control.wipes.begin({ id: 'w1', accountKey: key, reason: 'lease-expired', requestedAt: clock.now() }));
    control.wipes.step('w1', 'reads-blocked', clock.now());
    // The process died here: a new Wiper (a restarted daemon) resumes it.
    live.closeVault(key);
    const restarted = new Wiper({ control, live, keys, clock, log: silentLogger(), scanFolders: [scratch.dir] });
    expect(restarted.isPending(key)).toBe(true);
    const results = await restarted.resumeUnfinished();
    expect(results).toHaveLength(1);
    expect(unwrap(results[0]!)).toMatchObject({ reason: 'lease-expired', verified: true });
    expect(control.wipes.unfinished()).toEqual([]);
    expect(filesContaining(scratch.dir, CANARY)).toEqual([]);
    expect(await restarted.resumeUnfinished()).toEqual([]);
    expect(control.receipts.list()).toHaveLength(1);
  });

  it('does not sign a receipt while a stray file still names the account', async () => {
    const { control, wiper, addAccount } = await setup();
    const key = addAccount(CANARY);
    const stray = join(scratch.dir, `${key}.db.bak`);
    writeFileSync(stray, 'copy');
    const result = await wiper.wipe({ accountKey: key, reason: 'user-purge' });
    expect(result).toEqual({ ok: false, error: { kind: 'not-verified', remaining: 1 } });
    expect(control.receipts.list()).toEqual([]);
    expect(wiper.isPending(key)).toBe(true);
    // Once the stray copy is gone, the retry (the daemon's minute timer) completes the same wipe.
    rmSync(stray);
    const [retried] = await wiper.resumeUnfinished();
    expect(retried && unwrap(retried)).toMatchObject({ reason: 'user-purge', verified: true });
    expect(control.receipts.list()).toHaveLength(1);
    expect(wiper.isPending(key)).toBe(false);
  });
});
