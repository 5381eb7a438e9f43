import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { newAccountKey } from '../../src/core/ids.js';
import { verifyReceipt } from '../../src/core/receipt.js';
import { silentLogger } from '../../src/platform/logger.js';
import { openControl, openVault, vaultFiles, type ControlDb, type Vault } from '../../src/store/index.js';
import { Wiper, type LiveAccounts } from '../../src/guard/wipe.js';
import { Scratch, meeting, participant, unwrap } from '../store/fixtures.js';

const CANARY = 'Xq9CanaryWipe';

class Live implements LiveAccounts {
  readonly vaults = new Map<string, Vault>();
  readonly blocked = new Set<string>();
  stopped: string[] = [];
  constructor(private readonly dir: string) {}
  file(key: string): string {
    return join(this.dir, 'vaults', `${key}.db`);
  }
  open(key: string): Vault {
    const vault = unwrap(openVault(this.file(key), { create: true }));
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

  function setup() {
    scratch = new Scratch();
    const clock = new FakeClock();
    const control: ControlDb = unwrap(openControl(scratch.path('control.db'), { clock }));
    scratch.onCleanup(() => control.close());
    const live = new Live(scratch.dir);
    scratch.onCleanup(() => [...live.vaults.keys()].forEach((k) => live.closeVault(k)));
    const wiper = new Wiper({ control, live, clock, log: silentLogger(), scanFolders: [scratch.dir] });
    const addAccount = (withCanary: string) => {
      const key = newAccountKey();
      unwrap(control.accounts.add({ accountKey: key, zoomAccountId: `za-${key}`, zoomUserId: `zu-${key}`, createdAt: clock.now(), state: 'active' }));
      const vault = live.open(key);
      vault.saveMeetingDetails(meeting(1, { topic: `Plan ${withCanary}` }), clock.now());
      vault.saveParticipants(meeting(1).uuid, [participant(meeting(1).uuid, 1, { name: `Ann ${withCanary}` })], clock.now());
      return key;
    };
    return { clock, control, live, wiper, addAccount };
  }

  it('wipes one account selectively, verifies, and signs exactly one receipt', async () => {
    const { control, live, wiper, addAccount } = setup();
    const doomed = addAccount(CANARY);
    const kept = addAccount('KeptAccountText');
    expect(filesContaining(scratch.dir, CANARY).length).toBeGreaterThan(0);

    const result = await wiper.wipe({ accountKey: doomed, reason: 'user-purge' });
    expect(result.ok).toBe(true);
    const receipt = unwrap(result);
    expect(receipt).toMatchObject({ reason: 'user-purge', zoomAccountId: `za-${doomed}`, verified: true, commandId: null });
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

  it('joins concurrent requests and treats a re-sent relay command as the same wipe', async () => {
    const { control, wiper, addAccount } = setup();
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
    const { clock, control, live, addAccount } = setup();
    const key = addAccount(CANARY);
    unwrap(control.wipes.begin({ id: 'w1', accountKey: key, reason: 'lease-expired', requestedAt: clock.now() }));
    control.wipes.step('w1', 'reads-blocked', clock.now());
    // The process died here: a new Wiper (a restarted daemon) resumes it.
    live.closeVault(key);
    const restarted = new Wiper({ control, live, clock, log: silentLogger(), scanFolders: [scratch.dir] });
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
    const { control, wiper, addAccount } = setup();
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
