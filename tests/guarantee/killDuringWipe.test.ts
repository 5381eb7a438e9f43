// A wipe is crash-safe: the real daemon (a child process on the compiled dist/) is SIGKILLed at
// random points of a wipe of a vault of tens of MB; at each restart the wipe completes before the
// socket serves, exactly one receipt exists, and what remains is intact.
//
// The home holds one account to keep and the accounts to wipe, registered one ahead, so one daemon
// start serves each kill: the daemon restarted after kill n receives the purge of kill n+1. The
// vaults to wipe are encrypted copies of one generated vault plus a few meetings carrying their own
// canary. Every restart also finds the wiped account's data key gone, whatever step the kill hit.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vaultFileOf } from '../../src/daemon/accounts.js';
import { DAY_MS } from '../../src/guard/leases.js';
import type { IpcClient } from '../../src/ipc/client.js';
import type { ReceiptView } from '../../src/ipc/schemas.js';
import { openVault, vaultFiles } from '../../src/store/index.js';
import { fillVault } from '../fixtures/guarantee-vault.mjs';
import { ChildDaemon, Home } from '../helpers/daemonHarness.js';
import { Snapshot, dataKeyOf, pauseSync, requireBuild, seedAccount, tracesOf, withControl } from './support.js';
import { createRng } from '../../src/sim/random.js';

/** Kills that land inside a wipe (journaled, not finished). */
const KILLS_INSIDE_WIPE = 20;
const MAX_ATTEMPTS = 40;
/** The wipe's duration is cut into this many equal spans; successive kills fall in successive spans. */
const SPANS = 20;
const FILLER = 'KillFillerCanaryText';
const KEEPER_CANARY = 'KeeperCanaryText';
/** About 15 MB of vault: its overwrite takes a measurable time. */
const TEMPLATE = { meetings: 5_000, participantsPerMeeting: 10 };


async function receiptsOf(c: IpcClient, account: string): Promise<ReceiptView[]> {
  const listed = await c.call('receipts.list', { account });
  if (!listed.ok) throw new Error(`receipts.list: ${listed.error.message}`);
  return listed.value.receipts;
}

/** What a kill interrupted, judged from control.db as the killed daemon left it. */
type Landed = { kind: 'before-intent' } | { kind: 'inside-wipe'; step: string } | { kind: 'after-receipt' };

describe('SIGKILL during a wipe', () => {
  const home = new Home();
  const scratch = mkdtempSync(join(tmpdir(), 'cv-kill-'));
  const template = join(scratch, 'template.db');
  let keeper = '';
  let keeperKey: Buffer = Buffer.alloc(0);
  /** Each account to wipe, by key: its own canary. */
  const canaries = new Map<string, string>();
  const daemons: ChildDaemon[] = [];

  /** One more account to wipe: a copy of the template plus meetings carrying its own canary. */
  const register = (): Promise<string> =>
    withControl(home, async (control) => {
      const canary = `Kill${String(canaries.size).padStart(2, '0')}CanaryText`;
      const key = await seedAccount(home, control, { canary, deadline: Date.now() + 7 * DAY_MS, meetings: 20, participantsPerMeeting: 5, template });
      canaries.set(key, canary);
      return key;
    });

  beforeAll(async () => {
    requireBuild();
    home.writeConfig({});
    // Plaintext: each account's copy of it is encrypted with the account's own key.
    const created = openVault(template, { create: true, key: null });
    if (!created.ok) throw new Error(created.error.message);
    created.value.close();
    fillVault(template, { ...TEMPLATE, canary: FILLER, key: null });
    await withControl(home, async (control) => {
      // The vaults hold no Zoom tokens: a sync would find the grant dead and wipe them.
      pauseSync(control);
      keeper = await seedAccount(home, control, { canary: KEEPER_CANARY, deadline: Date.now() + 7 * DAY_MS, meetings: 40, participantsPerMeeting: 4 });
      keeperKey = await dataKeyOf(home, control, keeper);
    });
  });

  afterAll(async () => {
    for (const daemon of daemons) await daemon.kill();
    home.remove();
    rmSync(scratch, { recursive: true, force: true });
  });

  it(`at ${KILLS_INSIDE_WIPE}+ random points: each restart finishes the wipe before serving, one receipt each, the rest intact`, async () => {
    const seed = Number(process.env.CALLVAULT_KILL_SEED ?? Math.floor(Math.random() * 2 ** 31));
    process.stdout.write(`SIGKILL-during-wipe seed: ${seed} (repeat with CALLVAULT_KILL_SEED=${seed})\n`);
    const rand = createRng(String(seed)).next;
    const start = async (): Promise<{ daemon: ChildDaemon; c: IpcClient }> => {
      const daemon = new ChildDaemon(home);
      daemons.push(daemon);
      return { daemon, c: await daemon.connectTheInstantItServes() };
    };
    // Accounts are registered one ahead, while a daemon runs (control.db is shared in WAL mode):
    // each purged vault was opened by the daemon at its start, as a real one is, and the home
    // never holds more than a few copies.
    const first = await register();
    const pending = [await register()];

    // Encrypted: no file shows the canary, though the daemon serves it.
    expect(tracesOf(home, [canaries.get(first)!, FILLER, KEEPER_CANARY])).toEqual([]);

    // The wipe's duration, as a client sees it, on a daemon as freshly started as the ones killed.
    let { daemon, c } = await start();
    const served = await c.call('search', { q: canaries.get(first)!, account: first, limit: 1 });
    expect(served.ok && served.value.hits.length).toBe(1);
    const began = performance.now();
    expect((await c.call('purge', { account: first, confirm: true })).ok).toBe(true);
    let wipeMs = performance.now() - began;
    const [calibration] = await receiptsOf(c, first);
    process.stdout.write(`calibration: round trip ${wipeMs.toFixed(1)} ms, in the daemon ${calibration!.completedAt - calibration!.requestedAt} ms\n`);
    const wiped = [first];
    const landings: Array<{ delayMs: number; landed: Landed }> = [];

    for (let attempt = 0; landings.filter((l) => l.landed.kind === 'inside-wipe').length < KILLS_INSIDE_WIPE; attempt++) {
      if (attempt >= MAX_ATTEMPTS) throw new Error(`too few kills inside a wipe: ${JSON.stringify(landings)}`);
      pending.push(await register());
      const target = pending[0]!;
      const delayMs = (wipeMs * ((attempt % SPANS) + rand())) / SPANS;
      const purge = c.call('purge', { account: target, confirm: true });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      await daemon.kill();
      await purge;
      await c.close();
      const landed = inspectCrash(home, target, keeper, keeperKey);
      landings.push({ delayMs, landed });
      // A wipe that finished before the kill was shorter than measured: later kills use that.
      if (landed.kind === 'after-receipt') wipeMs = Math.min(wipeMs, delayMs);

      ({ daemon, c } = await start());
      // The first request on the first connection.
      const receipts = await receiptsOf(c, target);
      if (landed.kind === 'before-intent') {
        expect(receipts).toEqual([]);
        const served = await c.call('meetings.list', { account: target, limit: 1 });
        expect(served.ok && served.value.items.length).toBe(1);
        continue;
      }
      expect(receipts).toHaveLength(1);
      expect(receipts[0]).toMatchObject({ reason: 'user-purge', verified: true, method: 'crypto-erase+overwrite', keyCustody: 'file' });
      withControl(home, (control) => expect(control.keys.get(target)).toBeNull());
      expect(await c.call('meetings.list', { account: target })).toMatchObject({ ok: false, error: { code: 'WIPED' } });
      const kept = await c.call('meetings.list', { account: keeper, limit: 5 });
      expect(kept.ok && kept.value.items.length).toBe(5);
      expect(vaultFiles(vaultFileOf(home.paths, target)).filter(existsSync)).toEqual([]);
      const otherVaults = new Set(pending.slice(1).map((key) => vaultFileOf(home.paths, key)));
      expect(tracesOf(home, [canaries.get(target)!], otherVaults)).toEqual([]);
      wiped.push(pending.shift()!);
    }
    process.stdout.write(
      `kills (delay after the purge was sent → the last wipe step journaled): ${landings.map((l) => `${l.delayMs.toFixed(1)} ms → ${l.landed.kind === 'inside-wipe' ? l.landed.step : l.landed.kind}`).join(', ')}\n`,
    );

    // Every wipe has exactly one receipt, and nothing of any wiped account is left anywhere.
    const all = await c.call('receipts.list', {});
    expect(all.ok && all.value.receipts.length).toBe(wiped.length);
    for (const key of wiped) expect(await receiptsOf(c, key)).toHaveLength(1);
    await c.close();
    expect(await daemon.stop()).toBe(0);
    withControl(home, (control) => expect(control.wipes.unfinished()).toEqual([]));
    const stillHeld = new Set(pending.map((key) => vaultFileOf(home.paths, key)));
    expect(tracesOf(home, [FILLER, ...wiped.map((key) => canaries.get(key)!)], stillHeld)).toEqual([]);
    expect(tracesOf(home, [KEEPER_CANARY])).toEqual([]);
    const keeperSnapshot = new Snapshot(vaultFileOf(home.paths, keeper));
    expect(keeperSnapshot.vaultIntegrity(keeperKey)).toBe('ok');
    keeperSnapshot.remove();
  }, 120_000);

  it('a kill the moment the vault is unlinked, before the journal records it: the receipt still reports what was removed', async () => {
    for (const daemon of daemons) await daemon.kill();
    const target = await register();
    const vault = vaultFileOf(home.paths, target);
    let daemon = new ChildDaemon(home);
    daemons.push(daemon);
    let c = await daemon.connectTheInstantItServes();
    const bytesHeld = statSync(vault).size;
    const purge = c.call('purge', { account: target, confirm: true });
    // Watched without pause: the kill lands while the daemon syncs the folder and journals the step.
    const deadline = Date.now() + 20_000;
    while (existsSync(vault) && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    await daemon.kill();
    await purge;
    await c.close();
    expect(existsSync(vault)).toBe(false);

    daemon = new ChildDaemon(home);
    daemons.push(daemon);
    c = await daemon.connectTheInstantItServes();
    const receipts = await receiptsOf(c, target);
    await c.close();
    expect(await daemon.stop()).toBe(0);
    expect(receipts).toHaveLength(1);
    const [receipt] = receipts;
    expect(receipt).toMatchObject({ reason: 'user-purge', verified: true });
    expect(receipt!.filesRemoved).toBeGreaterThanOrEqual(1);
    expect(receipt!.bytesRemoved).toBeGreaterThanOrEqual(bytesHeld);
    expect(tracesOf(home, [canaries.get(target)!])).toEqual([]);
  });
});

/**
 * Looks at a copy of control.db as the kill left it (checking its integrity and the keeper's vault
 * too) without changing what the restarted daemon will find.
 */
function inspectCrash(home: Home, target: string, keeper: string, keeperKey: Buffer): Landed {
  const keeperVault = new Snapshot(vaultFileOf(home.paths, keeper));
  try {
    expect(keeperVault.vaultIntegrity(keeperKey)).toBe('ok');
  } finally {
    keeperVault.remove();
  }
  const control = new Snapshot(join(home.paths.data, 'control.db'));
  try {
    expect(control.integrity()).toBe('ok');
    return control.control((db) => {
      const unfinished = db.wipes.unfinished().find((w) => w.accountKey === target);
      if (unfinished) return { kind: 'inside-wipe', step: unfinished.step };
      const receipted = db.receipts.list().some((r) => db.wipes.get(r.wipeId)?.accountKey === target);
      if (receipted) return { kind: 'after-receipt' };
      expect(db.accounts.get(target)?.state).toBe('active');
      return { kind: 'before-intent' };
    });
  } finally {
    control.remove();
  }
}
